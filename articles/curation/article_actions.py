"""Curators' actions on articles: hide/publish, curated fields, re-enrichment, moves."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, DELETION
from django.db import models, transaction
from django.utils import timezone

from articles.curation.common import (
    CurationError,
    add_curated,
    existing_ids,
    log,
    log_ids,
    update_articles,
)
from articles.models import Article, ArticleCompany, Event

# Form field → the ``Article.curated_fields`` entry a change to it sets.
CURATED_FORM_FIELDS = {
    "main_company": "main_company",
    "event_type": "event_type",
    "event_date": "event_date",
    "event_date_precision": "event_date",
    "event": "event",
}
CURATED_VALUES = (
    "keywords",
    "technologies",
    "industries",
    "companies",
    "main_company",
    "event_type",
    "event_date",
    "event",
)


def set_status(article_ids: Iterable[int], status: str, *, user) -> int:
    """Publish or hide articles; returns how many changed status."""
    if status not in Article.Status.values:
        raise CurationError(f"unknown status {status!r}")
    with transaction.atomic():
        ids = existing_ids(Article, article_ids, exclude=models.Q(status=status))
        update_articles(ids, status=status, updated_at=timezone.now())
        log_ids(user, Article, ids, CHANGE, "Published." if status == "published" else "Hidden.")
    return len(ids)


def hide_articles(article_ids: Iterable[int], *, user) -> int:
    return set_status(article_ids, Article.Status.HIDDEN, user=user)


def publish_articles(article_ids: Iterable[int], *, user) -> int:
    return set_status(article_ids, Article.Status.PUBLISHED, user=user)


def mark_curated(article: Article, fields: Iterable[str]) -> list[str]:
    """Add to the article's curated fields (and save them); returns the new list."""
    fields = set(fields)
    unknown = fields - set(CURATED_VALUES)
    if unknown:
        raise CurationError(f"not curatable: {sorted(unknown)}")
    curated = sorted(set(article.curated_fields or []) | fields)
    if curated != list(article.curated_fields or []):
        article.curated_fields = curated
        Article.objects.filter(pk=article.pk).update(curated_fields=curated)
    return curated


def apply_curator_edit(
    article: Article, changed: Iterable[str], *, previous_event: int | None = None
) -> None:
    """After a curator saved an article: mark what they changed, then re-derive the rest.

    ``changed`` holds curated-field names (see CURATED_VALUES). Enrichment keeps the
    curated fields and recomputes the search vector, so the index reflects the edit.
    ``previous_event``: the event the curator moved the article out of; deleted if empty.
    """
    from articles.enrichment import enrich_articles

    with transaction.atomic():
        curated = mark_curated(article, changed)
        if "companies" in curated and article.main_company_id:
            # A curated company list still has to include the (new) main company.
            ArticleCompany.objects.get_or_create(
                article_id=article.pk,
                company_id=article.main_company_id,
                defaults={"mentions": 0, "is_main": True},
            )
        enrich_articles([article.pk])
        if previous_event:
            Event.objects.filter(pk=previous_event, articles__isnull=True).delete()


def release_curated(article_ids: Iterable[int], *, user) -> int:
    """Forget curators' overrides, so enrichment and imports decide again."""
    with transaction.atomic():
        ids = existing_ids(Article, article_ids, exclude=models.Q(curated_fields=[]))
        update_articles(ids, curated_fields=[])
        log_ids(user, Article, ids, CHANGE, "Released curated fields.")
    return len(ids)


def release_and_reenrich(article_ids: Iterable[int], *, user) -> int:
    """Release curated fields, then let enrichment re-derive them."""
    ids = sorted(set(article_ids))
    count = release_curated(ids, user=user)
    reenrich(ids)
    return count


def reenrich(article_ids: Iterable[int], *, user=None) -> int:
    """Re-derive companies, events and search vectors with the current dictionaries."""
    from articles.enrichment import enrich_articles

    ids = sorted(set(article_ids))
    count = enrich_articles(ids)
    log_ids(user, Article, ids, CHANGE, "Re-enriched with the current dictionaries.")
    return count


def articles_mentioning(names: list[str]):
    """Articles whose text contains one of ``names`` (case-insensitive substring).

    A sequential scan of the text columns (seconds on a large archive, so it runs in
    the background): the search index cannot find a name its segmenter did not know
    when the articles were indexed.
    """
    condition = models.Q()
    for name in names:
        condition |= (
            models.Q(title__icontains=name)
            | models.Q(summary__icontains=name)
            | models.Q(event_summary__icontains=name)
        )
    return Article.objects.filter(condition) if names else Article.objects.none()


def reenrich_mentioning(names: list[str], *, user) -> int:
    """The background job: re-enrich the articles that mention these names."""
    ids = list(articles_mentioning(names).order_by().values_list("pk", flat=True))
    return reenrich(ids, user=user)


def move_articles_to_event(article_ids: Iterable[int], event: Event, *, user) -> int:
    """Put articles into ``event`` (marked curated); events left empty are deleted."""
    with transaction.atomic():
        articles = list(
            Article.objects.filter(pk__in=list(article_ids))
            .exclude(event=event)
            .only("pk", "event_id", "curated_fields")
        )
        ids = [article.pk for article in articles]
        previous = {article.event_id for article in articles if article.event_id}
        update_articles(ids, event=event, updated_at=timezone.now())
        add_curated(ids, "event")
        log_ids(user, Article, ids, CHANGE, f"Moved to event #{event.pk} “{event.title}”.")
        emptied = list(Event.objects.filter(pk__in=previous, articles__isnull=True))
        log(user, emptied, DELETION, f"No article left: its articles moved to event #{event.pk}.")
        Event.objects.filter(pk__in=[e.pk for e in emptied]).delete()
        log(user, [event], CHANGE, f"{len(ids)} article(s) moved here.")
    return len(ids)
