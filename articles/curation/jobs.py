"""Curation run as background jobs (articles/jobs), after the request's transaction commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from articles.curation.article_actions import (
    reenrich,
    reenrich_mentioning,
    release_and_reenrich,
    set_status,
)
from articles.curation.common import CurationError
from articles.curation.merges import merge_companies, merge_events, merge_tags
from articles.models import Company, Event
from articles.models.tags import TAG_KINDS

INLINE_LIMIT = 250


def later(job: str, *args, user=None) -> None:
    """Run one of JOBS as a background job, queued with the current transaction."""
    from articles.jobs.tasks import curation_job, enqueue_with_transaction

    if job not in JOBS:
        raise CurationError(f"unknown job {job!r}")
    enqueue_with_transaction(curation_job, job, list(args), getattr(user, "pk", None))


def run_job(job: str, args: list, user_id: int | None) -> None:
    """The body of the ``curation_job`` task: the user by id, the arguments as JSON gave them."""
    from django.contrib.auth import get_user_model

    if job not in JOBS:
        raise CurationError(f"unknown job {job!r}")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    JOBS[job](*args, user=user)


def reenrich_after_commit(article_ids: Iterable[int], *, user=None) -> None:
    """Re-enrich in the background once the current transaction commits."""
    ids = sorted(set(article_ids))
    if ids:
        later("reenrich", ids, user=user)


def merge_many(model_label: str, survivor_id: int, merged_ids: Sequence[int], *, user) -> list:
    """Merge several rows into one (each merge its own transaction), then re-enrich."""
    from django.apps import apps

    model = apps.get_model(model_label)
    survivor = model.objects.get(pk=survivor_id)
    service = merge_service(model)
    records = [
        service(survivor, merged, user=user)
        for merged in model.objects.filter(pk__in=merged_ids).order_by("pk")
    ]
    reenrich_after_commit({pk for record in records for pk in record.article_ids})
    return records


def merge_service(model):
    if model is Company:
        return merge_companies
    if model is Event:
        return merge_events
    if any(model is tag_model for _field, tag_model, _link in TAG_KINDS):
        return merge_tags
    raise CurationError(f"{model.__name__} rows cannot be merged")


JOBS = {
    "set_status": set_status,
    "release_curated": release_and_reenrich,
    "reenrich": reenrich,
    "merge": merge_many,
    "reenrich_mentioning": reenrich_mentioning,
}
