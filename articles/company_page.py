"""The company page's body, rendered once per version of everything it shows.

The largest company's page took 65–80 ms to render at 1M articles (200 events, 20
cards, the timeline and three counted lists), while one small query reads the markers
of what it shows (``articles.page_cache``):

* the company's row (name, description, category), its counts, timeline, co-mentioned
  companies, technologies, industries and latest articles: the data version, which
  every write to articles, their links and the tag and company tables moves
  (``articles.denormalized``); its aliases and products: the dictionary fingerprint;
* its events' titles and dates: imports, curation and admin edits (the site markers).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Subquery
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from articles import charts, page_cache
from articles.models import Article, Company, DataVersion, Event, EventType
from articles.models.sampling import SAMPLE_EVERY
from articles.page_aggregates import TAG_MODELS, company_counts, with_counts
from articles.page_cache import VersionQuery
from articles.templatetags import page_parts

BODY_TEMPLATE = "articles/_company_body.html"
CARD_TEMPLATE = "articles/_article_card.html"
CODE = (Path(page_parts.__file__), Path(charts.__file__))
LATEST = 20
TOP = 10
EVENTS_SHOWN = 200


@dataclass(frozen=True)
class CompanyVersion:
    pk: int
    name: str
    markers: tuple


def _version_queryset(slug):
    markers = {
        "data_version": Subquery(DataVersion.objects.filter(pk=1).values("version")[:1]),
        **page_cache.site_markers(),
    }
    return (
        Company.objects.filter(slug=slug)
        .annotate(**markers)
        .order_by()
        .values_list("pk", "name", *markers)[:1]
    )


# No slug has a NUL: it stands for the slug while the query is compiled.
_VERSION_QUERY = VersionQuery(_version_queryset, placeholder="\x00slug")


def current_version(slug: str) -> CompanyVersion | None:
    """The company's id, name and the version markers of its page; one query."""
    if "\x00" in slug:
        return None
    row = _VERSION_QUERY.fetch(slug)
    if row is None:
        return None
    return CompanyVersion(pk=row[0], name=row[1], markers=tuple(row[2:]))


def cache_key(version: CompanyVersion) -> str:
    return page_cache.cache_key("company", templates_hash(), version.pk, version.markers)


@cache
def templates_hash() -> str:
    return page_cache.templates_hash((BODY_TEMPLATE, CARD_TEMPLATE), CODE)


def body(version: CompanyVersion) -> SafeString:
    """The page's rendered body: from the cache, or rendered now and cached."""
    return page_cache.cached_body(cache_key(version), lambda: render_body(version.pk))


def render_body(pk: int) -> SafeString:
    company = get_object_or_404(Company.objects.prefetch_related("names"), pk=pk)
    counts = company_counts(company)
    events = Event.objects.filter(main_company=company).with_published_counts()
    names = list(company.names.all())
    context = {
        "company": company,
        "aliases": [n for n in names if n.kind == n.Kind.ALIAS],
        "products": [n for n in names if n.kind == n.Kind.PRODUCT],
        "article_count": counts["count"],
        "estimated": counts["estimated"],
        "sample_every": SAMPLE_EVERY,
        "timeline": charts.timeline_svg(
            counts["monthly"],
            title=_("Articles about %(company)s per month") % {"company": company.name},
            chart_id="company-timeline",
        ),
        "events_by_type": _group_by_type(events[:EVENTS_SHOWN]),
        "co_mentioned": with_counts(
            Company.objects.all(), [(pk, n) for pk, n in counts["company"] if pk != company.pk], TOP
        ),
        "technologies": with_counts(
            TAG_MODELS["technology"].objects.all(), counts["technology"], TOP
        ),
        "industries": with_counts(TAG_MODELS["industry"].objects.all(), counts["industry"], TOP),
        "latest": Article.objects.published()
        .filter(company_links__company=company)
        .newest_first()
        .for_cards()[:LATEST],
    }
    return render_to_string(BODY_TEMPLATE, context)


def _group_by_type(events) -> list[tuple[str, list[Event]]]:
    groups: dict[str, list[Event]] = {}
    for event in events:
        groups.setdefault(event.event_type, []).append(event)
    return [
        (EventType(value).label, groups[value]) for value in EventType.values if value in groups
    ]
