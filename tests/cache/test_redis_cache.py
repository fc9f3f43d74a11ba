"""The Redis backend in one process: hiredis, namespaces, and Redis down as a miss."""

from __future__ import annotations

import logging
import pickle
import socket
import time

import pytest
import redis
from django.utils.safestring import SafeString, mark_safe
from redis._parsers import _HiredisParser

from .conftest import keys_under, make_cache

LOGGER = "archive.redis_cache"


def outage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and "unavailable" in r.msg]


def test_redis_py_reads_replies_with_hiredis(prefix):
    assert redis.utils.HIREDIS_AVAILABLE
    cache = make_cache(CACHE_KEY_PREFIX=prefix)
    cache.set("k", "v")
    pool = cache._cache._get_connection_pool(write=False)
    connection = pool.get_connection()
    try:
        assert isinstance(connection._parser, _HiredisParser)
    finally:
        pool.release(connection)
    assert cache.get("k") == "v"


def test_two_processes_configured_alike_share_entries(prefix):
    """Two backends built from the same environment: what one stores, the other reads."""
    first, second = make_cache(CACHE_KEY_PREFIX=prefix), make_cache(CACHE_KEY_PREFIX=prefix)
    first.set("page", mark_safe("<p>body</p>"))  # noqa: S308 - a constant
    first.set_many({"a": 1, "b": [2, 3]})
    found = second.get("page")
    assert isinstance(found, SafeString) and found == "<p>body</p>"
    assert second.get_many(["a", "b", "c"]) == {"a": 1, "b": [2, 3]}


@pytest.mark.parametrize(
    "other",
    [
        {"CACHE_KEY_PREFIX": "{prefix}-other-archive"},
        {"CACHE_VERSION": "another-release"},
    ],
)
def test_other_prefixes_and_versions_do_not_see_the_entries(shared_redis, prefix, other):
    other = {name: value.format(prefix=prefix) for name, value in other.items()}
    mine = make_cache(CACHE_KEY_PREFIX=prefix, CACHE_VERSION="this-release")
    theirs = make_cache(**{"CACHE_KEY_PREFIX": prefix, "CACHE_VERSION": "this-release", **other})
    mine.set("shared-name", "mine")
    assert theirs.get("shared-name") is None and theirs.get_many(["shared-name"]) == {}
    theirs.set("shared-name", "theirs")
    assert mine.get("shared-name") == "mine" and theirs.get("shared-name") == "theirs"
    assert len(keys_under(shared_redis, prefix)) == 2


def test_aliases_keep_apart_in_one_database(prefix):
    pages = make_cache("pages", CACHE_KEY_PREFIX=prefix)
    aggregates = make_cache("aggregates", CACHE_KEY_PREFIX=prefix)
    pages.set("same-key", "page")
    assert aggregates.get("same-key") is None


def test_clear_deletes_this_caches_keys_only(shared_redis, prefix):
    pages = make_cache("pages", CACHE_KEY_PREFIX=prefix)
    aggregates = make_cache("aggregates", CACHE_KEY_PREFIX=prefix)
    older_release = make_cache("pages", CACHE_KEY_PREFIX=prefix, CACHE_VERSION="older")
    # A glob character in the prefix matches only itself.
    starred = make_cache("pages", CACHE_KEY_PREFIX=f"{prefix}*")
    for cache in (pages, aggregates, older_release, starred):
        cache.set_many({f"k{i}": i for i in range(1200)})  # more than one batch
    assert starred.clear() is True
    assert starred.get_many(["k0", "k1199"]) == {}
    assert pages.get("k0") == 0 and pages.get("k1199") == 1199
    assert pages.clear() is True
    assert pages.get_many(["k0", "k1199"]) == {}
    for cache in (aggregates, older_release):
        assert cache.get("k0") == 0 and cache.get("k1199") == 1199
    assert len(keys_under(shared_redis, prefix)) == 2 * 1200


def test_redis_down_is_a_miss_logged_once_then_used_again(private_redis, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    params = {"CACHE_URL": private_redis.url, "CACHE_RETRY_AFTER": "0.5"}
    cache, other_alias = make_cache(**params), make_cache("aggregates", **params)
    cache.set("k", "v")
    private_redis.kill()
    for _ in range(3):  # every operation answers as for a missing key
        assert cache.get("k", "default") == "default"
        assert cache.get_many(["k"]) == {} and cache.has_key("k") is False
        assert cache.set("k", "new") is None and cache.add("a", 1) is False
        assert cache.set_many({"x": 1, "y": 2}) == ["x", "y"]
        assert cache.delete("k") is False and cache.touch("k") is False
        assert cache.delete_many(["k"]) is None and cache.clear() is False
        with pytest.raises(ValueError, match="not found"):
            cache.incr("n")
        assert other_alias.get("k") is None
    time.sleep(0.6)  # the back-off is over, Redis still down: the same outage
    assert cache.get("k") is None and other_alias.get("k") is None
    assert len(outage_warnings(caplog)) == 1  # one outage, one warning (both aliases)
    assert private_redis.url.split("//")[1] in outage_warnings(caplog)[0]

    private_redis.start()  # same port
    time.sleep(0.6)  # the back-off
    cache.set("k", "back")
    assert cache.get("k") == "back"
    assert any("available again" in r.getMessage() for r in caplog.records)
    assert pickle.loads(private_redis.client().get(cache.make_key("k"))) == "back"


def test_a_flushed_redis_is_a_miss(private_redis):
    cache = make_cache(CACHE_URL=private_redis.url)
    cache.set("k", "v")
    private_redis.client().flushdb()  # a private server: no one else's keys
    assert cache.get("k") is None
    cache.set("k", "again")
    assert cache.get("k") == "again"


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


def test_after_a_timeout_the_process_does_not_wait_on_redis_again_at_once(silent_server):
    cache = make_cache(CACHE_URL=silent_server, CACHE_SOCKET_TIMEOUT="0.3", CACHE_RETRY_AFTER="30")
    started = time.monotonic()
    assert cache.get("k") is None
    first = time.monotonic() - started
    assert 0.25 < first < 3  # one read timeout, no retries
    started = time.monotonic()
    for _ in range(50):
        assert cache.get("k") is None
        cache.set("k", "v")
    assert time.monotonic() - started < 0.1  # the back-off: Redis not asked
