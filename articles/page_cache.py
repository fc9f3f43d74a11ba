"""Rendered page bodies, cached under the version of everything they show.

The article page (``articles.detail_page``) and the company page
(``articles.company_page``) cost tens of milliseconds to render, while one small query
can read the version markers of what they show. A body is cached under a key made of
those markers, so any change gives the page a new key instead of a stale body: nothing
to invalidate, nothing to forget.

The markers every such page shares (:func:`site_markers`) move with whatever changes a
name or title it may show: the dictionary fingerprint (companies and their names), the
newest admin history entry (every admin edit and curation), the newest merge record and
the newest import batch with its row version. A page adds the markers of its own rows.
Changes none of them marks (a row edited in a shell, say) last until the entry expires:
the ``pages`` cache's ``TIMEOUT`` in settings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from django.contrib.admin.models import LogEntry
from django.core.cache import caches
from django.db import connections, router
from django.db.models import QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.template.loader import get_template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from articles.models import DictionaryVersion, ImportBatch, MergeRecord

CACHE_ALIAS = "pages"

# The version of a row: the transaction that wrote it (xmin) and where (ctid), as
# every UPDATE writes a new row version, also twice in one transaction. System columns
# of the table in the (sub)query's FROM: unqualified, because Django renames the
# tables of a subquery (U0, …). A constant, no input in it.
ROW_VERSION = RawSQL("xmin::text || '/' || ctid::text", [])  # noqa: S611 - constant SQL


def newest(queryset: QuerySet, *fields: str) -> dict:
    """Subqueries for ``fields`` of the newest row of ``queryset`` (by primary key)."""
    latest = queryset.order_by("-pk")[:1]
    return {
        f"{queryset.model._meta.model_name}_{name}": Subquery(
            latest.annotate(row_version=ROW_VERSION).values(name)
            if name == "row_version"
            else latest.values(name)
        )
        for name in fields
    }


def site_markers() -> dict:
    """The markers of names and titles any cached page may show (see the module)."""
    return {
        **newest(DictionaryVersion.objects.filter(pk=1), "version", "row_version"),
        **newest(LogEntry.objects.all(), "pk"),
        **newest(MergeRecord.objects.all(), "pk"),
        **newest(ImportBatch.objects.all(), "pk", "row_version"),
    }


class VersionQuery:
    """A query for one page's version, compiled once per process, run with one value.

    Compiling the ORM query costs more (about 2 ms) than running it, so it is compiled
    on first use with ``placeholder`` standing for the value (an article id, a slug),
    and afterwards only run, the value bound as a parameter.
    """

    def __init__(self, build: Callable[[object], QuerySet], placeholder: object) -> None:
        self._build = build
        self._placeholder = placeholder

    @cached_property
    def _compiled(self) -> tuple[type, str, list, int]:
        queryset = self._build(self._placeholder)
        sql, params = queryset.query.sql_with_params()
        positions = [i for i, value in enumerate(params) if value == self._placeholder]
        assert len(positions) == 1, params  # noqa: S101 - a programming error
        return queryset.model, sql, list(params), positions[0]

    def fetch(self, value) -> tuple | None:
        """The row, read from the server the router picks for the page's other reads.

        The page's body is then read from that same server, after its version: a
        replica replays commits in order, so the body is at least as new as its key.
        """
        model, sql, params, position = self._compiled
        params = [*params[:position], value, *params[position + 1 :]]
        with connections[router.db_for_read(model)].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()


def templates_hash(template_names: tuple[str, ...], code: tuple[Path, ...]) -> str:
    """A short hash of the templates and code a body is made with.

    In the key, so that a deploy that changes them cannot meet old entries in a
    shared cache.
    """
    sources = [get_template(name).template.source for name in template_names]
    sources += [path.read_text("utf-8") for path in code]
    return hashlib.blake2b("\0".join(sources).encode(), digest_size=6).hexdigest()


def cache_key(kind: str, templates: str, identity: object, markers: tuple) -> str:
    digest = hashlib.blake2b(
        "|".join(str(marker) for marker in markers).encode(), digest_size=12
    ).hexdigest()
    return f"{kind}:{templates}:{get_language()}:{identity}:{digest}"


def cached_body(key: str, render: Callable[[], SafeString]) -> SafeString:
    """The body cached under ``key``, or ``render()``'s, cached now.

    The cache keeps the template engine's ``SafeString`` (pickled as such), so nothing
    here marks text safe; a plain string from elsewhere is not trusted but re-rendered.
    """
    pages = caches[CACHE_ALIAS]
    html = pages.get(key)
    if not isinstance(html, SafeString):
        html = render()
        pages.set(key, html)
    return html
