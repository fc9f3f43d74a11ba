"""gunicorn processes serving the test database, for the shared-cache tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

from .conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def live_database_url() -> str:
    """The database pytest-django made (committed data: transactional tests only)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Gunicorn:
    """``gunicorn archive.wsgi`` in production mode on a free port, its log in a file."""

    def __init__(self, log: Path, cache_url: str, **environ: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "archive.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "test-only-not-secret",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SSL_REDIRECT": "0",
            "DJANGO_SECURE_COOKIES": "0",
            "DATABASE_URL": live_database_url(),
            "CACHE_URL": cache_url,
            **environ,
        }
        self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "archive.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--threads", "2", "--preload", "--log-level", "warning"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_until(self._healthy, 90, f"gunicorn on port {self.port}")
        return self

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def get(self, path: str) -> tuple[int, str]:
        try:
            with OPENER.open(self.base + path, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
