"""A cache of aggregate results (facet counts, page aggregates) keyed by the data version.

Every write to articles or their links stores a new data version (a trigger, see
articles.denormalized), so an entry is found only while the data it was computed from
is unchanged: no invalidation to forget. The version is read first, then the data,
so an entry is never older than its version. Both go through the router, which keeps a
request's reads on one server (articles.routing): a replica's version keys its own data.
Reading the version is one tiny query per cached block; a page caches its aggregates as one block.

Entries hold ids and counts only; names, slugs and URLs are read fresh per request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from articles.models import DataVersion

T = TypeVar("T")
CACHE_ALIAS = "aggregates"
_MISSING = object()


def _cache():
    return caches[CACHE_ALIAS if CACHE_ALIAS in settings.CACHES else "default"]


def _cache_key(version: int, name: str, key: object) -> str:
    text = repr((connection.settings_dict["NAME"], version, name, key))
    return f"aggregate:{name}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def cached(name: str, key: object, compute: Callable[[], T]) -> T:
    """``compute()``, or its result for the same ``name``, ``key`` and data version.

    ``key`` must be built from plain values (ids, strings, dates) with a stable repr.
    """
    return cached_parts({(name, key): compute})[(name, key)]


def cached_parts(parts: dict[tuple[str, object], Callable[[], T]]) -> dict[tuple, T]:
    """``cached`` for several ``(name, key): compute`` at once: one version read."""
    version = DataVersion.current()
    if version is None:  # nothing written yet (an empty database): nothing to save
        return {part: compute() for part, compute in parts.items()}
    keys = {part: _cache_key(version, *part) for part in parts}
    store = _cache()
    found = store.get_many(keys.values())
    results = {}
    for part, compute in parts.items():
        value = found.get(keys[part], _MISSING)
        if value is _MISSING:
            value = compute()
            store.set(keys[part], value)
        results[part] = value
    return results
