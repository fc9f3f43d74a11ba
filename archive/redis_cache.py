"""Django's RedisCache, for which a Redis error is a cache miss, never a failed page.

Django's backend raises on a refused connection or a timeout, which would turn every
page into a 500 while Redis is down. Here every operation that fails counts as a miss
(or as a write not made), the failure is logged once per outage, and for
``retry_after`` seconds afterwards the process does not ask Redis at all, so a dead or
unreachable Redis costs one connect timeout per process per ``retry_after``, not one
per call. The outage state is shared by every thread of a process (Django makes one
backend per thread and alias).

``clear()`` deletes this cache's own keys (its prefix and version), not the whole Redis
database as Django's does, since other aliases, archives and releases share it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")
# A socket error that redis-py did not wrap counts as Redis unavailable too.
CACHE_ERRORS = (RedisError, OSError)
CLEAR_BATCH = 500


class ServerHealth:
    """Whether one Redis location answered lately; shared by a process's threads."""

    _by_location: dict[str, ServerHealth] = {}
    _registry_lock = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_until = 0.0  # time.monotonic() before which Redis is not asked
        self.down = False

    @classmethod
    def of(cls, location: str) -> ServerHealth:
        with cls._registry_lock:
            return cls._by_location.setdefault(location, cls())

    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, location: str, error: Exception, retry_after: float) -> None:
        with self._lock:
            self.down_until = time.monotonic() + retry_after
            if self.down:
                return
            self.down = True
        logger.warning(
            "Cache at %s unavailable (%s: %s); serving without it, next try in %g s.",
            location,
            type(error).__name__,
            error,
            retry_after,
        )

    def answered(self, location: str) -> None:
        if not self.down:
            return
        with self._lock:
            was_down, self.down = self.down, False
        if was_down:
            logger.warning("Cache at %s is available again.", location)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("retry_after", 5.0))
        super().__init__(server, {**params, "OPTIONS": options})
        location = server if isinstance(server, str) else ",".join(server)
        self._health = ServerHealth.of(location)
        self._location = _redacted(location)  # for the log

    def _guard(self, fallback: T, call: Callable[..., T], *args) -> T:
        if not self._health.available():
            return fallback
        try:
            result = call(*args)
        except CACHE_ERRORS as error:
            self._health.failed(self._location, error, self.retry_after)
            return fallback
        self._health.answered(self._location)
        return result

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """The keys not stored, as Django's set_many returns: all of them on an error."""
        return self._guard(list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._guard(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        """As for a missing key (ValueError) when Redis is unavailable."""
        missing = object()
        result = self._guard(missing, super().incr, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return result

    def clear(self):
        """Delete this cache's keys (its prefix and version) only; True if it could."""
        return self._guard(False, self._delete_own_keys)

    def _delete_own_keys(self) -> bool:
        client = self._cache.get_client(None, write=True)
        pattern = _glob_escape(self.make_key("")) + "*"
        batch = []
        for key in client.scan_iter(match=pattern, count=CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        return True


def _glob_escape(text: str) -> str:
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


def _redacted(location: str) -> str:
    """The location without a password, for the log."""
    return re.sub(r"//[^@/]*@", "//***@", location)
