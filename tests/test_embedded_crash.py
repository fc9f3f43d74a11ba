"""The embedded PostgreSQL (no DATABASE_URL) survives what a laptop does to it.

A server in a private data directory: articles imported, its postmaster killed with
SIGKILL (a crash, the OOM killer, power loss), then ``migrate`` and a page must work
and every imported article be there (PostgreSQL's crash recovery replays the log).
Then a pid file that names a live process which is not a postgres (a pid reused
after a reboot) must not stop it from starting either.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from archive.embedded_db import stop_embedded_database

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fixtures" / "articles"
FILES = sorted(CORPUS.glob("*.txt"))[:4]

pytestmark = pytest.mark.slow

# The site as a visitor's browser would see it, and the archive's article count.
VISIT = (
    "import django; django.setup(); from django.test import Client; "
    "from articles.models import Article; c = Client(); "
    "print(c.get('/').status_code, c.get('/articles/').status_code, Article.objects.count())"
)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = run([str(ROOT / "manage.py"), *args], env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def visit(env: dict[str, str]) -> list[int]:
    result = run(["-c", VISIT], env)
    assert result.returncode == 0, result.stderr
    return [int(value) for value in result.stdout.split()]


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().splitlines()[0])


def kill_postmaster(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # gone, or a zombie nobody reaps
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.1)
    raise AssertionError(f"postmaster {pid} still runs after SIGKILL")


def stop_server(data_dir: Path) -> None:
    stop_embedded_database(data_dir)
    for process in psutil.process_iter(["name"]):  # whatever a failed test left running
        try:
            if process.info["name"] == "postgres" and Path(process.cwd()) == data_dir:
                process.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue


def test_embedded_server_recovers_from_sigkill(tmp_path):
    data_dir = (tmp_path / "pgdata").resolve()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(EMBEDDED_PGDATA=str(data_dir), DJANGO_SETTINGS_MODULE="archive.settings_test")
    try:
        manage("migrate", "--no-input", env=env)
        imported = manage("import_articles", "--no-progress", *map(str, FILES), env=env)
        created = int(re.search(r"created (\d+)", imported.stdout).group(1))
        assert created >= len(FILES)

        kill_postmaster(postmaster_pid(data_dir))
        manage("migrate", "--no-input", env=env)
        assert visit(env) == [200, 200, created]
        log = (data_dir / "log").read_text(errors="replace")
        assert "not properly shut down; automatic recovery in progress" in log

        # A pid file left by a server that is gone, whose pid now belongs to a live
        # process that is no postgres (this test's own).
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        assert stop_embedded_database(data_dir)
        (data_dir / "postmaster.pid").write_text("\n".join([str(os.getpid()), *lines[1:]]) + "\n")
        manage("migrate", "--no-input", env=env)
        assert visit(env) == [200, 200, created]
        assert postmaster_pid(data_dir) != os.getpid()
    finally:
        stop_server(data_dir)
