"""Real workers (``manage.py run_worker`` subprocesses) against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import database_url

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The test database, on the server the suite uses (the embedded one's socket too)."""
    return database_url()


class Workers:
    """Starts worker processes; stops every one it started (by pid) at the end."""

    def __init__(self, media_root: Path, log_dir: Path):
        self.media_root = media_root
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self, worker_id: str, *, stale_seconds: float = 60, extra=()) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "archive.settings_test",
            "DATABASE_URL": test_database_url(),
            "DATABASE_STATEMENT_TIMEOUT_MS": "0",
            "ARCHIVE_MEDIA_ROOT": str(self.media_root),
            "ARCHIVE_JOB_HEARTBEAT_SECONDS": "0.5",
            "ARCHIVE_JOB_STALE_SECONDS": str(stale_seconds),
        }
        log = (self.log_dir / f"{worker_id}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2"]
            + ["--worker-id", worker_id, *extra],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes.append(process)
        return process

    def log(self, worker_id: str) -> str:
        return (self.log_dir / f"{worker_id}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)


@pytest.fixture
def workers(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    started = Workers(settings.MEDIA_ROOT, tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def wait_for(condition, *, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
