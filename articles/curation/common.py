"""What every curation service shares: the error, chunked writes, admin history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.admin.models import LogEntry
from django.db import models
from django.db.models import F, Func, JSONField, Value

from articles.models import Article

CHUNK = 250


class CurationError(ValueError):
    """A curator's request that cannot be done as asked (merging a thing into itself…)."""


def chunks(ids: Sequence[int], size: int = CHUNK):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def update_articles(ids: Sequence[int], **values) -> None:
    for chunk in chunks(ids):
        Article.objects.filter(pk__in=chunk).update(**values)


def existing_ids(model, ids: Iterable[int], exclude: models.Q | None = None) -> list[int]:
    """The ids (sorted) of the rows that exist, optionally minus those matching ``exclude``."""
    found: list[int] = []
    for chunk in chunks(sorted(set(ids)), 10_000):
        rows = model.objects.filter(pk__in=chunk)
        if exclude is not None:
            rows = rows.exclude(exclude)
        found.extend(rows.order_by("pk").values_list("pk", flat=True))
    return found


def add_curated(ids: Sequence[int], field: str) -> None:
    """Append ``field`` to these articles' curated fields, in SQL (jsonb ``||``)."""
    appended = Func(
        F("curated_fields"),
        Value([field], output_field=JSONField()),
        template="(%(expressions)s)",
        arg_joiner=" || ",
        output_field=JSONField(),
    )
    for chunk in chunks(ids):
        Article.objects.filter(pk__in=chunk).exclude(curated_fields__contains=[field]).update(
            curated_fields=appended
        )


def log(user, objects: Iterable[models.Model], flag: int, message: str) -> None:
    """Admin history entries for these objects; nothing without a user (commands)."""
    objects = list(objects)
    if user is None or not objects:
        return
    model = type(objects[0])
    queryset = model.objects.filter(pk__in=[obj.pk for obj in objects])
    LogEntry.objects.log_actions(user.pk, queryset, flag, message)


def log_ids(user, model, ids: Sequence[int], flag: int, message: str) -> None:
    if user is None or not ids:
        return
    for start in range(0, len(ids), 5000):
        queryset = model.objects.filter(pk__in=ids[start : start + 5000]).only("pk", "title")
        LogEntry.objects.log_actions(user.pk, queryset, flag, message)
