#!/usr/bin/env python3
"""Database faults against the real stack: gunicorn (2 workers) and a PostgreSQL that
this script starts, stops and restarts itself (never the shared server).

It shows, and checks:

1. a query stuck behind a lock is cancelled by ``statement_timeout``: 503 + Retry-After
   within 5 s, and the worker is free again at once;
2. PostgreSQL down: every public page answers 503 + Retry-After, site-styled, within 5 s
   (no 30 s hang, no 500); /healthz answers 503;
3. PostgreSQL started again: all 200;
4. PostgreSQL restarted under warm persistent connections: at most one failed request
   per worker (CONN_HEALTH_CHECKS), then all 200.

Exit status 0 when everything held, 1 otherwise; it prints what it saw and removes its
temporary cluster and processes. Run: ``.venv/bin/python scripts/db_fault_demo.py``.
Set PG_BIN to choose the PostgreSQL binaries (default: the newest of
/usr/lib/postgresql/*/bin, else those of the pgserver package).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: bench/ is importable from the root

from bench.gunicorn import (  # noqa: E402
    Answer,
    Gunicorn,
    GunicornError,
    free_port,
    production_env,
)
from bench.postgres import ClusterError, Server, make_base  # noqa: E402

PYTHON = sys.executable
WORKERS = 2
STATEMENT_TIMEOUT_MS = 1000
MAX_SECONDS = 5.0
PAGES = [
    "/",
    "/articles/",
    "/articles/?q=" + quote("大模型"),
    "/companies/",
    "/companies/baidu/",
    "/keywords/",
    "/articles/feed/",
    "/articles.json",
]


class DemoFailure(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


class Cluster(Server):
    """A throwaway PostgreSQL cluster on a free loopback port (bench/postgres.py)."""

    def __init__(self, base: Path):
        super().__init__(base, "pgdata", "-c full_page_writes=off -c max_connections=30")

    def init(self) -> None:
        super().init("--no-locale", "--no-sync")

    def restart(self) -> None:
        self.stop()
        self.start()


class Site:
    """gunicorn serving the project against the cluster."""

    def __init__(self, base: Path, database_url: str):
        self.port = free_port()
        self.access_log = base / "access.log"
        self.error_log = base / "gunicorn.log"
        self.env = production_env(
            database_url, DATABASE_STATEMENT_TIMEOUT_MS=str(STATEMENT_TIMEOUT_MS)
        )
        self.server: Gunicorn | None = None

    def manage(self, *args: str) -> None:
        result = subprocess.run(  # noqa: S603
            [PYTHON, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise DemoFailure(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def start(self) -> None:
        args = [
            "--timeout=30",
            "--graceful-timeout=5",
            f"--access-logfile={self.access_log}",
            "--access-logformat=%(p)s %(s)s %(U)s",
            f"--error-logfile={self.error_log}",  # Django's own log lines go there too
        ]
        self.server = Gunicorn(
            self.env, self.error_log, workers=WORKERS, port=self.port, args=args
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=15)

    def get(self, path: str) -> Answer:
        return self.server.get(path)

    def get_many(self, paths: list[str], threads: int = 6) -> list[Answer]:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(self.get, paths))

    def log_mark(self) -> int:
        return len(self.access_log.read_text().splitlines()) if self.access_log.exists() else 0

    def failures_by_worker(self, since: int) -> Counter:
        time.sleep(0.5)  # gunicorn writes the access log after the response
        lines = self.access_log.read_text().splitlines()[since:]
        failures: Counter = Counter()
        for line in lines:
            pid, status, _path = line.split(" ", 2)
            if status != "200":
                failures[pid] += 1
        return failures

    def workers_seen(self, since: int) -> set[str]:
        time.sleep(0.5)
        return {line.split(" ", 1)[0] for line in self.access_log.read_text().splitlines()[since:]}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailure(message)
    say(f"  ok: {message}")


def expect_unavailable(answer: Answer) -> None:
    say(f"    {answer}")
    check(answer.status == 503, f"{answer.path} answers 503")
    check("retry-after" in answer.headers, f"{answer.path} sends Retry-After")
    check(answer.seconds < MAX_SECONDS, f"{answer.path} answers within {MAX_SECONDS:.0f} s")


def expect_all_ok(answers: list[Answer], what: str) -> None:
    bad = [answer for answer in answers if answer.status != 200]
    for answer in bad:
        say(f"    {answer}")
    check(not bad, f"{what}: all {len(answers)} requests answered 200")


def warm(site: Site, rounds: int = 5) -> list[Answer]:
    """Enough concurrent requests that every worker holds a persistent connection."""
    return site.get_many(PAGES * rounds)


def demo(base: Path) -> None:
    cluster = Cluster(base)
    say(f"PostgreSQL: {cluster.bin} on 127.0.0.1:{cluster.port} (data in {cluster.data})")
    cluster.init()
    cluster.start()
    site = Site(base, cluster.url)
    try:
        say("Loading the schema, the company dictionary and a few sample articles…")
        site.manage("migrate", "--no-input")
        site.manage("load_companies", str(ROOT / "fixtures" / "companies.json"))
        samples = sorted((ROOT / "fixtures" / "articles").glob("*.txt"))[:12]
        site.manage("import_articles", "--no-progress", *map(str, samples))
        site.start()
        say(f"gunicorn: {WORKERS} workers on http://127.0.0.1:{site.port}/")

        say("\n1. Pages with the database up")
        mark = site.log_mark()
        expect_all_ok(warm(site), "warm-up")
        workers = site.workers_seen(mark)
        say(f"    worker pids that served requests: {sorted(workers)}")
        check(len(workers) == WORKERS, f"all {WORKERS} workers hold a database connection")

        say(f"\n2. A query stuck behind a lock (statement_timeout = {STATEMENT_TIMEOUT_MS} ms)")
        import psycopg

        with psycopg.connect(cluster.url) as locker:
            locker.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
            expect_unavailable(site.get("/articles/"))
            health = site.get("/healthz")
            say(f"    {health}")
            check(health.status == 200, "/healthz still answers 200 (the server is up)")
            locker.rollback()
        expect_all_ok([site.get("/articles/")], "after the lock is released")

        say("\n3. PostgreSQL stopped")
        cluster.stop()
        for path in PAGES:
            expect_unavailable(site.get(path))
        page = site.get("/articles/")
        check(
            "/static/css/site.css" in page.body and "site-header" in page.body,
            "the 503 page is in the site's style",
        )
        health = site.get("/healthz")
        say(f"    {health}")
        check(health.status == 503, "/healthz answers 503")

        say("\n4. PostgreSQL started again")
        cluster.start()
        mark = site.log_mark()
        answers = warm(site)
        failures = site.failures_by_worker(mark)
        say(f"    failed requests by worker: {dict(failures) or 'none'}")
        check(all(count <= 1 for count in failures.values()), "at most one failure per worker")
        expect_all_ok(warm(site), "then")

        say("\n5. PostgreSQL restarted under warm persistent connections")
        cluster.restart()
        mark = site.log_mark()
        answers = warm(site)
        failures = site.failures_by_worker(mark)
        for answer in answers:
            if answer.status != 200:
                say(f"    {answer}")
        say(f"    failed requests by worker: {dict(failures) or 'none'}")
        check(all(count <= 1 for count in failures.values()), "at most one failure per worker")
        check(sum(failures.values()) <= WORKERS, f"at most {WORKERS} failures in all")
        expect_all_ok(warm(site), "then")
    finally:
        site.stop()
        if cluster.running():
            try:
                cluster.stop("immediate")
            except (DemoFailure, ClusterError) as exc:
                say(f"warning: {exc}")


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the clean-up on TERM too
    base = make_base("db-fault-demo-")
    started = time.monotonic()
    try:
        demo(base)
    except (DemoFailure, ClusterError, GunicornError) as exc:
        say(f"\nFAILED: {exc}")
        for log in ("gunicorn.log", "postgres.log"):
            if (base / log).exists():
                say(f"--- {log} (last lines)")
                say("\n".join((base / log).read_text().splitlines()[-20:]))
        return 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    say(f"\nAll database-fault checks held ({time.monotonic() - started:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
