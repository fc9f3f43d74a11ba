"""Throughput: wrk against gunicorn serving the benchmark database."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.environment import ROOT
from bench.gunicorn import GUNICORN, Gunicorn


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


def bench_server(env: dict[str, str], log: Path, workers: int, threads: int) -> Gunicorn:
    """gunicorn on a free port as the benches run it: the app loaded once, then forked."""
    return Gunicorn(
        env, log, workers=workers, threads=threads, args=["--preload", "--log-level", "warning"]
    )


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
    if not GUNICORN.exists():
        print("gunicorn is not installed (pip install -e '.[dev]'): throughput skipped")
        return {"skipped": "gunicorn not available"}
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
    server = bench_server(env, Path(log.name), workers, threads)
    base = server.base
    results: dict = {
        "workers": workers,
        "threads": threads,
        "preload": True,
        "connections": connections,
        "duration_s": duration,
        "warmup_s": warmup,
    }
    try:
        server.start(timeout=60)
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
        server.stop(timeout=20)
        log.close()
        os.unlink(log.name)
    return results
