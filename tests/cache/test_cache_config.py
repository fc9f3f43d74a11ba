"""CACHES from the environment (archive/cache_config.py)."""

from __future__ import annotations

import shutil

import pytest
from django.core.exceptions import ImproperlyConfigured

from archive import cache_config
from archive.cache_config import cache_settings, default_key_prefix, release_version

DATABASE = {"NAME": "archive", "HOST": "db.example", "PORT": "5432"}
ALIASES = {"default", "aggregates", "pages"}


def test_without_a_url_each_process_keeps_its_own_memory_cache():
    caches = cache_settings({}, DATABASE)
    assert set(caches) == ALIASES
    assert {c["BACKEND"] for c in caches.values()} == {
        "django.core.cache.backends.locmem.LocMemCache"
    }
    assert caches["pages"]["OPTIONS"] == {"MAX_ENTRIES": 3000}


@pytest.mark.parametrize("name", ["CACHE_URL", "REDIS_URL"])
def test_a_url_puts_every_alias_in_redis(name):
    caches = cache_settings({name: "redis://cache.example:6379/2"}, DATABASE)
    assert set(caches) == ALIASES
    for alias, params in caches.items():
        assert params["BACKEND"] == "archive.redis_cache.ResilientRedisCache"
        assert params["LOCATION"] == "redis://cache.example:6379/2"
        assert params["KEY_PREFIX"] == f"{default_key_prefix(DATABASE)}:{alias}"
        assert params["VERSION"] == release_version()
        assert params["OPTIONS"] == {
            "socket_connect_timeout": 0.25,
            "socket_timeout": 0.5,
            "retry_after": 5.0,
        }
    assert caches["pages"]["TIMEOUT"] == 600 and caches["aggregates"]["TIMEOUT"] == 3600


def test_cache_url_wins_over_redis_url_and_the_environment_overrides_the_rest():
    caches = cache_settings(
        {
            "CACHE_URL": "redis://one:6379/0",
            "REDIS_URL": "redis://two:6379/0",
            "CACHE_KEY_PREFIX": "archive-a",
            "CACHE_VERSION": "r42",
            "CACHE_CONNECT_TIMEOUT": "1",
            "CACHE_SOCKET_TIMEOUT": "2",
            "CACHE_RETRY_AFTER": "3",
        },
        DATABASE,
    )
    pages = caches["pages"]
    assert pages["LOCATION"] == "redis://one:6379/0"
    assert pages["KEY_PREFIX"] == "archive-a:pages" and pages["VERSION"] == "r42"
    assert pages["OPTIONS"] == {
        "socket_connect_timeout": 1.0,
        "socket_timeout": 2.0,
        "retry_after": 3.0,
    }


@pytest.mark.parametrize(
    "environ",
    [
        {"CACHE_URL": "memcached://cache:11211"},
        {"CACHE_URL": "redis://cache:6379/0", "CACHE_SOCKET_TIMEOUT": "soon"},
        {"CACHE_URL": "redis://cache:6379/0", "CACHE_CONNECT_TIMEOUT": "0"},
        {"CACHE_URL": "redis://cache:6379/0", "CACHE_RETRY_AFTER": "3600"},
    ],
)
def test_bad_values_are_refused_at_start(environ):
    with pytest.raises(ImproperlyConfigured):
        cache_settings(environ, DATABASE)


def test_the_default_prefix_differs_per_database_and_stays_put():
    same = default_key_prefix(dict(DATABASE))
    assert same == default_key_prefix(DATABASE) and same.startswith("archive.")
    others = {
        default_key_prefix({**DATABASE, "NAME": "archive2"}),
        default_key_prefix({**DATABASE, "HOST": "db2.example"}),
        default_key_prefix({**DATABASE, "PORT": "5433"}),
    }
    assert same not in others and len(others) == 3


@pytest.fixture
def release_tree(tmp_path):
    """A copy of what the release version is made of."""
    shutil.copy(cache_config.ROOT / "pyproject.toml", tmp_path)
    for directory in {directory for directory, _ in cache_config.RELEASE_CODE}:
        shutil.copytree(
            cache_config.ROOT / directory,
            tmp_path / directory,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return tmp_path


def test_the_release_version_moves_with_the_code_that_shapes_entries(release_tree):
    version = release_version(release_tree)
    assert version == release_version()  # the copy is the same release
    assert version.startswith("0.1.0-")
    template = release_tree / "templates" / "base.html"
    template.write_text(template.read_text() + "\n")
    release_version.cache_clear()
    changed = release_version(release_tree)
    assert changed != version
    (release_tree / "articles" / "new_module.py").write_text("")
    release_version.cache_clear()
    assert release_version(release_tree) not in {version, changed}
    (release_tree / "docs.md").write_text("not code")  # anything else is not the release
    release_version.cache_clear()
    assert len({release_version(release_tree), release_version()}) == 2
