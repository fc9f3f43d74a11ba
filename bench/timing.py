"""Page times through the whole Django stack (the test Client, in this process)."""

from __future__ import annotations

import math
import time

from bench.pages import COLD_PAGES


def _empty_caches() -> None:
    """What the first reader after a write finds: no aggregates, no rendered bodies."""
    from django.core.cache import caches

    caches["aggregates"].clear()
    caches["pages"].clear()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _get(client, url: str) -> tuple[int, float, float | None, float | None, int]:
    """(status, total s, first chunk s, first data row s, bytes) of one request."""
    started = time.perf_counter()
    response = client.get(url)
    first = row = None
    size = 0
    if response.streaming:
        for number, chunk in enumerate(response.streaming_content):
            now = time.perf_counter() - started
            if number == 0:
                first = now
            elif number == 1:
                row = now
            size += len(chunk)
        # Exhausting the content closed the response (the test client's wrapper does,
        # without closing the database connection as request_finished would).
    else:
        size = len(response.content)
    return response.status_code, time.perf_counter() - started, first, row, size


def measure(
    client,
    urls: list[str],
    requests: int,
    budget: float | None = None,
    warm_all: bool = False,
    fresh: bool = False,
    before_each=None,
) -> dict:
    """``requests`` timed requests over ``urls``, after a warm-up, and the query count.

    With a ``budget`` (seconds; the baseline's slow pages) there is no warm-up, the
    queries are counted on the first timed request, and requests stop once the budget
    is spent: at least one is timed, so a page slower than the budget costs one request.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if budget is None:
        for url in urls if warm_all else urls[:2]:  # warm-up: connection, templates, caches
            _get(client, url)
    times, firsts, rows, statuses = [], [], [], set()
    size = 0
    query_count = None
    started = time.monotonic()
    for number in range(requests):
        url = urls[(number + 2) % len(urls)]
        if before_each is not None:
            before_each()
        if budget is not None and query_count is None:
            with CaptureQueriesContext(connection) as queries:
                status, total, first, row, size = _get(client, url)
            query_count = len(queries.captured_queries)
        else:
            status, total, first, row, size = _get(client, url)
        statuses.add(status)
        times.append(total)
        if first is not None:
            firsts.append(first)
        if row is not None:
            rows.append(row)
        if budget is not None and time.monotonic() - started > budget:
            break
    if query_count is None:
        # fresh: pages never asked for before (the first view of an article) are counted
        # on one more such page.
        if before_each is not None:
            before_each()
        with CaptureQueriesContext(connection) as queries:
            _get(client, urls[min(len(urls) - 1, requests + 2)] if fresh else urls[0])
        query_count = len(queries.captured_queries)
    figure = {
        "requests": len(times),
        "p50_ms": percentile(times, 50) * 1000,
        "p95_ms": percentile(times, 95) * 1000,
        "queries": query_count,
        "status": sorted(statuses),
        "bytes": size,
    }
    if budget is not None:
        figure["budget_s"] = budget
    if firsts:
        figure["first_byte_p50_ms"] = percentile(firsts, 50) * 1000
        figure["first_byte_p95_ms"] = percentile(firsts, 95) * 1000
    if rows:
        figure["first_row_p50_ms"] = percentile(rows, 50) * 1000
        figure["first_row_p95_ms"] = percentile(rows, 95) * 1000
    return figure


def measure_pages(urls: dict[str, list[str]], requests: int) -> dict:
    from django.test import Client

    client = Client()
    results = {}
    for key, page_urls_ in urls.items():
        results[key] = measure(
            client,
            page_urls_,
            requests,
            warm_all=key == "detail",
            fresh=key == "detail_uncached",
        )
        print_figure("ours", key, results[key])
    for key in COLD_PAGES:
        if key in urls:
            cold = f"{key}_cold"
            results[cold] = measure(client, urls[key], requests, before_each=_empty_caches)
            print_figure("ours", cold, results[cold])
    return results


def print_figure(kind: str, key: str, figure: dict) -> None:
    extra = ""
    if "first_row_p95_ms" in figure:
        extra = f", first row p95 {figure['first_row_p95_ms']:.0f} ms"
    print(
        f"  {kind:8} {key:16} p50 {figure['p50_ms']:8.1f} ms  p95 {figure['p95_ms']:8.1f} ms"
        f"  {figure['queries']:3} queries  n={figure['requests']}"
        f"  status {figure['status']}{extra}",
        flush=True,
    )
