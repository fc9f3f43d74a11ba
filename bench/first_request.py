"""The first request after an import, cold and after warming (articles/warming.py).

Each repetition imports the same small batch of generated records with the real
importer, which moves the data version (every cached aggregate and body is then cold),
and times the first request of each page the warming job renders:

* cold: straight after the import, as the first reader finds it without warming;
* warmed: after ``warm_pages()`` ran in this process. The pages are rendered here with
  this process's caches, so warming here stands for the worker writing to a shared
  cache (Redis) that the web processes read.

Each import is rolled back after its requests, as in bench/import_rate.py, so the
corpus stays the one ``ensure_corpus`` recognises (and the warming job, enqueued on
commit, never runs). Figures are medians over the repetitions.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path


def first_request_urls(inputs: dict) -> dict[str, str]:
    """The warmed pages timed: home, the list, the largest company's page and list."""
    company = inputs["largest_company"]
    return {
        "home": "/",
        "list": "/articles/",
        "company": f"/companies/{company}/",
        "list_company": f"/articles/?company={company}",
    }


def _first_requests(client, urls: dict[str, str]) -> dict[str, tuple[float, int, int]]:
    """{page: (ms, queries, status)} of one request each, in order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures = {}
    for key, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            ms = (time.perf_counter() - started) * 1000
        figures[key] = (ms, len(queries.captured_queries), response.status_code)
    return figures


def _after_import(directory: str, urls: dict[str, str], warm: bool, client) -> dict:
    from django.db import transaction

    from articles.importing.service import import_paths
    from articles.warming import warm_pages

    with transaction.atomic():
        report = import_paths([directory])
        warmed = warm_pages() if warm else None
        figures = _first_requests(client, urls)
        transaction.set_rollback(True)
    return {"created": report.created, "warm": warmed, "pages": figures}


def measure_first_request(inputs: dict, records: int, repetitions: int, seed: int) -> dict:
    """Medians over ``repetitions`` of: import ``records`` → (warm) → first requests."""
    from django.test import Client

    from bench.corpus import Corpus
    from bench.import_rate import _vacuum

    urls = first_request_urls(inputs)
    client = Client()
    for url in urls.values():  # this process's first use of each view: templates, SQL
        client.get(url)
    runs: dict[str, list[dict]] = {"cold": [], "warmed": []}
    with tempfile.TemporaryDirectory(prefix="bench-first-request-") as directory:
        Corpus(records, seed).write_files(Path(directory))
        for _ in range(repetitions):
            # Alternating, so that both meet the same machine and the same dead rows.
            runs["cold"].append(_after_import(directory, urls, False, client))
            runs["warmed"].append(_after_import(directory, urls, True, client))
    _vacuum()
    created = {run["created"] for kind in runs.values() for run in kind}
    figure: dict = {"records": records, "created": sorted(created), "repetitions": repetitions}
    figure["urls"] = urls
    figure["pages"] = {}
    for key in urls:
        row = {}
        for kind, kind_runs in runs.items():
            row[f"{kind}_ms"] = statistics.median(run["pages"][key][0] for run in kind_runs)
            row[f"{kind}_queries"] = statistics.median(run["pages"][key][1] for run in kind_runs)
            row[f"{kind}_status"] = sorted({run["pages"][key][2] for run in kind_runs})
        row["ratio"] = row["cold_ms"] / row["warmed_ms"] if row["warmed_ms"] else None
        figure["pages"][key] = row
        print(
            f"  first request {key:13} cold {row['cold_ms']:8.1f} ms ({row['cold_queries']:.0f} q)"
            f"  warmed {row['warmed_ms']:7.1f} ms ({row['warmed_queries']:.0f} q)"
            f"  {row['ratio']:.1f}×",
            flush=True,
        )
    reports = [run["warm"] for run in runs["warmed"]]
    figure["warm_pages"] = {
        "requests": statistics.median(len(report.pages) for report in reports),
        "seconds": statistics.median(report.seconds for report in reports),
        "not_reached": max(report.not_reached for report in reports),
        "statuses": sorted({page["status"] for report in reports for page in report.pages}),
    }
    print(
        f"  warm_pages: {figure['warm_pages']['requests']:.0f} requests in "
        f"{figure['warm_pages']['seconds']:.1f} s (median)",
        flush=True,
    )
    return figure
