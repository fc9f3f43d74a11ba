"""How much of the public pages' database work a read replica takes: a primary and a hot
standby on loopback (bench/replica_pair.py), a generated corpus, gunicorn, and wrk on a
mix of public pages. Prints each server's share of the statements (pg_stat_statements
calls, the health checks counted apart) and the requests per second.

Run: ``.venv/bin/python -m bench.scaling_replica --articles 3000 --duration 15``. With
``--base DIR`` the pair in DIR is reused (made there the first time, kept afterwards).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.corpus import Corpus
from bench.postgres import make_base, server_user
from bench.replica_pair import ReplicaPair, Site
from bench.throughput import ensure_wrk, parse_wrk

STATEMENTS_SQL = """
SELECT coalesce(sum(calls) FILTER (WHERE query ~* 'pg_(current|last)_wal'), 0)::bigint,
       coalesce(sum(calls) FILTER (WHERE query !~* 'pg_(current|last)_wal|pg_stat_statements'
                                    AND toplevel), 0)::bigint
FROM pg_stat_statements JOIN pg_database d ON d.oid = dbid WHERE d.datname = 'postgres'
"""
SEARCHES = ["大模型", "开源", "芯片", "融资"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling_replica", description=__doc__)
    parser.add_argument("--articles", type=int, default=3000, help="generated articles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=15, help="seconds of measured load")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before it")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads each")
    parser.add_argument("--base", type=Path, help="reuse (or make and keep) the pair here")
    return parser.parse_args(argv)


def load(site: Site, pair: ReplicaPair, articles: int, seed: int, base: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    site.manage("migrate", "--no-input")
    pair.primary.sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    site.manage("load_companies", str(root / "fixtures" / "companies.json"))
    corpus_dir = base / "corpus"
    Corpus(articles, seed).write_files(corpus_dir)
    site.manage("import_articles", "--no-progress", str(corpus_dir), timeout=3600)


def page_mix(pair: ReplicaPair) -> list[str]:
    """Home, lists, searches, filters, indexes, article and company pages."""
    articles = pair.primary.sql(
        "SELECT id FROM articles_article WHERE status = 'published' ORDER BY id LIMIT 40"
    )
    companies = pair.primary.sql(
        "SELECT c.slug FROM articles_company c JOIN articles_articlecompany l "
        "ON l.company_id = c.id GROUP BY c.slug ORDER BY count(*) DESC LIMIT 10"
    )
    paths = ["/", "/articles/", "/articles/?page=2", "/companies/", "/keywords/"]
    paths += ["/articles/?q=" + urllib.parse.quote(term) for term in SEARCHES]
    paths += [f"/articles/?company={slug}" for (slug,) in companies[:5]]
    paths += [f"/companies/{slug}/" for (slug,) in companies]
    paths += [f"/articles/{pk}/" for (pk,) in articles]
    return paths


def wrk_script(paths: list[str], directory: Path) -> Path:
    script = directory / "mix.lua"
    listed = ", ".join(json.dumps(path) for path in paths)
    script.write_text(
        f"local paths = {{{listed}}}\nlocal i = 0\n"
        "init = function(args)\n"
        "  math.randomseed(os.time() + tonumber(tostring({}):match('%x+$'), 16))\n"
        "  i = math.random(#paths)\nend\n"
        "request = function()\n  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
    )
    return script


def run_wrk(wrk: str, script: Path, url: str, seconds: int, connections: int) -> dict:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    completed = subprocess.run(
        [*command, "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    return parse_wrk(completed.stdout)


def statements(pair: ReplicaPair) -> dict[str, tuple[int, int]]:
    """(health-check calls, other calls) per server, as pg_stat_statements counts them."""
    return {
        "primary": tuple(pair.primary.sql(STATEMENTS_SQL)[0]),
        "standby": tuple(pair.standby.sql(STATEMENTS_SQL)[0]),
    }


def report(before: dict, after: dict, load: dict, args, paths: list[str]) -> None:
    delta = {
        name: [a - b for a, b in zip(after[name], before[name], strict=True)] for name in after
    }
    primary_health, primary_other = delta["primary"]
    standby_health, standby_other = delta["standby"]
    total = primary_other + standby_other
    share = standby_other / total if total else 0.0
    print(f"pages: {len(paths)} public URLs in rotation; {args.articles} generated articles")
    print(
        f"load: wrk {args.duration} s, {args.connections} connections; gunicorn "
        f"{args.workers} workers x {args.threads} threads"
    )
    print(
        f"requests: {load['requests']} ({load['requests_per_second']:.1f} req/s), "
        f"errors {load['errors']}, p50 {load['latency_p50_ms']} ms, "
        f"p99 {load['latency_p99_ms']} ms"
    )
    print(f"statements on the primary: {primary_other} (+ {primary_health} health-check)")
    print(f"statements on the standby: {standby_other} (+ {standby_health} health-check)")
    print(f"standby's share of the pages' statements: {share:.1%}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = ensure_wrk()
    if not wrk:
        print("wrk is not installed and cannot be: nothing measured")
        return 1
    keep = args.base is not None
    base = args.base or make_base("scaling-replica-")
    if keep and not base.exists():
        base.mkdir(parents=True)
        if user := server_user():
            shutil.chown(base, user, user)
    pair = ReplicaPair(
        base, log_statements=False, extra="-c shared_preload_libraries=pg_stat_statements"
    )
    fresh = not pair.exists
    site = None
    try:
        started = time.monotonic()
        pair.start()
        site = Site(base, pair.primary.url, [pair.standby.url])
        if fresh:
            load(site, pair, args.articles, args.seed, base)
            pair.wait_caught_up(timeout=300)
        count = pair.primary.sql("SELECT count(*) FROM articles_article")[0][0]
        print(f"pair ready in {time.monotonic() - started:.0f} s: {count} articles")
        site.start(workers=args.workers, threads=args.threads)
        paths = page_mix(pair)
        with tempfile.TemporaryDirectory() as scratch:
            script = wrk_script(paths, Path(scratch))
            url = f"http://127.0.0.1:{site.port}/"
            run_wrk(wrk, script, url, args.warmup, args.connections)
            before = statements(pair)
            measured = run_wrk(wrk, script, url, args.duration, args.connections)
            after = statements(pair)
        args.articles = count
        report(before, after, measured, args, paths)
    finally:
        if site:
            site.stop()
        pair.stop("fast")
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
