"""The shared cache against real Redis servers.

The machine's Redis (127.0.0.1:6379) is shared: these tests use its logical database
15 only, under a key prefix unique to each test, and delete just their own keys.
Outages are played on a private ``redis-server`` each test starts on a free port and
kills. Without a Redis at 6379 the tests are skipped, except under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from archive.cache_config import cache_settings
from archive.redis_cache import ResilientRedisCache
from bench.gunicorn import free_port
from tests.site.conftest import dictionary, site  # noqa: F401 - fixtures

SHARED_REDIS_URL = "redis://127.0.0.1:6379/15"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
DATABASE = {"NAME": "h_cache", "HOST": "127.0.0.1", "PORT": "5432"}


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def make_cache(alias: str = "pages", **environ: str) -> ResilientRedisCache:
    """The backend ``alias`` would get in a process with ``environ``."""
    params = cache_settings({"CACHE_URL": SHARED_REDIS_URL, **environ}, DATABASE)[alias]
    return ResilientRedisCache(params["LOCATION"], params)


def keys_under(client: redis.Redis, prefix: str) -> list[bytes]:
    return sorted(client.scan_iter(match=f"{prefix}*", count=1000))


@pytest.fixture
def shared_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(SHARED_REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at 127.0.0.1:6379 ({error})")
    yield client
    client.close()


@pytest.fixture
def prefix(shared_redis) -> Iterator[str]:
    """A key prefix of this test only; its keys are deleted afterwards."""
    value = f"test-{uuid.uuid4().hex[:12]}"
    yield value
    stale = keys_under(shared_redis, value)
    if stale:
        shared_redis.unlink(*stale)


class PrivateRedis:
    """A redis-server of one test, on a free loopback port, without persistence."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._answers, 10, f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        assert self.process.poll() is None, "redis-server exited"
        try:
            with redis.Redis(port=self.port, socket_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
