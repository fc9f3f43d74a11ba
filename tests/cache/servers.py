"""gunicorn processes serving the test database, for the shared-cache tests."""

from __future__ import annotations

from pathlib import Path

from bench.gunicorn import Gunicorn as Server
from bench.gunicorn import production_env
from tests.helpers import database_url


def live_database_url() -> str:
    """The database pytest-django made (committed data: transactional tests only)."""
    return database_url()


class Gunicorn:
    """``gunicorn archive.wsgi`` in production mode on a free port, its log in a file."""

    def __init__(self, log: Path, cache_url: str, **environ: str) -> None:
        # One key for every server of a test: what one signs, another accepts.
        env = production_env(
            live_database_url(),
            DJANGO_SECRET_KEY="test-only-not-secret",
            CACHE_URL=cache_url,
            **environ,
        )
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
