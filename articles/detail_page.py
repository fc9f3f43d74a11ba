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

The key also holds the language and a hash of the body's templates
(``articles.page_cache``, which the company page shares).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from articles import page_cache
from articles.models import Article, ArticleCompany
from articles.models.article import article_slug
from articles.page_cache import ROW_VERSION, VersionQuery
from articles.templatetags import page_parts

BODY_TEMPLATE = "articles/_detail_body.html"
# The template tags the body uses: their code is part of what the cache key marks.
BODY_TAGS = Path(page_parts.__file__)


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


def _version_queryset(pk):
    markers = {"row_version": ROW_VERSION, **page_cache.site_markers()}
    return (
        Article.objects.published()
        .filter(pk=pk)
        .annotate(**markers)
        .order_by()
        .values_list("title", "updated_at", *markers)[:1]
    )


# -(2**62): no article has it; it stands for the id while the query is compiled.
_VERSION_QUERY = VersionQuery(_version_queryset, placeholder=-(2**62))


def current_version(pk: int) -> PageVersion | None:
    """The published article's title and the version markers of its page; one query."""
    row = _VERSION_QUERY.fetch(pk)
    if row is None:
        return None
    return PageVersion(pk=pk, title=row[0], markers=tuple(row[1:]))


def cache_key(version: PageVersion) -> str:
    return page_cache.cache_key("article", templates_hash(), version.pk, version.markers)


@cache
def templates_hash() -> str:
    return page_cache.templates_hash((BODY_TEMPLATE,), (BODY_TAGS,))


def body(version: PageVersion) -> SafeString:
    """The page's rendered body: from the cache, or rendered now and cached."""
    return page_cache.cached_body(cache_key(version), lambda: render_body(version.pk))


def render_body(pk: int) -> SafeString:
    published = Article.objects.published()
    article = get_object_or_404(
        published.select_related("main_company", "event")
        .defer("search_vector")
        .prefetch_related(
            Prefetch("company_links", queryset=ArticleCompany.objects.select_related("company"))
        )
        .with_tag_links(),
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
