"""The "hard queries" row: searches that are slow by their shape, picked from the corpus.

The rule (``pick_hard_queries``), over the summaries of the first ``SAMPLE`` published
articles by id, normalised and cut by the archive's own segmenter:

* 5 unknown two-character words: the most frequent pairs of adjacent CJK characters
  that the segmenter cuts into two single characters (as it cuts 一意);
* 5 single characters: the characters at frequency ranks 1, 10, 100, 300 and 1,000;
* 5 ten-character phrases: the middle ten characters of the longest CJK run of five
  articles spread evenly over the sample;
* 3 queries of 8 OR terms: the words at frequency ranks 1–8, 9–16 and 17–24;
* 3 NOT-only queries: ``-w`` for the three most frequent words.

Each query is asked ``repetitions`` times through the whole Django stack with the
aggregate and page caches emptied before every request (cold, as the bench's cold
rows); a query's time is its median, and the row reports the p50, the p95 and the
slowest query over all of them. The naive baseline (``icontains``) answers each
query once, within a time budget.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from urllib.parse import urlencode

from articles.text.bigrams import CJK_RUN

SAMPLE = 2000
TARGET_P95_MS = 1000


def pick_hard_queries(sample: int = SAMPLE) -> list[tuple[str, str]]:
    """(kind, query text) by the rule of the module's docstring."""
    from articles.dictionary import current_matcher
    from articles.models import Article
    from articles.text.normalize import normalize

    segmenter = current_matcher()[1].segmenter
    summaries = [
        normalize(text)
        for text in Article.objects.published()
        .order_by("id")
        .values_list("summary", flat=True)[:sample]
    ]
    pairs: Counter[str] = Counter()
    chars: Counter[str] = Counter()
    words: Counter[str] = Counter()
    runs = []
    for text in summaries:
        article_runs = CJK_RUN.findall(text)
        runs.append(max(article_runs, key=len, default=""))
        for run in article_runs:
            chars.update(run)
            pairs.update(run[i : i + 2] for i in range(len(run) - 1))
        words.update(w for w in segmenter.cut(text) if len(w) > 1 and CJK_RUN.fullmatch(w))
    unknown = [p for p, _ in pairs.most_common() if segmenter.cut(p) == [p[0], p[1]]][:5]
    by_char = [c for c, _ in chars.most_common()]
    singles = [by_char[rank - 1] for rank in (1, 10, 100, 300, 1000) if rank <= len(by_char)]
    long_runs = [run for run in runs if len(run) >= 10]
    step = max(1, len(long_runs) // 5)
    phrases = [run[(len(run) - 10) // 2 :][:10] for run in long_runs[::step][:5]]
    by_word = [w for w, _ in words.most_common(24)]
    ors = [" OR ".join(by_word[start : start + 8]) for start in (0, 8, 16)]
    nots = [f"-{w}" for w in by_word[:3]]
    return (
        [("unknown two-character word", q) for q in unknown]
        + [("single character", q) for q in singles]
        + [("ten-character phrase", q) for q in phrases]
        + [("8 OR terms", q) for q in ors]
        + [("NOT only", q) for q in nots]
    )


def measure_hard_queries(repetitions: int = 3, baseline_budget: float = 60.0) -> dict:
    from django.test import Client

    from bench.timing import _empty_caches, _get, percentile

    client = Client()
    _get(client, "/articles/?" + urlencode({"q": "模型"}))  # connection, templates
    rows = []
    for kind, text in pick_hard_queries():
        url = "/articles/?" + urlencode({"q": text})
        times, statuses = [], set()
        for _ in range(repetitions):
            _empty_caches()
            status, seconds, *_ = _get(client, url)
            statuses.add(status)
            times.append(seconds * 1000)
        rows.append(
            {"kind": kind, "q": text, "ms": statistics.median(times), "status": sorted(statuses)}
        )
        print(f"  {kind:28} {text[:40]:40} {rows[-1]['ms']:8.1f} ms  status {sorted(statuses)}")
    baseline = []
    started = time.monotonic()
    for row in rows:
        if time.monotonic() - started > baseline_budget:
            break
        status, seconds, *_ = _get(client, "/baseline/articles/?" + urlencode({"q": row["q"]}))
        baseline.append(seconds * 1000)
    times = [row["ms"] for row in rows]
    slowest = max(rows, key=lambda row: row["ms"])
    figure = {
        "queries": rows,
        "repetitions": repetitions,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "slowest": {"q": slowest["q"], "kind": slowest["kind"], "ms": slowest["ms"]},
        "statuses": sorted({s for row in rows for s in row["status"]}),
    }
    if baseline:
        figure["baseline"] = {
            "requests": len(baseline),
            "p50_ms": percentile(baseline, 50),
            "p95_ms": percentile(baseline, 95),
        }
    print(
        f"  hard queries: p50 {figure['p50_ms']:.1f} ms, p95 {figure['p95_ms']:.1f} ms, "
        f"slowest {slowest['ms']:.1f} ms ({slowest['kind']}: {slowest['q']})"
    )
    return figure
