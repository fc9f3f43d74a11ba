"""gunicorn processes serving the test database, for the shared-cache tests."""

from __future__ import annotations

import os
from pathlib import Path

from bench.gunicorn import Gunicorn as Server
from tests.helpers import database_url


def live_database_url() -> str:
    """The database pytest-django made (committed data: transactional tests only)."""
    return database_url()


class Gunicorn:
    """``gunicorn archive.wsgi`` in production mode on a free port, its log in a file."""

    def __init__(self, log: Path, cache_url: str, **environ: str) -> None:
        env = {
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
        env.pop("REDIS_URL", None)
        self.server = Server(env, log, threads=2, args=["--preload", "--log-level", "warning"])

    def start(self) -> Gunicorn:
        self.server.start(timeout=90)
        return self

    def get(self, path: str) -> tuple[int, str]:
        answer = self.server.get(path, timeout=20)
        return answer.status, answer.body

    def stop(self) -> None:
        self.server.stop()
