"""The article page's body, rendered once per version of everything it shows.

Rendering an article page costs about 20–40 ms of Python (six queries and their ORM
objects, the related-articles query, the template) while one small query can tell
whether anything the page shows has changed. :func:`current_version` runs that query;
:func:`body` returns the rendered body cached under a key made of its answer, so a
change gives the page a new key instead of a stale body. What a page shows, and what
changes its key:

* the article's own row (an edit, hiding it, re-enrichment, a move to another event;
  its tag and company lists change only with enrichment or an admin save, both of
  which write the row): the row version (``xmin`` and ``ctid``, new on every
  ``UPDATE``) and ``updated_at``; a hidden article is not found at all (404);
* company names: the dictionary fingerprint (every change to a company or its names
  bumps it, merges too);
* tag and event names, and the related articles (other articles' titles, dates and
  status): the newest admin history entry (every admin edit and every curation by a
  curator writes one), the newest merge record (merges, also from commands) and the
  newest import batch with its row version (a batch's start, progress and end);
* anything else, such as a tag renamed in a shell: an entry expires after the cache's
  ``TIMEOUT`` (the ``pages`` cache in settings).

The key also holds the language and a hash of the body's templates, so a deploy that
changes them cannot meet old entries in a shared cache.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.contrib.admin.models import LogEntry
from django.core.cache import caches
from django.db import connection
from django.db.models import Prefetch, Subquery
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from articles.models import (
    Article,
    ArticleCompany,
    DictionaryVersion,
    ImportBatch,
    MergeRecord,
)
from articles.models.article import article_slug
from articles.templatetags import page_parts

BODY_TEMPLATE = "articles/_detail_body.html"
# The template tags the body uses: their code is part of what the cache key marks.
BODY_TAGS = Path(page_parts.__file__)
CACHE_ALIAS = "pages"

# The version of a row: the transaction that wrote it (xmin) and where (ctid), as
# every UPDATE writes a new row version, also twice in one transaction. System columns
# of the table in the (sub)query's FROM: unqualified, because Django renames the
# tables of a subquery (U0, …). A constant, no input in it.
_ROW_VERSION = RawSQL("xmin::text || '/' || ctid::text", [])  # noqa: S611 - constant SQL


@dataclass(frozen=True)
class PageVersion:
    pk: int
    title: str
    markers: tuple

    @property
    def url(self) -> str:
        return Article(pk=self.pk, title=self.title).get_absolute_url()

    @property
    def slug(self) -> str:
        return article_slug(self.title)


def _newest(queryset, *fields: str) -> dict:
    """Subqueries for ``fields`` of the newest row of ``queryset`` (by primary key)."""
    newest = queryset.order_by("-pk")[:1]
    return {
        f"{queryset.model._meta.model_name}_{name}": Subquery(
            newest.annotate(row_version=_ROW_VERSION).values(name)
            if name == "row_version"
            else newest.values(name)
        )
        for name in fields
    }


def current_version(pk: int) -> PageVersion | None:
    """The published article's title and the version markers of its page; one query."""
    sql, params = _version_query()
    params = [pk if value is _ANY_PK else value for value in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return PageVersion(pk=pk, title=row[0], markers=tuple(row[1:]))


# Stands for the requested id while the query is compiled: compiling it costs more
# (about 2 ms) than running it, so it is compiled once per process, with the id bound.
_ANY_PK = object()


@cache
def _version_query() -> tuple[str, list]:
    markers = {
        "row_version": _ROW_VERSION,
        **_newest(DictionaryVersion.objects.filter(pk=1), "version", "row_version"),
        **_newest(LogEntry.objects.all(), "pk"),
        **_newest(MergeRecord.objects.all(), "pk"),
        **_newest(ImportBatch.objects.all(), "pk", "row_version"),
    }
    placeholder = -(2**62)  # no article has it; replaced by _ANY_PK below
    queryset = (
        Article.objects.published()
        .filter(pk=placeholder)
        .annotate(**markers)
        .order_by()
        .values_list("title", "updated_at", *markers)[:1]
    )
    sql, params = queryset.query.sql_with_params()
    assert params.count(placeholder) == 1, params  # noqa: S101 - a programming error
    return sql, [_ANY_PK if value == placeholder else value for value in params]


def cache_key(version: PageVersion) -> str:
    markers = "|".join(str(marker) for marker in version.markers)
    digest = hashlib.blake2b(markers.encode(), digest_size=12).hexdigest()
    return f"article:{templates_hash()}:{get_language()}:{version.pk}:{digest}"


@cache
def templates_hash() -> str:
    sources = (get_template(BODY_TEMPLATE).template.source, BODY_TAGS.read_text("utf-8"))
    return hashlib.blake2b("\0".join(sources).encode(), digest_size=6).hexdigest()


def body(version: PageVersion) -> SafeString:
    """The page's rendered body: from the cache, or rendered now and cached.

    The cache keeps the template engine's ``SafeString`` (pickled as such), so nothing
    here marks text safe; a plain string from elsewhere is not trusted but re-rendered.
    """
    pages = caches[CACHE_ALIAS]
    key = cache_key(version)
    html = pages.get(key)
    if not isinstance(html, SafeString):
        html = render_body(version.pk)
        pages.set(key, html)
    return html


def render_body(pk: int) -> SafeString:
    published = Article.objects.published()
    article = get_object_or_404(
        published.select_related("main_company", "event")
        .prefetch_related(
            Prefetch("company_links", queryset=ArticleCompany.objects.select_related("company"))
        )
        .for_cards(),
        pk=pk,
    )
    context = {
        "article": article,
        # The link as given, unless a curator's edit made it other than http(s).
        "source_url": article.url
        if article.url.lower().startswith(("http://", "https://"))
        else article.canonical_url,
        "related": list(published.related_to(article)),
    }
    return render_to_string(BODY_TEMPLATE, context)
