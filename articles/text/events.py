"""Event-type classification by weighted cue words. Pure code, no Django.

The taxonomy, the cue words (Chinese and English) with their weights, the field
weights and the thresholds all live in ``data/event_rules.json``; this module only
scores. Each cue is matched once per field on ``normalize()``d text: Chinese cues as
substrings (the longest cue wins at a position, so "发布会" is not also "发布"),
Latin cues on word boundaries. A cue may carry weight for several types and a
negative weight to argue against one. The best type wins if its score reaches
``min_score`` and beats the runner-up by ``min_margin``; otherwise the event is
``other``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .normalize import normalize

RULES_PATH = Path(__file__).resolve().parent / "data" / "event_rules.json"
OTHER = "other"
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.\s")
_LATIN_START = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class EventClassification:
    type: str
    score: float
    cues: list[str]  # cue words that decided it, strongest first


@dataclass(frozen=True)
class _Rules:
    types: list[tuple[str, str, str]]
    cue_types: dict[str, dict[str, float]]  # cue -> {type: weight}
    prefixes: tuple[str, ...]  # cues written "word*", longest first
    patterns: tuple[re.Pattern[str], ...]  # CJK cues, Latin cues (two scans are faster)
    field_weights: dict[str, float]
    summary_chars: int
    repeat_bonus: float
    max_repeats: int
    min_score: float
    min_margin: float


def _trie_regex(words: list[str]) -> str:
    """A regex matching any of ``words``, longest first, shaped as a character trie."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            body = (body if len(branches) == 1 and len(body) == 1 else f"(?:{body})") + "?"
        return body

    return emit(trie)


def _cue_regex(cue: str, prefix: bool) -> str:
    """Latin cues match on word boundaries; ``prefix`` cues ("launch*") may run on."""
    body = re.escape(cue)
    if re.match(r"[a-z0-9]", cue):
        body = r"(?<![a-z0-9])" + body
    if prefix:
        body += r"[a-z0-9]*"
    elif re.search(r"[a-z0-9]$", cue):
        body += r"(?![a-z0-9])"
    return body


def load_rules(path: str | Path = RULES_PATH) -> _Rules:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    types: list[tuple[str, str, str]] = []
    cue_types: dict[str, dict[str, float]] = {}
    prefixes: set[str] = set()
    for entry in data["types"]:
        types.append((entry["slug"], entry["zh"], entry["en"]))
        for cue, weight in entry.get("cues", {}).items():
            key = normalize(cue).strip()
            if key.endswith("*"):
                key = key.rstrip("*")
                prefixes.add(key)
            if key:
                cue_types.setdefault(key, {})[entry["slug"]] = float(weight)
    if OTHER not in {slug for slug, _, _ in types}:
        types.append((OTHER, "其他", "Other"))
    # Cues starting with a letter or digit need word boundaries; the rest are substrings,
    # compiled as a trie (one alternation per character) because that scans much faster.
    latin = sorted((c for c in cue_types if _LATIN_START.match(c)), key=lambda c: (-len(c), c))
    parts = [_trie_regex(sorted(set(cue_types) - set(latin)))]
    if latin:  # the leading assertions let the engine skip non-word starts quickly
        alts = "|".join(_cue_regex(c, c in prefixes) for c in latin)
        parts.append(rf"(?<![a-z0-9])(?=[a-z0-9])(?:{alts})")
    patterns = tuple(re.compile(p) for p in parts if p)
    fields = data["fields"]
    return _Rules(
        types=types,
        cue_types=cue_types,
        prefixes=tuple(sorted(prefixes, key=len, reverse=True)),
        patterns=patterns,
        field_weights={name: float(spec["weight"]) for name, spec in fields.items()},
        summary_chars=int(fields.get("summary", {}).get("max_chars", 0)) or 10**9,
        repeat_bonus=float(data.get("repeat_bonus", 0.0)),
        max_repeats=int(data.get("max_repeats", 1)),
        min_score=float(data["min_score"]),
        min_margin=float(data["min_margin"]),
    )


@lru_cache(maxsize=1)
def _default_rules() -> _Rules:
    return load_rules()


def event_types() -> list[tuple[str, str, str]]:
    return list(_default_rules().types)


EVENT_TYPES: list[tuple[str, str, str]] = event_types()
EVENT_TYPE_SLUGS = frozenset(slug for slug, _, _ in EVENT_TYPES)


def _split_lead(text: str) -> tuple[str, str]:
    end = _SENTENCE_END.search(text)
    return (text[: end.start()], text[end.end() :]) if end else (text, "")


def _cue_of(rules: _Rules, text: str) -> str:
    if text in rules.cue_types:
        return text
    return next(p for p in rules.prefixes if text.startswith(p))


def classify_event(
    title: str, event_summary: str, summary: str = "", *, rules: _Rules | None = None
) -> EventClassification:
    """The event type of an article from its title, event summary and summary."""
    rules = rules or _default_rules()
    if not rules.patterns:
        return EventClassification(OTHER, 0.0, [])
    lead, rest = _split_lead(normalize(event_summary))
    fields = {
        "title": normalize(title),
        "event_lead": lead,
        "event_rest": rest,
        "summary": normalize(summary[: rules.summary_chars]),
    }
    scores: Counter[str] = Counter()
    contributions: dict[str, Counter[str]] = {}
    for name, text in fields.items():
        weight = rules.field_weights.get(name, 0.0)
        if not weight or not text:
            continue
        counts = Counter(
            _cue_of(rules, m.group(0)) for p in rules.patterns for m in p.finditer(text)
        )
        for cue, n in counts.items():
            factor = weight * (1.0 + rules.repeat_bonus * (min(n, rules.max_repeats) - 1))
            for slug, w in rules.cue_types[cue].items():
                scores[slug] += w * factor
                contributions.setdefault(slug, Counter())[cue] += w * factor
    ranked = [(s, v) for s, v in scores.most_common() if s != OTHER]
    if not ranked:
        return EventClassification(OTHER, 0.0, [])
    best, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top < rules.min_score or top - runner_up < rules.min_margin:
        return EventClassification(OTHER, round(top, 3), [])
    cues = [c for c, v in contributions[best].most_common() if v > 0]
    return EventClassification(best, round(top, 3), cues)
