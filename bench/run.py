"""``make bench`` / ``make bench-quick``: page times, throughput, import rate, baseline.

    python -m bench.run --n 100000            # make bench
    python -m bench.run --n 10000 --quick     # make bench-quick

The benchmark database is ``BENCH_DATABASE_URL``, or DATABASE_URL's server with the
database ``archive_bench`` (created and migrated if missing). It is filled by
``generate_corpus N --db --truncate`` unless it already holds exactly that corpus.
Writes ``bench/results.json`` and ``bench/results.md`` and prints the table.
See docs/BENCHMARKS.md for what each figure means.

The parts: bench/inputs.py (the corpus and what to ask of it), bench/pages.py,
bench/timing.py and bench/baseline_timing.py (page times), bench/throughput.py
(gunicorn + wrk), bench/import_rate.py, bench/first_request.py (the first request
after an import, cold and warmed), bench/report.py (the table), and
bench/environment.py (database, commit, machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from urllib.parse import urlsplit

from bench.baseline_timing import measure_baseline
from bench.environment import ROOT, bench_database_url, commit_id, ensure_database, machine_notes
from bench.first_request import measure_first_request
from bench.hard_queries import measure_hard_queries
from bench.import_rate import measure_import
from bench.inputs import choose_inputs, ensure_corpus
from bench.pages import PAGES, page_urls
from bench.report import RESULTS_JSON, RESULTS_MD, save
from bench.throughput import GUNICORN_THREADS, GUNICORN_WORKERS, measure_throughput
from bench.timing import measure_pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles (default 100,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="generate n/copies articles and copy each (bench/replicate.py; 1M uses 10)",
    )
    parser.add_argument("--quick", action="store_true", help="short wrk runs (5 s)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--wrk-duration", type=int, help="seconds per wrk run (30; quick: 5)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--gunicorn-workers", type=int, default=GUNICORN_WORKERS)
    parser.add_argument("--gunicorn-threads", type=int, default=GUNICORN_THREADS)
    parser.add_argument(
        "--wrk-warmup",
        type=int,
        help="at most this many seconds of wrk warming the detail pages (120; quick: 10)",
    )
    parser.add_argument(
        "--pages",
        type=lambda text: [key.strip() for key in text.split(",") if key.strip()],
        default=list(PAGES),
        help=f"pages to measure, comma-separated (default all: {','.join(PAGES)}); "
        "wrk runs for those of detail and list",
    )
    parser.add_argument("--import-n", type=int, default=10_000, help="records to import")
    parser.add_argument(
        "--baseline-budget",
        type=float,
        default=60.0,
        help="seconds per baseline page: requests stop once it is spent (at least 1; "
        "the table shows n when under --requests)",
    )
    parser.add_argument(
        "--first-request-n",
        type=int,
        default=200,
        help="records imported before each first request, cold and warmed (200)",
    )
    parser.add_argument(
        "--first-request-repetitions", type=int, help="imports of each kind (5; quick: 3)"
    )
    parser.add_argument("--workers", type=int, default=2, help="generation processes")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["baseline", "hard_queries", "wrk", "import", "first_request"],
    )
    args = parser.parse_args(argv)
    unknown = set(args.pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    duration = args.wrk_duration or (5 if args.quick else 30)
    warmup = args.wrk_warmup if args.wrk_warmup is not None else (10 if args.quick else 120)
    repetitions = args.first_request_repetitions or (3 if args.quick else 5)

    database_url = bench_database_url()
    ensure_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # No statement timeout in this process: a slow page is measured, not cancelled.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results: dict = {
        "commit": commit_id(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "database": urlsplit(database_url).path.lstrip("/"),
        "requests": args.requests,
        "baseline_budget_s": args.baseline_budget,
        "machine": machine_notes(),
        "corpus": ensure_corpus(args.n, args.seed, args.workers, args.copies),
    }
    inputs = choose_inputs(args.n)
    results["inputs"] = {k: v for k, v in inputs.items() if k != "detail_urls"}
    print("inputs: " + json.dumps(results["inputs"], ensure_ascii=False))
    urls = {key: value for key, value in page_urls(inputs).items() if key in args.pages}
    results["urls"] = {k: v[:3] for k, v in urls.items()}
    failed = False

    def phase(key: str, title: str, run) -> None:
        """Run one part; a failure (say the database restarting) is recorded, not fatal."""
        nonlocal failed
        print(title, flush=True)
        try:
            results[key] = run()
        except Exception as exc:  # noqa: BLE001 - reported in the results
            from django.db import connection

            failed = True
            results[key] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"  {key} failed: {results[key]['error']}", flush=True)
            connection.close()
        save(results)

    # As each gunicorn worker starts (archive/wsgi.py): dictionaries loaded, and the
    # objects loaded so far frozen out of garbage collection.
    from archive.startup import prepare_worker

    prepare_worker()
    phase("pages", "pages (ours):", lambda: measure_pages(urls, args.requests))
    if "hard_queries" not in args.skip:
        phase(
            "hard_queries",
            "hard queries (bench/hard_queries.py), cold:",
            lambda: measure_hard_queries(1 if args.quick else 3, args.baseline_budget),
        )
    if "baseline" not in args.skip:
        phase(
            "baseline",
            "pages (naive baseline):",
            lambda: measure_baseline(urls, args.requests, args.baseline_budget),
        )
    targets = [key for key in ("detail", "list") if key in args.pages]
    if "detail_uncached" in args.pages:
        targets.insert(0, "detail_rendered")
    if "wrk" not in args.skip and targets:
        phase(
            "throughput",
            f"throughput: gunicorn ({args.gunicorn_workers} workers × "
            f"{args.gunicorn_threads} threads) + wrk, {duration} s each",
            lambda: measure_throughput(
                inputs,
                duration,
                args.connections,
                args.gunicorn_workers,
                args.gunicorn_threads,
                database_url,
                targets,
                warmup,
            ),
        )
    if "import" not in args.skip and args.import_n:
        phase("import", "import:", lambda: measure_import(args.import_n, args.seed + 1000))
    if "first_request" not in args.skip and args.first_request_n:
        phase(
            "first_request",
            f"first request after an import of {args.first_request_n} records, "
            f"cold and warmed ({repetitions} each):",
            lambda: measure_first_request(
                inputs, args.first_request_n, repetitions, args.seed + 2000
            ),
        )
    results["machine"]["load_average_end"] = os.getloadavg()
    table = save(results)
    print()
    print(table)
    print(f"wrote {RESULTS_JSON.relative_to(ROOT)} and {RESULTS_MD.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
