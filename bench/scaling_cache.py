"""The shared cache under load: wrk against one gunicorn, then two sharing one Redis.

    DATABASE_URL=postgres://…/h_cache_bench python -m bench.scaling_cache [--help]

On a populated database (``manage.py generate_corpus N --db``), for each setup:

* ``locmem``: one gunicorn, each worker with its own memory cache (no CACHE_URL);
* ``one``: one gunicorn, its workers sharing Redis;
* ``two``: two gunicorns on two ports sharing Redis, one wrk per port at once (summed).

Each setup starts cold (its own key prefix), is warmed with the same load for
``--warmup`` seconds, then measured for ``--duration`` seconds over a mix of article,
company, search and list pages. It prints a markdown table: requests/s, latency p50 and
p99 (per server for two), errors (non-2xx/3xx and socket errors) and Redis's keyspace
hits and misses over the warm-up and the measure (INFO stats deltas). Redis is a private
``redis-server`` on a free port unless ``--redis-url`` is given (its statistics then
count every client of that server).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import redis

from bench.environment import ROOT, commit_id
from bench.gunicorn import Gunicorn, free_port
from bench.throughput import (
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    bench_server,
    ensure_wrk,
    parse_wrk,
)

SETUPS = ("locmem", "one", "two")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scaling_cache",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--setups", default=",".join(SETUPS), help="comma-separated setups")
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per setup")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of warm-up per setup")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections per port")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads per port")
    parser.add_argument("--workers", type=int, default=GUNICORN_WORKERS, help="per gunicorn")
    parser.add_argument("--threads", type=int, default=GUNICORN_THREADS, help="per worker")
    parser.add_argument("--articles", type=int, default=1000, help="article pages in the mix")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--redis-url", help="use this Redis instead of a private one")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    args.setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    if unknown := set(args.setups) - set(SETUPS):
        parser.error(f"unknown setups: {', '.join(sorted(unknown))}")
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the populated benchmark database")
    return args


def url_mix(articles: int, seed: int) -> dict[str, list[str]]:
    """Pages of each kind, picked from the data; the mix repeats them in proportion."""
    from django.db.models import Count

    from articles.models import Article, Company, Keyword

    rng = random.Random(seed)
    published = list(Article.objects.published().values_list("pk", "title"))
    chosen = rng.sample(published, min(articles, len(published)))
    companies = list(
        Company.objects.annotate(n=Count("article_links"))
        .filter(n__gt=0)
        .order_by("-n", "slug")
        .values_list("slug", flat=True)[:40]
    )
    terms = list(
        Keyword.objects.annotate(n=Count("article_links"))
        .order_by("-n", "name")
        .values_list("name", flat=True)[:40]
    )
    return {
        "article": [Article(pk=pk, title=title).get_absolute_url() for pk, title in chosen],
        "company": [f"/companies/{slug}/" for slug in companies],
        "search": [f"/articles/?q={quote(term)}" for term in terms],
        "list": ["/articles/"]
        + [f"/articles/?page={page}" for page in range(2, 11)]
        + [f"/articles/?company={slug}" for slug in companies[:10]],
    }


# Share of requests per kind: readers mostly land on articles, then lists and searches.
SHARES = {"article": 0.4, "company": 0.2, "search": 0.2, "list": 0.2}


def request_paths(mix: dict[str, list[str]], seed: int, total: int = 2000) -> list[str]:
    paths = []
    for kind, share in SHARES.items():
        urls = mix[kind]
        paths += [urls[i % len(urls)] for i in range(round(total * share))]
    random.Random(seed).shuffle(paths)
    return paths


def wrk_script(paths: list[str]) -> str:
    """Each wrk thread walks the paths from its own random start."""
    quoted = ", ".join(json.dumps(path) for path in paths)
    return (
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "init = function(args)\n"
        "  math.randomseed(os.time() + tonumber(tostring({}):match('%x+$'), 16))\n"
        "  i = math.random(#paths)\nend\n"
        "request = function()\n  i = i + 1\n"
        "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
    )


class PrivateRedis:
    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="bench-redis-")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_timeout=2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


def keyspace(client: redis.Redis | None) -> tuple[int, int]:
    if client is None:
        return 0, 0
    stats = client.info("stats")
    return stats["keyspace_hits"], stats["keyspace_misses"]


@dataclass
class Servers:
    """``count`` gunicorns on free ports, sharing ``cache_url`` (None: memory caches)."""

    count: int
    workers: int
    threads: int
    cache_url: str | None
    servers: list[Gunicorn] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self.servers]

    def start(self) -> Servers:
        env = dict(os.environ)
        env.update(DJANGO_SETTINGS_MODULE="bench.settings", PYTHONPATH=str(ROOT))
        env.pop("DATABASE_STATEMENT_TIMEOUT_MS", None)  # production's default limit
        for name in ("CACHE_URL", "REDIS_URL", "CACHE_KEY_PREFIX"):
            env.pop(name, None)
        if self.cache_url:
            # A namespace of this setup only: each setup starts cold.
            env.update(CACHE_URL=self.cache_url, CACHE_KEY_PREFIX=f"bench-{uuid.uuid4().hex}")
        for _ in range(self.count):
            log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - gunicorn writes it
                "w+", prefix="bench-gunicorn-", suffix=".log", delete=False
            )
            self.logs.append(log.name)
            self.servers.append(bench_server(env, Path(log.name), self.workers, self.threads))
            self.servers[-1].launch()
        try:
            for server in self.servers:
                server.wait_healthy(60)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop(timeout=20)
        for log in self.logs:
            os.unlink(log)
        self.logs.clear()


def run_wrk(wrk: str, args, ports: list[int], script: str, seconds: int) -> list[dict]:
    """One wrk per port, all at once; their parsed figures."""
    runs = [
        subprocess.Popen(
            [
                wrk,
                f"-t{args.wrk_threads}",
                f"-c{args.connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script,
                f"http://127.0.0.1:{port}/",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for port in ports
    ]
    figures = []
    for run in runs:
        try:
            output, _ = run.communicate(timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            run.kill()
            output, _ = run.communicate(timeout=10)
        figures.append(parse_wrk(output))
    return figures


def measure(setup: str, args, wrk: str, script: str, cache_url: str) -> dict:
    shared = setup != "locmem"
    client = redis.Redis.from_url(cache_url, socket_timeout=5) if shared else None
    servers = Servers(
        2 if setup == "two" else 1, args.workers, args.threads, cache_url if shared else None
    )
    servers.start()
    try:
        before = keyspace(client)
        run_wrk(wrk, args, servers.ports, script, args.warmup)
        warmed = keyspace(client)
        runs = run_wrk(wrk, args, servers.ports, script, args.duration)
        after = keyspace(client)
        memory = client.info("memory")["used_memory_human"] if client else None
    finally:
        servers.stop()
    return {
        "setup": setup,
        "servers": servers.count,
        "runs": runs,
        "requests_per_second": sum(run["requests_per_second"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "warmup_hits_misses": [warmed[0] - before[0], warmed[1] - before[1]],
        "hits_misses": [after[0] - warmed[0], after[1] - warmed[1]],
        "redis_used_memory": memory,
    }


def rate(hits_misses: list[int]) -> str:
    hits, misses = hits_misses
    return f"{100 * hits / (hits + misses):.1f} %" if hits + misses else "–"


def table(results: list[dict], args) -> str:
    lines = [
        "| setup | gunicorn | req/s | p50 ms | p99 ms | errors | Redis hits / misses | "
        "hit rate | warm-up hit rate |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "locmem": "one gunicorn, memory cache per worker",
        "one": "one gunicorn, Redis",
        "two": "two gunicorns, one Redis",
    }
    for result in results:
        runs = result["runs"]
        rps = f"{result['requests_per_second']:.0f}"
        if len(runs) > 1:
            rps += " (" + " + ".join(f"{run['requests_per_second']:.0f}" for run in runs) + ")"
        cells = [
            labels[result["setup"]],
            f"{result['servers']} × {args.workers} workers × {args.threads} threads",
            rps,
            " / ".join(_ms(run["latency_p50_ms"]) for run in runs),
            " / ".join(_ms(run["latency_p99_ms"]) for run in runs),
            str(result["errors"]),
        ]
        if result["setup"] == "locmem":
            cells += ["–", "–", "–"]
        else:
            hits, misses = result["hits_misses"]
            cells += [
                f"{hits:,} / {misses:,}",
                rate(result["hits_misses"]),
                rate(result["warmup_hits_misses"]),
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = ensure_wrk()
    if not wrk:
        print("wrk is not installed and cannot be (apt-get install wrk)", file=sys.stderr)
        return 1
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from articles.models import Article

    mix = url_mix(args.articles, args.seed)
    paths = request_paths(mix, args.seed)
    private = None if args.redis_url else PrivateRedis()
    cache_url = args.redis_url or private.url
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(paths))
    results = []
    try:
        print(
            f"commit {commit_id()}; {Article.objects.published().count():,} published "
            f"articles; pages: " + ", ".join(f"{len(v)} {k}" for k, v in mix.items())
            + f"; request shares {SHARES}; wrk -t{args.wrk_threads} -c{args.connections} per "
            f"port, {args.warmup} s warm-up + {args.duration} s measured per setup; "
            f"load average before {os.getloadavg()[0]:.1f}",
            flush=True,
        )  # fmt: skip
        for setup in args.setups:
            results.append(measure(setup, args, wrk, script.name, cache_url))
            print(f"  {setup}: {results[-1]['requests_per_second']:.0f} req/s", flush=True)
    finally:
        os.unlink(script.name)
        if private:
            private.stop()
    print(f"load average after {os.getloadavg()[0]:.1f}\n")
    print(table(results, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
