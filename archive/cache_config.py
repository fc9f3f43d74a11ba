"""The CACHES setting, from the environment.

CACHE_URL (or REDIS_URL)  redis://host:port/db (rediss://, unix:// too): the default,
                          aggregates and pages caches in that Redis, shared by every
                          process and host. Unset: each process's memory (LocMemCache).
CACHE_KEY_PREFIX          the archive's namespace in Redis (default: from the database's
                          name, host and port, so two archives never share entries)
CACHE_VERSION             the release's namespace (default: the project version and a
                          hash of the code and templates that shape the entries)
CACHE_CONNECT_TIMEOUT, CACHE_SOCKET_TIMEOUT  seconds (defaults 0.25 and 0.5)
CACHE_RETRY_AFTER         seconds without Redis after a failure (default 5)

docs/OPERATIONS.md ("The shared cache") gives the rules.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parent.parent
REDIS_BACKEND = "archive.redis_cache.ResilientRedisCache"
REDIS_SCHEMES = {"redis", "rediss", "unix"}
# What a cached entry is made from: a change to any of it is a new release's namespace.
RELEASE_CODE = (
    ("archive", "*.py"),
    ("articles", "*.py"),
    ("articles", "*.html"),
    ("templates", "*.html"),
    ("locale", "*.mo"),
)

# Per alias: the expiry, and LocMem's size bound (Redis is bounded by its maxmemory).
ALIASES = {
    "default": {"TIMEOUT": 300},
    # Aggregate counts keyed by the data version (articles.aggregate_cache).
    "aggregates": {"TIMEOUT": 3600, "LOCATION": "aggregates", "MAX_ENTRIES": 5000},
    # Rendered article and company page bodies (articles/page_cache.py). Keys carry the
    # version of everything a page shows, so an entry is never served stale; TIMEOUT
    # bounds only changes no version marks (docs/OPERATIONS.md). Article bodies are
    # about 10 KB, the largest company's about 75 KB.
    "pages": {"TIMEOUT": 600, "LOCATION": "article-pages", "MAX_ENTRIES": 3000},
}


def cache_settings(environ: Mapping[str, str], database: Mapping) -> dict:
    """CACHES for ``environ`` (os.environ) and the default database's settings."""
    url = (environ.get("CACHE_URL") or environ.get("REDIS_URL") or "").strip()
    if not url:
        return local_memory_caches()
    if urlsplit(url).scheme not in REDIS_SCHEMES:
        raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL.")
    prefix = environ.get("CACHE_KEY_PREFIX", "").strip() or default_key_prefix(database)
    version = environ.get("CACHE_VERSION", "").strip() or release_version()
    options = {
        "socket_connect_timeout": _seconds(environ, "CACHE_CONNECT_TIMEOUT", 0.25),
        "socket_timeout": _seconds(environ, "CACHE_SOCKET_TIMEOUT", 0.5),
        "retry_after": _seconds(environ, "CACHE_RETRY_AFTER", 5.0),
    }
    return {
        alias: {
            "BACKEND": REDIS_BACKEND,
            "LOCATION": url,
            "TIMEOUT": params["TIMEOUT"],
            # One Redis database holds every alias: the alias keeps their keys apart.
            "KEY_PREFIX": f"{prefix}:{alias}",
            "VERSION": version,
            "OPTIONS": dict(options),
        }
        for alias, params in ALIASES.items()
    }


def local_memory_caches() -> dict:
    caches = {}
    for alias, params in ALIASES.items():
        caches[alias] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if "LOCATION" in params:
            caches[alias].update(
                LOCATION=params["LOCATION"],
                TIMEOUT=params["TIMEOUT"],
                OPTIONS={"MAX_ENTRIES": params["MAX_ENTRIES"]},
            )
    return caches


def default_key_prefix(database: Mapping) -> str:
    """The database's name and a hash of where it is: one archive, one namespace."""
    name = str(database.get("NAME") or "")
    where = f"{database.get('HOST') or ''}:{database.get('PORT') or ''}/{name}"
    return f"{name}.{hashlib.blake2b(where.encode(), digest_size=4).hexdigest()}"


@cache
def release_version(root: Path = ROOT) -> str:
    """``<project version>-<hash of RELEASE_CODE>``: a release never reads another's."""
    with (root / "pyproject.toml").open("rb") as file:
        project_version = tomllib.load(file)["project"]["version"]
    digest = hashlib.blake2b(digest_size=6)
    for directory, pattern in RELEASE_CODE:
        for path in sorted((root / directory).rglob(pattern)):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return f"{project_version}-{digest.hexdigest()}"


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(environ.get(name) or default)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds.") from None
    if not 0 < value <= 60:
        raise ImproperlyConfigured(f"{name} must be between 0 and 60 seconds.")
    return value
