"""Warm after write: once an import or a merge commits, render the pages read first.

Every write moves the data version (articles.denormalized), so after it every cached
aggregate and page body is cold and the first reader of each page pays for computing
it. :func:`warm_pages` asks for the pages most readers open first (home, the list, the
list filtered by each facet's top values, the largest companies' pages) through the
real URL resolving, middleware and views, so their entries are cached under the new
version before readers come.

The rule: warming runs in a worker (:func:`warm_pages_task`), and only a cache shared
between processes (Redis, a database or file cache) carries its entries to the web
processes. With per-process caches (LocMem, the default) or none (Dummy) the job skips
and logs why (:func:`skip_reason`). ``ARCHIVE_WARM_AFTER_WRITE`` turns it all off.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from articles import aggregate_cache, page_cache, querystring
from articles.filters import FACETS
from articles.models import Company, FacetCount

logger = logging.getLogger(__name__)

TOP_VALUES = 5  # per facet: ARCHIVE_WARM_TOP_VALUES
TOP_COMPANIES = 10  # ARCHIVE_WARM_TOP_COMPANIES
MAX_SECONDS = 60.0  # ARCHIVE_WARM_MAX_SECONDS: no page is started after that
# Caches that would hold a process's own entries only: warming into them is wasted.
PER_PROCESS = (LocMemCache, DummyCache)


@dataclass(frozen=True)
class Page:
    url: str
    # The page cache keys bodies by language (page_cache.cache_key): such pages are
    # rendered in every site language, the others (aggregates only) in the default one.
    per_language: bool = False


@dataclass
class WarmReport:
    pages: list[dict] = field(default_factory=list)  # url, language, status, ms
    not_reached: int = 0  # requests left when the time budget ran out
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _setting(name: str, default):
    return getattr(settings, name, default)


def warmed_cache_aliases() -> list[str]:
    """The caches the warmed pages fill: aggregates (as aggregate_cache picks it) and pages."""
    aggregates = aggregate_cache.CACHE_ALIAS
    return [aggregates if aggregates in settings.CACHES else "default", page_cache.CACHE_ALIAS]


def skip_reason() -> str | None:
    """Why warming would be wasted here, or None: the caches are shared.

    Warming is worth it when at least one of the caches it fills is shared between
    processes; a per-process cache of the worker is never read by a web process.
    """
    backends = {alias: caches[alias] for alias in warmed_cache_aliases()}
    if any(not isinstance(cache, PER_PROCESS) for cache in backends.values()):
        return None
    kinds = ", ".join(f"{alias}: {type(cache).__name__}" for alias, cache in backends.items())
    return f"no cache is shared between processes ({kinds}); set CACHE_URL to share them"


def pages_to_warm(top_values: int, top_companies: int) -> list[Page]:
    """Home, the list, then by rank: each facet's n-th value filtered, the n-th company.

    Ranks come from the trigger-kept published counts (FacetCount): no scan.
    """
    list_url = reverse("articles:list")
    ranked: list[list[Page]] = []
    for spec in FACETS:
        keys = [key for key, _n in FacetCount.objects.top(spec.param, top_values)]
        if spec.model is not None:
            slugs = dict(spec.model.objects.filter(pk__in=keys).values_list("pk", "slug"))
            keys = [slugs[int(key)] for key in keys if int(key) in slugs]
        ranked.append([Page(f"{list_url}?{querystring.encode([(spec.param, k)])}") for k in keys])
    largest = [int(key) for key, _n in FacetCount.objects.top("company", top_companies)]
    slugs = dict(Company.objects.filter(pk__in=largest).values_list("pk", "slug"))
    ranked.append(
        [Page(reverse("articles:company", args=[slugs[pk]]), True) for pk in largest if pk in slugs]
    )
    pages = [Page(reverse("articles:home")), Page(list_url)]
    for rank in range(max(top_values, top_companies)):
        pages += [column[rank] for column in ranked if rank < len(column)]
    return pages


def _client():
    """A client that the site's middleware lets through as it would a reader."""
    from django.test import Client  # the request machinery only; nothing of the tests

    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host.lstrip(".") != "*"]
    return Client(raise_request_exception=False, HTTP_HOST=hosts[0] if hosts else "localhost")


def warm_pages(
    top_values: int | None = None,
    top_companies: int | None = None,
    max_seconds: float | None = None,
) -> WarmReport:
    """Request the pages most readers open first, in this process; return what was done."""
    top_values = (
        _setting("ARCHIVE_WARM_TOP_VALUES", TOP_VALUES) if top_values is None else top_values
    )
    if top_companies is None:
        top_companies = _setting("ARCHIVE_WARM_TOP_COMPANIES", TOP_COMPANIES)
    if max_seconds is None:
        max_seconds = _setting("ARCHIVE_WARM_MAX_SECONDS", MAX_SECONDS)
    started = time.monotonic()
    report = WarmReport()
    client = _client()
    requests = [
        (page.url, language)
        for page in pages_to_warm(top_values, top_companies)
        for language in (
            [code for code, _name in settings.LANGUAGES] if page.per_language else [None]
        )
    ]
    for number, (url, language) in enumerate(requests):
        if time.monotonic() - started >= max_seconds:
            report.not_reached = len(requests) - number
            break
        client.cookies.clear()
        if language:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        began = time.perf_counter()
        # https, as behind the proxy: SECURE_SSL_REDIRECT would redirect plain http.
        response = client.get(url, secure=True)
        ms = (time.perf_counter() - began) * 1000
        report.pages.append(
            {"url": url, "language": language, "status": response.status_code, "ms": round(ms, 1)}
        )
        if response.status_code != 200:
            logger.warning("warming %s answered %s", url, response.status_code)
    report.seconds = round(time.monotonic() - started, 3)
    return report


@task()
def warm_pages_task() -> dict:
    """The job enqueued after a write: warm the pages, unless no cache is shared."""
    reason = skip_reason()
    if reason:
        logger.info("page warming skipped: %s", reason)
        return {"skipped": reason}
    report = warm_pages()
    logger.info(
        "warmed %d pages in %.1f s (%d not reached)",
        len(report.pages),
        report.seconds,
        report.not_reached,
    )
    return report.as_dict()


def warm_after_commit() -> None:
    """Enqueue the warming job once the current transaction commits (if it does)."""
    if _setting("ARCHIVE_WARM_AFTER_WRITE", True):
        # robust: a queue that refuses the job must not fail the write, already committed.
        transaction.on_commit(warm_pages_task.enqueue, robust=True)
