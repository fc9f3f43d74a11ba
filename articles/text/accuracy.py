"""Accuracy of the enrichment (companies, main company, event type, event date) against
hand labels. Pure code, no Django: used by ``scripts/accuracy.py`` and the tests.

Labels are ``fixtures/labels.json`` if present, else ``labels_part1.json`` +
``labels_part2.json``: ``{"file", "title", "companies": [main first, …],
"main_company": name | null, "event_type", "event_date": "YYYY-MM-DD",
"date_precision": "day" | "month" | "year"}``. Companies are canonical names.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from articles.importing.parser import parse_file
from articles.importing.records import ParsedRecord

from .companies import CompanyMatcher, load_company_entries
from .dates import extract_event_date
from .events import classify_event
from .normalize import normalize

LABEL_FILES = ("labels_part1.json", "labels_part2.json")


@dataclass(frozen=True)
class Prediction:
    main_company: str | None
    companies: tuple[str, ...]
    event_type: str
    event_date: dt.date | None
    date_precision: str | None


@dataclass(frozen=True)
class Miss:
    file: str
    what: str  # main_company | company_missed | company_extra | event_type | event_date
    expected: str
    got: str


@dataclass
class AccuracyReport:
    articles: int = 0
    main_correct: int = 0
    company_tp: int = 0
    company_fn: int = 0
    company_fp: int = 0
    type_correct: int = 0
    date_correct: int = 0
    misses: list[Miss] = field(default_factory=list)

    @staticmethod
    def _ratio(num: int, den: int) -> float:
        return num / den if den else 1.0

    @property
    def main_company(self) -> float:
        return self._ratio(self.main_correct, self.articles)

    @property
    def company_recall(self) -> float:
        return self._ratio(self.company_tp, self.company_tp + self.company_fn)

    @property
    def company_precision(self) -> float:
        return self._ratio(self.company_tp, self.company_tp + self.company_fp)

    @property
    def event_type(self) -> float:
        return self._ratio(self.type_correct, self.articles)

    @property
    def event_date(self) -> float:
        return self._ratio(self.date_correct, self.articles)

    def figures(self) -> dict[str, float]:
        return {
            "main_company": self.main_company,
            "company_recall": self.company_recall,
            "company_precision": self.company_precision,
            "event_type": self.event_type,
            "event_date": self.event_date,
        }

    def table(self) -> str:
        lines = [f"{'measure':<20}{'value':>8}", "-" * 28]
        lines += [f"{name:<20}{value:>8.1%}" for name, value in self.figures().items()]
        lines.append(f"{'articles':<20}{self.articles:>8}")
        return "\n".join(lines)


def load_labels(fixtures: str | Path) -> list[dict]:
    """The merged labels, or both parts when the merged file does not exist yet."""
    fixtures = Path(fixtures)
    merged = fixtures / "labels.json"
    paths = [merged] if merged.is_file() else [fixtures / n for n in LABEL_FILES]
    labels: list[dict] = []
    for path in paths:
        if path.is_file():
            labels.extend(json.loads(path.read_text(encoding="utf-8")))
    return labels


def predict(record: ParsedRecord, matcher: CompanyMatcher, names: dict[str, str]) -> Prediction:
    """Run the enrichment on one record; ``names`` maps company slug → canonical name."""
    mentions = matcher.find(
        title=record.title,
        event_summary=record.event_summary,
        summary=record.summary,
        keywords=record.keywords,
    )
    main = next((names[m.slug] for m in mentions if m.is_main), None)
    event = classify_event(record.title, record.event_summary, record.summary)
    date = extract_event_date(record.event_summary, record.summary, record.title)
    return Prediction(
        main_company=main,
        companies=tuple(names[m.slug] for m in mentions),
        event_type=event.type,
        event_date=date.date if date else None,
        date_precision=date.precision if date else None,
    )


def _fmt_date(date: dt.date | None, precision: str | None) -> str:
    return f"{date.isoformat()} ({precision})" if date else "-"


def score(pairs: Iterable[tuple[str, dict, Prediction]]) -> AccuracyReport:
    """Compare predictions with labels: (file, label, prediction) triples."""
    report = AccuracyReport()
    for file, label, pred in pairs:
        report.articles += 1
        miss = report.misses.append
        if label.get("main_company") == pred.main_company:
            report.main_correct += 1
        else:
            miss(Miss(file, "main_company", str(label.get("main_company")), str(pred.main_company)))
        expected, got = set(label.get("companies") or ()), set(pred.companies)
        report.company_tp += len(expected & got)
        report.company_fn += len(expected - got)
        report.company_fp += len(got - expected)
        for name in sorted(expected - got):
            miss(Miss(file, "company_missed", name, "-"))
        for name in sorted(got - expected):
            miss(Miss(file, "company_extra", "-", name))
        if label.get("event_type") == pred.event_type:
            report.type_correct += 1
        else:
            miss(Miss(file, "event_type", str(label.get("event_type")), pred.event_type))
        want = dt.date.fromisoformat(label["event_date"]) if label.get("event_date") else None
        want_precision = label.get("date_precision") if want else None
        if (want, want_precision) == (pred.event_date, pred.date_precision):
            report.date_correct += 1
        else:
            miss(
                Miss(
                    file,
                    "event_date",
                    _fmt_date(want, want_precision),
                    _fmt_date(pred.event_date, pred.date_precision),
                )
            )
    return report


def evaluate(fixtures: str | Path, matcher: CompanyMatcher | None = None) -> AccuracyReport:
    """Parse every labelled article under ``fixtures/articles`` and score the enrichment."""
    fixtures = Path(fixtures)
    entries = load_company_entries(fixtures / "companies.json")
    names = {e.slug: e.name for e in entries}
    matcher = matcher or CompanyMatcher(entries)
    parsed: dict[str, list[ParsedRecord]] = {}
    triples = []
    for label in load_labels(fixtures):
        file = label["file"]
        if file not in parsed:
            result = parse_file(fixtures / "articles" / file)
            if not result.records:
                errors = "; ".join(map(str, result.errors)) or "no records"
                raise ValueError(f"{file}: cannot be parsed: {errors}")
            parsed[file] = list(result.records)
        record = _take(parsed[file], label.get("title"))
        triples.append((file, label, predict(record, matcher, names)))
    return score(triples)


def _take(records: list[ParsedRecord], title: str | None) -> ParsedRecord:
    """The record a label describes: the one with its title, else the next unused one.

    A file may hold several records, each with its own label."""
    wanted = normalize(title or "").strip()
    for i, record in enumerate(records):
        if normalize(record.title).strip() == wanted:
            return records.pop(i) if len(records) > 1 else record
    return records.pop(0) if len(records) > 1 else records[0]
