"""Runs the pure enrichment pipeline over stored articles and writes what it derives.

Called by the importer for every created or updated article, by the
`enrich_articles` command, and by the admin's re-enrich action. Fields listed in
``Article.curated_fields`` are a curator's and are never overwritten here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.contrib.postgres.search import SearchVectorField
from django.db import transaction
from django.db.models import Prefetch, Value
from django.db.models.functions import Cast
from django.utils import timezone

from articles.dictionary import current_matcher
from articles.models import Article, ArticleCompany, Company, Event
from articles.models.tags import TAG_KINDS
from articles.text.pipeline import enrich_text

CHUNK_SIZE = 500
EVENT_WINDOW = dt.timedelta(days=3)
DERIVED_FIELDS = [
    "main_company",
    "event_type",
    "event_date",
    "event_date_precision",
    "event_cues",
    "search_vector",
    "enriched_at",
    "dictionary_version",
]

Progress = Callable[[Iterable, str, int], Iterable]


def _no_progress(iterable, description, total):
    return iterable


def enrich_articles(article_ids: Sequence[int], *, progress: Progress = _no_progress) -> int:
    """Re-derive companies, event and search vector for these articles. Returns the count."""
    version, matcher = current_matcher()
    companies = {
        slug: (pk, name) for pk, slug, name in Company.objects.values_list("pk", "slug", "name")
    }
    names_by_slug = {slug: name for slug, (_, name) in companies.items()}
    ids = sorted(set(article_ids))
    chunks = range(0, len(ids), CHUNK_SIZE)
    for start in progress(chunks, "enriching", len(chunks)):
        with transaction.atomic():
            _enrich_chunk(
                ids[start : start + CHUNK_SIZE], version, matcher, companies, names_by_slug
            )
    return len(ids)


def _tag_prefetches():
    for _field, _tag_model, link_model in TAG_KINDS:
        related = link_model._meta.get_field("article").remote_field.related_name
        yield Prefetch(
            related, queryset=link_model.objects.select_related("tag").order_by("position")
        )


def _tag_names(article: Article, field_name: str) -> list[str]:
    related = {
        "keywords": "keyword_links",
        "technologies": "technology_links",
        "industries": "industry_links",
    }
    return [link.tag.name for link in getattr(article, related[field_name]).all()]


def _enrich_chunk(ids, version, matcher, companies, names_by_slug) -> None:
    articles = list(
        Article.objects.filter(pk__in=ids)
        .prefetch_related(
            *_tag_prefetches(),
            Prefetch("company_links", queryset=ArticleCompany.objects.select_related("company")),
        )
        .order_by("pk")
    )
    now = timezone.now()
    new_links: list[ArticleCompany] = []
    relink: list[int] = []
    for article in articles:
        curated = set(article.curated_fields or [])
        kept_links = list(article.company_links.all()) if "companies" in curated else None
        result = enrich_text(
            matcher,
            title=article.title,
            summary=article.summary,
            event_summary=article.event_summary,
            keywords=_tag_names(article, "keywords"),
            technologies=_tag_names(article, "technologies"),
            industries=_tag_names(article, "industries"),
            company_names=names_by_slug,
            linked_names=[link.company.name for link in kept_links]
            if kept_links is not None
            else None,
        )
        if "main_company" not in curated:
            article.main_company_id = companies.get(result.main_company, (None,))[0]
        if "event_type" not in curated:
            article.event_type = result.event_type
        if "event_date" not in curated:
            article.event_date = result.event_date
            article.event_date_precision = result.event_date_precision
        article.event_cues = result.event_cues
        article.search_vector = Cast(Value(result.search_vector), SearchVectorField())
        article.enriched_at = now
        article.dictionary_version = version

        if kept_links is None:
            relink.append(article.pk)
            linked = set()
            for mention in result.companies:
                company_id = companies.get(mention.slug, (None,))[0]
                if company_id is None or company_id in linked:
                    continue
                linked.add(company_id)
                new_links.append(
                    ArticleCompany(
                        article=article,
                        company_id=company_id,
                        mentions=mention.mentions,
                        in_title=mention.in_title,
                        is_main=company_id == article.main_company_id,
                    )
                )
            if article.main_company_id and article.main_company_id not in linked:
                new_links.append(
                    ArticleCompany(
                        article=article,
                        company_id=article.main_company_id,
                        mentions=0,
                        is_main=True,
                    )
                )
        else:
            for link in kept_links:
                if link.is_main != (link.company_id == article.main_company_id):
                    link.is_main = link.company_id == article.main_company_id
                    link.save(update_fields=["is_main"])

    ArticleCompany.objects.filter(article_id__in=relink).delete()
    ArticleCompany.objects.bulk_create(new_links)
    Article.objects.bulk_update(articles, DERIVED_FIELDS)
    assign_events(articles)


def _same_event(event: Event, article: Article) -> bool:
    if (event.event_type, event.main_company_id) != (article.event_type, article.main_company_id):
        return False
    if event.date is None or article.event_date is None:
        return False
    if event.date_precision == article.event_date_precision == "day":
        return abs(event.date - article.event_date) <= EVENT_WINDOW
    return (event.date, event.date_precision) == (article.event_date, article.event_date_precision)


def _groupable(article: Article) -> bool:
    return bool(article.main_company_id and article.event_date and article.event_type != "other")


def assign_events(articles: list[Article]) -> None:
    """Put each article into the Event it reports, creating events as needed.

    Articles about the same real event share one: same type, same main company,
    dates within a few days. Others get an event of their own. A bounded number of
    queries per call, whatever the number of articles.
    """
    articles = [article for article in articles if "event" not in (article.curated_fields or [])]
    if not articles:
        return
    previous = {article.event_id for article in articles if article.event_id}
    current = {event.pk: event for event in Event.objects.filter(pk__in=previous)}
    sharers = set(
        Article.objects.filter(event_id__in=previous)
        .exclude(pk__in=[article.pk for article in articles])
        .values_list("event_id", flat=True)
    )
    dated = [article.event_date for article in articles if article.event_date]
    candidates: list[Event] = []
    if dated:
        candidates = list(
            Event.objects.filter(
                event_type__in={article.event_type for article in articles},
                main_company_id__in={a.main_company_id for a in articles if a.main_company_id},
                date__range=(min(dated) - EVENT_WINDOW, max(dated) + EVENT_WINDOW),
            )
        )
    refreshed: list[Event] = []
    created: list[Event] = []
    claimed: set[int] = set()
    for article in sorted(articles, key=lambda a: (a.event_date or dt.date.min, a.pk)):
        event = current.get(article.event_id)
        if event is not None and _groupable(article) and _same_event(event, article):
            continue
        if (
            event is not None
            and not _groupable(article)
            and event.pk not in sharers
            and event.pk not in claimed
        ):
            claimed.add(event.pk)  # an event of its own: keep it, refreshed
            event.title = article.title[:500]
            event.event_type = article.event_type
            event.date = article.event_date
            event.date_precision = article.event_date_precision
            event.main_company_id = article.main_company_id
            refreshed.append(event)
            continue
        match = None
        if _groupable(article):
            match = next((e for e in candidates if _same_event(e, article)), None)
        if match is None:
            match = Event(
                title=article.title[:500],
                event_type=article.event_type,
                date=article.event_date,
                date_precision=article.event_date_precision,
                main_company_id=article.main_company_id,
            )
            created.append(match)
            if _groupable(article):
                candidates.append(match)
        article.event = match

    Event.objects.bulk_create(created)
    Event.objects.bulk_update(
        refreshed, ["title", "event_type", "date", "date_precision", "main_company"]
    )
    for article in articles:
        article.event_id = article.event.pk if article.event else None
    Article.objects.bulk_update(articles, ["event"])
    Event.objects.filter(pk__in=previous, articles__isnull=True).delete()

    touched = {article.event_id for article in articles}
    members: dict[int, set[int]] = {pk: set() for pk in touched}
    for pk, company_id in Event.objects.filter(pk__in=touched).values_list("pk", "main_company_id"):
        if company_id:
            members[pk].add(company_id)
    for event_id, company_id in ArticleCompany.objects.filter(
        article__event_id__in=touched, in_title=True
    ).values_list("article__event_id", "company_id"):
        members[event_id].add(company_id)
    through = Event.companies.through
    through.objects.filter(event_id__in=touched).delete()
    through.objects.bulk_create(
        [
            through(event_id=event_id, company_id=company_id)
            for event_id, company_ids in members.items()
            for company_id in company_ids
        ]
    )
