"""The enrichment against the hand-labelled fixtures, and the scoring itself."""

import datetime as dt
from pathlib import Path

import pytest

from articles.text.accuracy import Prediction, evaluate, load_labels, score

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

TARGETS = {
    "main_company": 0.90,
    "company_recall": 0.95,
    "company_precision": 0.90,
    "event_type": 0.90,
    "event_date": 0.95,
}


@pytest.fixture(scope="module")
def report():
    if not load_labels(FIXTURES):
        pytest.skip("no labels in fixtures/ yet")
    return evaluate(FIXTURES)


@pytest.mark.parametrize("measure", sorted(TARGETS))
def test_target(report, measure):
    value = report.figures()[measure]
    misses = [m for m in report.misses if measure.split("_")[0] in m.what]
    assert value >= TARGETS[measure], f"{measure} {value:.1%}\n{report.table()}\n{misses}"


def test_every_label_has_its_article(report):
    assert report.articles == len(load_labels(FIXTURES))


def _label(**kw):
    base = {
        "file": "a.txt",
        "companies": ["腾讯", "百度"],
        "main_company": "腾讯",
        "event_type": "launch",
        "event_date": "2023-09-07",
        "date_precision": "day",
    }
    return base | kw


def _pred(**kw):
    base = dict(
        main_company="腾讯",
        companies=("腾讯", "百度"),
        event_type="launch",
        event_date=dt.date(2023, 9, 7),
        date_precision="day",
    )
    return Prediction(**(base | kw))


def test_score_counts():
    report = score(
        [
            ("a.txt", _label(), _pred()),
            (
                "b.txt",
                _label(main_company=None, companies=["百度", "阿里巴巴"]),
                _pred(main_company=None, companies=("百度", "OpenAI", "微软")),
            ),
            ("c.txt", _label(date_precision="month"), _pred(event_type="other")),
        ]
    )
    assert report.articles == 3
    assert report.main_company == 1.0  # None == None counts as correct
    assert (report.company_tp, report.company_fn, report.company_fp) == (5, 1, 2)
    assert report.company_recall == pytest.approx(5 / 6)
    assert report.company_precision == pytest.approx(5 / 7)
    assert report.event_type == pytest.approx(2 / 3)
    assert report.event_date == pytest.approx(2 / 3)  # precision must match too
    kinds = sorted(m.what for m in report.misses)
    assert kinds == [
        "company_extra",
        "company_extra",
        "company_missed",
        "event_date",
        "event_type",
    ]
    assert "main_company" in report.table()


def test_labels_fall_back_to_parts(tmp_path):
    (tmp_path / "labels_part1.json").write_text('[{"file": "a"}]', encoding="utf-8")
    (tmp_path / "labels_part2.json").write_text('[{"file": "b"}]', encoding="utf-8")
    assert [x["file"] for x in load_labels(tmp_path)] == ["a", "b"]
    (tmp_path / "labels.json").write_text('[{"file": "m"}]', encoding="utf-8")
    assert [x["file"] for x in load_labels(tmp_path)] == ["m"]
