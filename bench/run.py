"""``make bench`` / ``make bench-quick``: page times, throughput, import rate, baseline.

    python -m bench.run --n 100000            # make bench
    python -m bench.run --n 10000 --quick     # make bench-quick

The benchmark database is ``BENCH_DATABASE_URL``, or DATABASE_URL's server with the
database ``archive_bench`` (created and migrated if missing). It is filled by
``generate_corpus N --db --truncate`` unless it already holds exactly that corpus.
Writes ``bench/results.json`` and ``bench/results.md`` and prints the table.
See docs/BENCHMARKS.md for what each figure means.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_JSON = ROOT / "bench" / "results.json"
RESULTS_MD = ROOT / "bench" / "results.md"
BENCH_DB = "archive_bench"

# page key -> (label, target p95 in ms or None)
PAGES = {
    "list": ("list with facets, no filter", 150),
    "list_filtered": ("list + 2 facet filters", 150),
    "search_common": ("search, common term", 200),
    "search_rare": ("search, rare term", 50),
    "search_filtered": ("search + 2 filters", None),
    "detail": ("detail page (cached)", 20),
    "detail_uncached": ("detail page, first view (rendered)", None),
    "company": ("company page (largest)", 150),
    "feed": ("Atom feed", None),
    "csv": ("CSV export (first row / total)", 200),
}
# Pages whose aggregates (facets, counts, page totals) are cached by data version
# (articles/aggregate_cache.py): also timed with that cache emptied before every
# request, i.e. the first reader after an import or an edit.
COLD_PAGES = ("list", "list_filtered", "search_common", "search_rare", "search_filtered", "company")


def _empty_aggregate_cache() -> None:
    from django.core.cache import caches

    caches["aggregates"].clear()


def table_rows():
    """(result key, label, target) of every row of the page table, cold ones included."""
    for key, (label, target) in PAGES.items():
        yield key, label, target
        if key in COLD_PAGES:
            yield f"{key}_cold", f"{label} — cold cache", target


DETAIL_CACHED = 30
BASELINE_PATHS = {
    "list": "/baseline/articles/",
    "list_filtered": "/baseline/articles/",
    "search_common": "/baseline/articles/",
    "search_rare": "/baseline/articles/",
    "search_filtered": "/baseline/articles/",
    "feed": "/baseline/articles/feed/",
    "csv": "/baseline/articles.csv",
}


# -- database ------------------------------------------------------------------------


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL")
    if not url:
        from archive.embedded_db import embedded_database_url

        url = embedded_database_url()
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def commit_id() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}-dirty" if dirty else head or "unknown"


# -- the corpus ----------------------------------------------------------------------


def ensure_corpus(n: int, seed: int, workers: int, copies: int = 1) -> dict:
    from django.core.management import call_command

    from articles.models import Article, ImportBatch
    from bench.corpus import Corpus

    corpus = Corpus(n, seed, copies=copies)
    fingerprint = corpus.fingerprint()
    batch = ImportBatch.objects.filter(sources=corpus.marker()).order_by("-pk").first()
    if batch and Article.objects.count() == n:
        print(f"reusing the corpus in the database: {n:,} articles, seed {seed}; vacuuming")
        # The state a load leaves: an interrupted run (a crashed import, say) leaves dead
        # rows behind, and they are enough to flip the plan of a common-term search.
        from django.db import connection

        from bench.fastload import _written_tables

        with connection.cursor() as cursor:
            for table in _written_tables():
                cursor.execute(f"VACUUM ANALYZE {table}")
        return {
            "n": n,
            "seed": seed,
            "copies": copies,
            "fingerprint": fingerprint,
            "generated_in_this_run": False,
            "load_seconds": (batch.finished_at - batch.started_at).total_seconds(),
        }
    print(f"generating {n:,} articles (seed {seed}) straight into the database …")
    started = time.monotonic()
    call_command(
        "generate_corpus", n, seed=seed, db=True, truncate=True, workers=workers, copies=copies
    )
    seconds = time.monotonic() - started
    return {
        "n": n,
        "seed": seed,
        "copies": copies,
        "fingerprint": fingerprint,
        "generated_in_this_run": True,
        "load_seconds": seconds,
        "articles_per_second": n / seconds,
    }


# -- choosing what to ask ------------------------------------------------------------

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def choose_inputs(n: int) -> dict:
    """Terms, filters and pages picked from the data itself."""
    from django.db import connection
    from django.db.models import Count
    from django.utils.encoding import iri_to_uri

    from articles.dictionary import current_matcher
    from articles.models import Article, ArticleCompany, Company, Industry

    published = Article.objects.published()
    total = published.count()
    largest = Company.objects.annotate(n=Count("article_links")).order_by("-n", "slug").first()
    industry = Industry.objects.annotate(n=Count("article_links")).order_by("-n", "slug").first()
    _, matcher = current_matcher()

    # Document frequencies from a sample of about 2,000 vectors.
    step = max(1, total // 2000)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT search_vector FROM articles_article "
            f"WHERE id % {step} = 0$$)"  # noqa: S608 - an integer
        )
        stats = cursor.fetchall()
        sample = max(1, total // step)

    def fraction(term: str) -> float:
        return published.search(term).count() / max(1, total)

    words = [(w, d) for w, d in stats if _CJK_WORD.match(w) and not matcher.expand(w)]
    words.sort(key=lambda wd: (abs(wd[1] / sample - 0.30), wd[0]))
    common = min(words[:6], key=lambda wd: (abs(fraction(wd[0]) - 0.30), wd[0]))[0]
    rare_limit = max(1, math.ceil(total / 10_000) - 1)  # < 0.01 %, or 1 article for N ≤ 10k
    rare = None
    for word, _ in sorted((wd for wd in words if wd[1] == 1), key=lambda wd: wd[0])[:400]:
        hits = published.search(word).count()
        if 1 <= hits <= rare_limit:
            rare = word
            break
    rare = rare or words[-1][0]

    filters = [("company", largest.slug), ("industry", industry.slug)]
    ids = list(published.order_by("id").values_list("id", flat=True))
    chosen = ids[:: max(1, len(ids) // 1000)][:1000]
    detail_urls = [
        iri_to_uri(a.get_absolute_url())
        for a in published.filter(id__in=chosen).order_by("id").only("id", "title")
    ]
    csv_params, csv_rows = _csv_filter(total)
    return {
        "articles": total,
        "largest_company": largest.slug,
        "largest_company_articles": ArticleCompany.objects.filter(company=largest).count(),
        "filters": filters,
        "filtered_articles": published.filter(
            company_links__company=largest, industry_links__tag=industry
        ).count(),
        "common_term": common,
        "common_fraction": fraction(common),
        "rare_term": rare,
        "rare_articles": published.search(rare).count(),
        "detail_urls": detail_urls,
        "csv_params": csv_params,
        "csv_rows": csv_rows,
    }


def _csv_filter(total: int) -> tuple[list[tuple[str, str]], int]:
    """The filter whose result is closest to 10,000 rows (none when N ≤ 10k)."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from articles.models import Article, Industry, Technology

    if total <= 10_000:
        return [], total
    published = Article.objects.published()
    options: list[tuple[int, list[tuple[str, str]]]] = []
    for year, count in (
        published.exclude(event_date=None)
        .annotate(y=ExtractYear("event_date"))
        .values_list("y")
        .annotate(n=Count("id"))
    ):
        options.append((count, [("year", str(year))]))
    for value, count in published.values_list("event_type").annotate(n=Count("id")):
        options.append((count, [("event_type", value)]))
    for param, model in (("industry", Industry), ("technology", Technology)):
        for slug, count in (
            model.objects.annotate(n=Count("article_links"))
            .order_by("-n")
            .values_list("slug", "n")[:40]
        ):
            options.append((count, [(param, slug)]))
    count, params = min(options, key=lambda o: (abs(o[0] - 10_000), o[1]))
    return params, count


def page_urls(inputs: dict) -> dict[str, list[str]]:
    from articles import querystring

    def url(path, params):
        encoded = querystring.encode(params)
        return path + (f"?{encoded}" if encoded else "")

    filters = inputs["filters"]
    common = [("q", inputs["common_term"])]
    return {
        "list": [url("/articles/", [])],
        "list_filtered": [url("/articles/", filters)],
        "search_common": [url("/articles/", common)],
        "search_rare": [url("/articles/", [("q", inputs["rare_term"])])],
        "search_filtered": [url("/articles/", common + filters)],
        # The same 30 articles again and again, after a warm-up over them: what a reader
        # gets once anyone has read the article. Then 30 articles never asked for before:
        # the page rendered from scratch (articles/detail_page.py).
        "detail": inputs["detail_urls"][:DETAIL_CACHED],
        "detail_uncached": inputs["detail_urls"][DETAIL_CACHED:],
        "company": [f"/companies/{inputs['largest_company']}/"],
        "feed": [url("/articles/feed/", [])],
        "csv": [url("/articles.csv", inputs["csv_params"])],
    }


# -- timing through the Django stack -------------------------------------------------


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
        _print_figure("ours", key, results[key])
    for key in COLD_PAGES:
        if key in urls:
            cold = f"{key}_cold"
            results[cold] = measure(client, urls[key], requests, before_each=_empty_aggregate_cache)
            _print_figure("ours", cold, results[cold])
    return results


def measure_baseline(urls: dict[str, list[str]], requests: int, budget: float) -> dict:
    """The naive pages, with the extra indexes dropped in a transaction rolled back after."""
    from django.db import connection, transaction
    from django.test import Client

    from bench.baseline import extra_indexes

    client = Client()
    results = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            dropped = extra_indexes(cursor)
            for name, _ in dropped:
                cursor.execute(f"DROP INDEX {name}")
        print(f"baseline: dropped {len(dropped)} extra indexes: {', '.join(n for n, _ in dropped)}")
        for key, page_urls_ in urls.items():
            path = BASELINE_PATHS.get(key)
            base = page_urls_
            if path:  # the same query string on the baseline's view
                base = [path + (url[url.index("?") :] if "?" in url else "") for url in base]
            elif key.startswith("detail"):  # the same article, rendered every time
                base = ["/baseline" + url for url in base]
            results[key] = measure(client, base, requests, budget=budget)
            _print_figure("baseline", key, results[key])
        transaction.set_rollback(True)
    results["_dropped_indexes"] = [name for name, _ in dropped]
    return results


def _print_figure(kind: str, key: str, figure: dict) -> None:
    extra = ""
    if "first_row_p95_ms" in figure:
        extra = f", first row p95 {figure['first_row_p95_ms']:.0f} ms"
    print(
        f"  {kind:8} {key:16} p50 {figure['p50_ms']:8.1f} ms  p95 {figure['p95_ms']:8.1f} ms"
        f"  {figure['queries']:3} queries  n={figure['requests']}"
        f"  status {figure['status']}{extra}",
        flush=True,
    )


# -- throughput: gunicorn + wrk ------------------------------------------------------


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package) …")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
            subprocess.run(
                ["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True
            )
    return shutil.which("wrk")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_wrk(output: str) -> dict:
    def number(pattern, default=0.0):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def latency(label):
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return None
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * scale

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = (
        dict(
            zip(
                ("connect", "read", "write", "timeout"),
                map(int, socket_errors.groups()),
                strict=True,
            )
        )
        if socket_errors
        else {}
    )  # noqa: E501
    requests = int(number(r"(\d+) requests in"))
    non_2xx = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    return {
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": requests,
        "non_2xx_3xx": non_2xx,
        "socket_errors": errors,
        "errors": non_2xx + sum(errors.values()),
        "latency_p50_ms": latency("50"),
        "latency_p99_ms": latency("99"),
    }


# gunicorn for this 2-core machine (docs/OPERATIONS.md, "gunicorn"): one process per
# core, threads to overlap each process's waits on PostgreSQL, the app loaded once
# before forking.
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4


def gunicorn_command(gunicorn: Path, port: int, workers: int, threads: int) -> list[str]:
    return [
        str(gunicorn),
        "archive.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--preload",
        "--log-level", "warning",
    ]  # fmt: skip


def measure_throughput(
    inputs: dict,
    duration: int,
    connections: int,
    workers: int,
    threads: int,
    database_url: str,
    targets: list[str],
    warmup: int,
) -> dict:
    """wrk against gunicorn: each target after a warm-up of ``warmup`` seconds.

    The detail pages' warm-up runs in rounds of 10 s until each article was asked for
    three times per worker on average, at most ``warmup`` seconds: each process caches the
    pages it rendered (articles/detail_page.py), so the figure is the steady state once
    every worker has seen the 1,000 articles. The rounds' rates are recorded too.
    ``detail_rendered`` asks for the same articles from the baseline's view, which
    renders each page on every request (the site's view before its cache).
    """
    wrk = ensure_wrk()
    if not wrk:
        print("wrk is not installed and cannot be: throughput skipped")
        return {"skipped": "wrk not available"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        print("gunicorn is not installed (pip install -e '.[dev]'): throughput skipped")
        return {"skipped": "gunicorn not available"}
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
    )
    env.pop("DATABASE_STATEMENT_TIMEOUT_MS", None)  # production's default limit applies
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - gunicorn writes it while we run
        "w+", prefix="bench-gunicorn-", suffix=".log", delete=False
    )
    server = subprocess.Popen(
        gunicorn_command(gunicorn, port, workers, threads),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    results: dict = {
        "workers": workers,
        "threads": threads,
        "preload": True,
        "connections": connections,
        "duration_s": duration,
        "warmup_s": warmup,
    }
    try:
        _wait_for(base + "/healthz", server, log.name)
        scripts = {}
        for name, prefix in (("detail", ""), ("detail_rendered", "/baseline")):
            paths = ", ".join(json.dumps(prefix + url) for url in inputs["detail_urls"])
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                # Each wrk thread walks the list from its own random start, so that
                # successive runs (warm-up rounds, then the measure) cover all of it.
                script.write(
                    f"local paths = {{{paths}}}\nlocal i = 0\n"
                    "init = function(args)\n"
                    "  math.randomseed(os.time() + tonumber(tostring({}):match('%x+$'), 16))\n"
                    "  i = math.random(#paths)\nend\n"
                    "request = function()\n  i = i + 1\n"
                    "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
                )
            scripts[name] = script.name
        runs = {
            "detail": ["-s", scripts["detail"], base + "/"],
            "detail_rendered": ["-s", scripts["detail_rendered"], base + "/"],
            "list": [base + "/articles/"],
        }
        for key in targets:
            args = runs[key]
            common = [wrk, "-t2", f"-c{connections}", "--timeout", "10s", "--latency"]
            # Warm every worker (imports, templates, jieba; for the detail pages the page
            # cache of each process: until each article was asked for three times per
            # worker on average, or the warm-up time is spent).
            rounds: list[float] = []
            spent = asked = 0
            enough = 3 * workers * len(inputs["detail_urls"]) if key == "detail" else 0
            while spent < 2 or (asked < enough and spent < warmup):
                seconds = min(10, warmup) if key == "detail" else 2
                warmed = parse_wrk(
                    subprocess.run(
                        [*common, f"-d{seconds}s", *args],
                        capture_output=True,
                        text=True,
                        check=False,
                    ).stdout
                )
                spent += seconds
                asked += warmed["requests"]
                rounds.append(warmed["requests_per_second"])
            completed = subprocess.run(
                [*common, f"-d{duration}s", *args], capture_output=True, text=True, check=False
            )
            results[key] = parse_wrk(completed.stdout)
            results[key]["warmup_rounds_rps"] = rounds
            figure = results[key]
            print(
                f"  wrk {key:8} {figure['requests_per_second']:8.1f} req/s, "
                f"{figure['errors']} errors ({figure['requests']} requests, "
                f"p50 {figure['latency_p50_ms']} ms, p99 {figure['latency_p99_ms']} ms; "
                f"warm-up rounds {', '.join(f'{r:.0f}' for r in rounds)} req/s)",
                flush=True,
            )
        for name in scripts.values():
            os.unlink(name)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
        os.unlink(log.name)
    return results


def _wait_for(url: str, server: subprocess.Popen, log: str) -> None:
    import urllib.request

    for _ in range(120):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {Path(log).read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /healthz")


# -- import throughput ---------------------------------------------------------------


def measure_import(n: int, seed: int) -> dict:
    """Import N generated records with the real importer, then undo it.

    Timed: parse, enrich, write, and the foreign-key checks a commit would run
    (``SET CONSTRAINTS ALL IMMEDIATE``); then rolled back so the corpus stays as it was.
    """
    from django.db import connection, transaction

    from articles.importing.service import import_paths
    from bench.corpus import Corpus

    stages: dict[str, float] = {}

    def progress(iterable, description, total):
        def timed():
            started = time.perf_counter()
            yield from iterable
            stages[description] = stages.get(description, 0.0) + time.perf_counter() - started

        return timed()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        Corpus(n, seed).write_files(Path(directory))
        size = sum(p.stat().st_size for p in Path(directory).iterdir())
        print(f"importing {n:,} generated records ({size / 1e6:.1f} MB) with import_paths …")
        with transaction.atomic():
            started = time.perf_counter()
            report = import_paths([directory], progress=progress)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
    with connection.cursor() as cursor:
        for table in ("articles_article", "articles_event", "articles_articlecompany"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    figure = {
        "records": n,
        "created": report.created,
        "errors": len(report.errors),
        "seconds": seconds,
        "records_per_second": report.created / seconds if seconds else 0,
        "bytes": size,
        "stages_s": {k: round(v, 2) for k, v in stages.items()},
    }
    print(
        f"  import: {figure['records_per_second']:.0f} records/s "
        f"({report.created:,} created in {seconds:.1f} s; stages {figure['stages_s']})"
    )
    return figure


# -- report --------------------------------------------------------------------------


def machine_notes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        settings = {}
        for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit"):
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "postgresql": version,
        "postgresql_settings": settings,
        "load_average_start": os.getloadavg(),
    }


def markdown(results: dict) -> str:
    corpus = results["corpus"]
    inputs = results["inputs"]
    lines = [
        f"### {corpus['n']:,} articles — commit {results['commit']} — {results['date']}",
        "",
        "| page | ours p50 | ours p95 | queries | baseline p50 | baseline p95 | baseline queries "
        "| ratio p50 | ratio p95 | target p95 | met? |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for key, label, target in table_rows():
        ours = results.get("pages", {}).get(key)
        base = results.get("baseline", {}).get(key.removesuffix("_cold"))
        if not ours:
            continue
        p95 = ours["p95_ms"]
        p50 = ours["p50_ms"]
        if key == "csv":
            p50, p95 = ours.get("first_row_p50_ms", p50), ours.get("first_row_p95_ms", p95)
            cells = [f"{p50:.0f} / {ours['p50_ms']:.0f}", f"{p95:.0f} / {ours['p95_ms']:.0f}"]
        else:
            cells = [f"{p50:.1f}", f"{p95:.1f}"]
        row = [label, *cells, str(ours["queries"])]
        if base:
            b50, b95 = base["p50_ms"], base["p95_ms"]
            if key == "csv":
                b50 = base.get("first_row_p50_ms", b50)
                b95 = base.get("first_row_p95_ms", b95)
                row += [f"{b50:.0f} / {base['p50_ms']:.0f}", f"{b95:.0f} / {base['p95_ms']:.0f}"]
            else:
                row += [f"{b50:.1f}", f"{b95:.1f}"]
            note = "" if base["requests"] >= results["requests"] else f" (n={base['requests']})"
            row[-1] += note
            row += [str(base["queries"]), f"{b50 / p50:.1f}×", f"{b95 / p95:.1f}×"]
        else:
            row += ["–", "–", "–", "–", "–"]
        row += [f"≤ {target} ms" if target else "–", _met(p95, target)]
        lines.append("| " + " | ".join(row) + " |")
    throughput = results.get("throughput", {})
    for key, label, target in (
        ("detail_rendered", "gunicorn detail pages rendered on every request", None),
        ("detail", "gunicorn detail pages (cached)", 300),
        ("list", "gunicorn list page", None),
    ):  # noqa: E501
        figure = throughput.get(key)
        if isinstance(figure, dict):
            met = (
                "–"
                if target is None
                else (
                    "yes"
                    if figure["requests_per_second"] >= target and figure["errors"] == 0
                    else "no"
                )
            )  # noqa: E501
            lines.append(
                f"| {label} (wrk, {throughput['connections']} connections, "
                f"{throughput['duration_s']} s; gunicorn {throughput['workers']} workers × "
                f"{throughput.get('threads', 1)} threads) | "
                f"{figure['requests_per_second']:.0f} req/s | "
                f"{figure['errors']} errors | | | | | | | "
                f"{'≥ 300 req/s, 0 errors' if target else '–'} | {met} |"
            )
    imported = results.get("import")
    if imported and "records_per_second" in imported:
        rate = imported["records_per_second"]
        lines.append(
            f"| import ({imported['records']:,} records, end to end) | {rate:.0f} records/s | "
            f"| | | | | | | ≥ 1,000 records/s | {'yes' if rate >= 1000 else 'no'} |"
        )
    for key in ("pages", "baseline", "throughput", "import"):
        section = results.get(key)
        if isinstance(section, dict) and ("error" in section or "skipped" in section):
            lines.append(f"\n**{key}: not measured**: {section.get('error') or section['skipped']}")
    lines += [
        "",
        f"Data: {inputs['articles']:,} articles (seed {corpus['seed']}"
        + (
            f"; {corpus['n'] // corpus['copies']:,} generated, each copied {corpus['copies']}×"
            if corpus.get("copies", 1) > 1
            else ""
        )
        + "). Filters: "
        f"`{'&'.join(k + '=' + v for k, v in inputs['filters'])}` "
        f"({inputs['filtered_articles']:,} articles); largest company "
        f"`{inputs['largest_company']}` ({inputs['largest_company_articles']:,} articles); "
        f"common term “{inputs['common_term']}” ({inputs['common_fraction']:.1%} of articles); "
        f"rare term “{inputs['rare_term']}” ({inputs['rare_articles']} article"
        f"{'' if inputs['rare_articles'] == 1 else 's'}); CSV "
        f"`{urlencode(inputs['csv_params']) or '(no filter)'}` ({inputs['csv_rows']:,} rows). "
        f"Times in ms through the whole Django stack (test Client, DEBUG off); p50/p95 over "
        f"{results['requests']} requests (nearest rank). CSV: time to the first data row / "
        f"to the last byte. Ratio = baseline / ours. Baseline: no warm-up request; "
        f"each page stops after its time budget "
        f"({results.get('baseline_budget_s', '–')} s), n = requests timed when fewer.",
    ]
    return "\n".join(lines) + "\n"


def _met(p95: float, target: int | None) -> str:
    if target is None:
        return "–"
    return "yes" if p95 <= target else "no"


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
    parser.add_argument("--workers", type=int, default=2, help="generation processes")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["baseline", "wrk", "import"]
    )
    args = parser.parse_args(argv)
    unknown = set(args.pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    duration = args.wrk_duration or (5 if args.quick else 30)
    warmup = args.wrk_warmup if args.wrk_warmup is not None else (10 if args.quick else 120)

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
        _save(results)

    phase("pages", "pages (ours):", lambda: measure_pages(urls, args.requests))
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
    results["machine"]["load_average_end"] = os.getloadavg()
    table = _save(results)
    print()
    print(table)
    print(f"wrote {RESULTS_JSON.relative_to(ROOT)} and {RESULTS_MD.relative_to(ROOT)}")
    return 1 if failed else 0


def _save(results: dict) -> str:
    table = markdown(results)
    RESULTS_JSON.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    RESULTS_MD.write_text(table, encoding="utf-8")
    return table


if __name__ == "__main__":
    sys.exit(main())
