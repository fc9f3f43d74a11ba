"""Runs the pure enrichment pipeline over stored articles and writes what it derives.

Called by the importer for every created or updated article, by the
`enrich_articles` command, and by the admin's re-enrich action. Fields listed in
``Article.curated_fields`` are a curator's and are never overwritten here.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import reduce

from django.contrib.postgres.search import SearchVectorField
from django.db import connection, transaction
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone

from articles.dictionary import current_matcher
from articles.models import Article, ArticleBigrams, ArticleCompany, Company, Event
from articles.models.tags import TAG_KINDS
from articles.text.pipeline import Enrichment, ParallelEnricher, enrich_text

CHUNK_SIZE = 500
# Below this many articles, worker start-up would cost more than it saves.
PARALLEL_MIN_ARTICLES = 1000
ENRICH_PROCESSES = 2
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
    """Re-derive companies, event and search vector for these articles. Returns the count.

    From ``PARALLEL_MIN_ARTICLES`` articles on, the text work runs in
    ``ENRICH_PROCESSES`` worker processes, one chunk ahead of the writes.
    """
    version, matcher = current_matcher()
    companies = {
        slug: (pk, name) for pk, slug, name in Company.objects.values_list("pk", "slug", "name")
    }
    names_by_slug = {slug: name for slug, (_, name) in companies.items()}
    ids = sorted(set(article_ids))
    chunks = [ids[start : start + CHUNK_SIZE] for start in range(0, len(ids), CHUNK_SIZE)]
    parallel = None
    if len(ids) >= PARALLEL_MIN_ARTICLES and ENRICH_PROCESSES > 1:
        parallel = ParallelEnricher(matcher, names_by_slug, ENRICH_PROCESSES)
    try:
        pending = None  # (articles, results) of the chunk being enriched
        for chunk in progress(chunks, "enriching", len(chunks)):
            articles = _load_chunk(chunk)
            arguments = [_enrich_arguments(article) for article in articles]
            if parallel is None:
                results = [
                    enrich_text(matcher, company_names=names_by_slug, **kwargs)
                    for kwargs in arguments
                ]
                _write_chunk(articles, results, version, companies)
                continue
            submitted = (articles, parallel.submit(arguments))
            if pending is not None:
                _write_chunk(pending[0], pending[1].get(), version, companies)
            pending = submitted
        if pending is not None:
            _write_chunk(pending[0], pending[1].get(), version, companies)
    finally:
        if parallel is not None:
            parallel.close()
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


def _load_chunk(ids) -> list[Article]:
    return list(
        Article.objects.filter(pk__in=ids)
        .prefetch_related(
            *_tag_prefetches(),
            Prefetch("company_links", queryset=ArticleCompany.objects.select_related("company")),
        )
        .order_by("pk")
    )


def _kept_links(article: Article) -> list[ArticleCompany] | None:
    """The company links a curator fixed, or None when enrichment decides them."""
    if "companies" in set(article.curated_fields or []):
        return list(article.company_links.all())
    return None


def _enrich_arguments(article: Article) -> dict:
    """``enrich_text``'s keyword arguments for a stored article (plain, picklable data)."""
    kept_links = _kept_links(article)
    return {
        "title": article.title,
        "summary": article.summary,
        "event_summary": article.event_summary,
        "keywords": _tag_names(article, "keywords"),
        "technologies": _tag_names(article, "technologies"),
        "industries": _tag_names(article, "industries"),
        "linked_names": [link.company.name for link in kept_links]
        if kept_links is not None
        else None,
    }


def _write_chunk(articles: list[Article], results: list[Enrichment], version, companies) -> None:
    with transaction.atomic():
        _apply_chunk(articles, results, version, companies)


def _apply_chunk(articles, results, version, companies) -> None:
    now = timezone.now()
    new_links: list[ArticleCompany] = []
    relink: list[int] = []
    for article, result in zip(articles, results, strict=True):
        kept_links = _kept_links(article)
        links = derive(article, result, version, companies, now, kept=kept_links is not None)
        if kept_links is None:
            relink.append(article.pk)
            new_links.extend(links)
        else:
            for link in kept_links:
                if link.is_main != (link.company_id == article.main_company_id):
                    link.is_main = link.company_id == article.main_company_id
                    link.save(update_fields=["is_main"])

    ArticleCompany.objects.filter(article_id__in=relink).delete()
    ArticleCompany.objects.bulk_create(new_links)
    _update_derived(articles)
    write_bigrams(articles, results)
    assign_events(articles)


def write_bigrams(articles: list[Article], results: list[Enrichment]) -> None:
    """Store (or replace) the articles' bigram vectors: one statement."""
    if not articles:
        return
    table = connection.ops.quote_name(ArticleBigrams._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (article_id, vector) "  # noqa: S608 - name from the model
            "SELECT * FROM unnest(%s::bigint[], %s::tsvector[]) "
            "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector",
            [[article.pk for article in articles], [result.bigram_vector for result in results]],
        )


def derive(
    article: Article, result: Enrichment, version, companies, now, *, kept: bool = False
) -> list[ArticleCompany]:
    """Set the article's derived fields from ``result``; return its company links, unsaved.

    Curated fields are left alone; ``kept``: a curator fixed the links (none returned).
    The article may be unsaved: the links take its id when they are bulk-created.
    """
    curated = set(article.curated_fields or [])
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
    if kept:
        return []
    links: list[ArticleCompany] = []
    linked = set()
    for mention in result.companies:
        company_id = companies.get(mention.slug, (None,))[0]
        if company_id is None or company_id in linked:
            continue
        linked.add(company_id)
        links.append(
            ArticleCompany(
                article=article,
                company_id=company_id,
                mentions=mention.mentions,
                in_title=mention.in_title,
                is_main=company_id == article.main_company_id,
            )
        )
    if article.main_company_id and article.main_company_id not in linked:
        links.append(
            ArticleCompany(
                article=article, company_id=article.main_company_id, mentions=0, is_main=True
            )
        )
    return links


# Column types of DERIVED_FIELDS, for the arrays ``_update_columns`` binds.
_DERIVED_TYPES = {
    "main_company_id": "bigint",
    "event_type": "text",
    "event_date": "date",
    "event_date_precision": "text",
    "event_cues": "jsonb",
    "search_vector": "tsvector",
    "enriched_at": "timestamptz",
    "dictionary_version": "integer",
}


def _update_derived(articles: list[Article]) -> None:
    rows = []
    for article in articles:
        vector = article.search_vector
        rows.append(
            (
                article.pk,
                article.main_company_id,
                article.event_type,
                article.event_date,
                article.event_date_precision,
                json.dumps(article.event_cues, ensure_ascii=False),
                vector.source_expressions[0].value if isinstance(vector, Cast) else vector,
                article.enriched_at,
                article.dictionary_version,
            )
        )
    _update_columns(Article, _DERIVED_TYPES, rows)


def _update_columns(model, types: dict[str, str], rows: list[tuple]) -> None:
    """``UPDATE … FROM unnest(arrays)``: one statement, values bound as arrays.

    Each row is (pk, *values in ``types`` order). Django's bulk_update builds a
    CASE WHEN per row and field instead, which took ~40 s per 1,000 articles.
    Table and column names come from the model, types from the fixed map above.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(column) for column in types]
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    arrays = ", ".join(["%s::bigint[]", *(f"%s::{kind}[]" for kind in types.values())])
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS a SET {assignments} "  # noqa: S608 - names from the model
            f"FROM unnest({arrays}) AS v(id, {', '.join(names)}) WHERE a.id = v.id",
            [list(values) for values in columns],
        )


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
    previous = match_events(articles)
    _update_columns(
        Article, {"event_id": "bigint"}, [(article.pk, article.event_id) for article in articles]
    )
    Event.objects.filter(pk__in=previous, articles__isnull=True).delete()
    refresh_event_companies({article.event_id for article in articles})


def match_events(articles: list[Article]) -> set[int]:
    """Set each article's ``event`` and ``event_id``, creating events; return the old ids.

    ``articles`` in id order (unsaved ones: in the order they will be inserted).
    """
    previous = {article.event_id for article in articles if article.event_id}
    current = {event.pk: event for event in Event.objects.filter(pk__in=previous)}
    sharers = set(
        Article.objects.filter(event_id__in=previous)
        .exclude(pk__in=[article.pk for article in articles if article.pk])
        .values_list("event_id", flat=True)
    )
    # Candidates by (event type, main company), oldest first. Only events of an
    # article's own type and company dated within EVENT_WINDOW of its date can match
    # (_same_event): a chunk's types × companies × dates would load ~60 events per
    # article, each a model instance (1.8 ms a record of an import's CPU time).
    reach = range(-EVENT_WINDOW.days, EVENT_WINDOW.days + 1)
    days_by_key: dict[tuple, set[dt.date]] = defaultdict(set)
    for article in articles:
        if _groupable(article):
            days_by_key[article.event_type, article.main_company_id].update(
                article.event_date + dt.timedelta(days=offset) for offset in reach
            )
    candidates: dict[tuple, list[Event]] = defaultdict(list)
    if days_by_key:
        wanted = reduce(
            operator.or_,
            (
                Q(event_type=event_type, main_company_id=company, date__in=sorted(days))
                for (event_type, company), days in days_by_key.items()
            ),
        )
        fields = ("event_type", "main_company_id", "date", "date_precision")
        for event in Event.objects.filter(wanted).only(*fields).order_by("pk"):
            candidates[event.event_type, event.main_company_id].append(event)
    refreshed: list[Event] = []
    created: list[Event] = []
    claimed: set[int] = set()
    order = {id(article): index for index, article in enumerate(articles)}
    for article in sorted(articles, key=lambda a: (a.event_date or dt.date.min, order[id(a)])):
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
            bucket = candidates[article.event_type, article.main_company_id]
            match = next((e for e in bucket if _same_event(e, article)), None)
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
                candidates[match.event_type, match.main_company_id].append(match)
        article.event = match

    Event.objects.bulk_create(created)
    Event.objects.bulk_update(
        refreshed, ["title", "event_type", "date", "date_precision", "main_company"]
    )
    for article in articles:
        article.event_id = article.event.pk if article.event else None
    return previous


def refresh_event_companies(touched: set[int]) -> None:
    """Recompute these events' companies: their main company and those in their titles."""
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
