"""Curators' structural changes: hide/publish, merges, moving articles between events.

Pure service functions, called by the admin and by tests. Each runs in one
transaction and leaves a trace: a ``MergeRecord`` (merges), ``SlugRedirect``\\ s
(so old URLs answer 301), and admin ``LogEntry`` rows on every object it changed,
so that the admin history shows who did what and when.

Derived data (search vectors, events) of the articles a merge touched is not
recomputed here: ``reenrich_after_commit`` does it once the dictionary change is
committed, so that enrichment sees the new aliases.

Scale: rewriting an article row also rewrites its index entries, the search
vector's GIN entries included: a few milliseconds a row (measured on 200,000
articles). Writes go in chunks of ``CHUNK`` rows, so that no statement nears the web
process's statement timeout, and the admin hands work on more than ``INLINE_LIMIT``
articles to a background job (``later``), so that no request waits for long.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import models, transaction
from django.db.models import Case, Exists, F, Func, JSONField, OuterRef, Subquery, Value, When
from django.utils import timezone

from articles.models import (
    Article,
    ArticleCompany,
    Company,
    CompanyName,
    Event,
    MergeRecord,
    SlugKind,
    SlugRedirect,
    TagAlias,
)
from articles.models.tags import TAG_KINDS
from articles.text.normalize import normalize

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


CHUNK = 250
INLINE_LIMIT = 250


class CurationError(ValueError):
    """A curator's request that cannot be done as asked (merging a thing into itself…)."""


def _chunks(ids: Sequence[int], size: int = CHUNK):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _update_articles(ids: Sequence[int], **values) -> None:
    for chunk in _chunks(ids):
        Article.objects.filter(pk__in=chunk).update(**values)


def _existing_ids(model, ids: Iterable[int], exclude: models.Q | None = None) -> list[int]:
    """The ids (sorted) of the rows that exist, optionally minus those matching ``exclude``."""
    found: list[int] = []
    for chunk in _chunks(sorted(set(ids)), 10_000):
        rows = model.objects.filter(pk__in=chunk)
        if exclude is not None:
            rows = rows.exclude(exclude)
        found.extend(rows.order_by("pk").values_list("pk", flat=True))
    return found


def log(user, objects: Iterable[models.Model], flag: int, message: str) -> None:
    """Admin history entries for these objects; nothing without a user (commands)."""
    objects = list(objects)
    if user is None or not objects:
        return
    model = type(objects[0])
    queryset = model.objects.filter(pk__in=[obj.pk for obj in objects])
    LogEntry.objects.log_actions(user.pk, queryset, flag, message)


def _log_ids(user, model, ids: Sequence[int], flag: int, message: str) -> None:
    if user is None or not ids:
        return
    for start in range(0, len(ids), 5000):
        queryset = model.objects.filter(pk__in=ids[start : start + 5000]).only("pk", "title")
        LogEntry.objects.log_actions(user.pk, queryset, flag, message)


# Articles -----------------------------------------------------------------------------


def set_status(article_ids: Iterable[int], status: str, *, user) -> int:
    """Publish or hide articles; returns how many changed status."""
    if status not in Article.Status.values:
        raise CurationError(f"unknown status {status!r}")
    with transaction.atomic():
        ids = _existing_ids(Article, article_ids, exclude=models.Q(status=status))
        _update_articles(ids, status=status, updated_at=timezone.now())
        _log_ids(user, Article, ids, CHANGE, "Published." if status == "published" else "Hidden.")
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
        ids = _existing_ids(Article, article_ids, exclude=models.Q(curated_fields=[]))
        _update_articles(ids, curated_fields=[])
        _log_ids(user, Article, ids, CHANGE, "Released curated fields.")
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
    _log_ids(user, Article, ids, CHANGE, "Re-enriched with the current dictionaries.")
    return count


def reenrich_after_commit(article_ids: Iterable[int], *, user=None) -> None:
    """Re-enrich in the background once the current transaction commits."""
    ids = sorted(set(article_ids))
    if ids:
        later("reenrich", ids, user=user)


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


# Background jobs ----------------------------------------------------------------------


def later(job: str, *args, user=None) -> None:
    """Run one of JOBS in the background, after the current transaction commits."""
    from articles import tasks

    if job not in JOBS:
        raise CurationError(f"unknown job {job!r}")
    tasks.run_in_background(_run_job, job, args, getattr(user, "pk", None))


def _run_job(job: str, args: tuple, user_id: int | None) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    JOBS[job](*args, user=user)


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


# Companies ----------------------------------------------------------------------------


def _redirect(kind: str, merged_slug: str, merged_id: int, survivor_id: int, survivor_slug):
    """Point the merged slug, and every redirect that pointed at it, at the survivor."""
    SlugRedirect.objects.filter(kind=kind, target_id=merged_id).update(target_id=survivor_id)
    if survivor_slug is not None:
        SlugRedirect.objects.filter(kind=kind, old_slug=survivor_slug).delete()
    SlugRedirect.objects.update_or_create(
        kind=kind, old_slug=merged_slug, defaults={"target_id": survivor_id}
    )


def _record(kind, survivor, survivor_name, merged, merged_name, merged_slug, article_ids, user):
    record = MergeRecord.objects.create(
        kind=kind,
        survivor_id=survivor.pk,
        survivor_name=survivor_name[:200],
        merged_name=merged_name[:200],
        merged_slug=merged_slug[:100],
        article_ids=article_ids,
        merged_by=user,
    )
    message = f"Merged {kind} “{merged_name}” into “{survivor_name}” (merge record #{record.pk})."
    log(user, [survivor], CHANGE, f"{message} {len(article_ids)} article(s) affected.")
    log(user, [merged], DELETION, message)
    log(user, [record], ADDITION, message)
    _log_ids(user, Article, article_ids, CHANGE, message)
    return record


def merge_companies(survivor: Company, merged: Company, *, user) -> MergeRecord:
    """Merge ``merged`` into ``survivor``; ``merged`` is deleted.

    Article links move over (mentions summed where an article linked both), as do
    main-company choices, events and names. The merged name and English name become
    aliases of the survivor, so future imports and enrichment map them to it.
    """
    if survivor.pk == merged.pk:
        raise CurationError("a company cannot be merged into itself")
    with transaction.atomic():
        locked = Company.objects.select_for_update().in_bulk([survivor.pk, merged.pk])
        if len(locked) != 2:
            raise CurationError("one of the companies no longer exists")
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        article_ids = sorted(
            set(ArticleCompany.objects.filter(company=merged).values_list("article_id", flat=True))
            | set(
                Article.objects.filter(main_company=merged).order_by().values_list("pk", flat=True)
            )
        )

        # Articles linked to both: fold the merged link into the survivor's (one UPDATE
        # with correlated subqueries on the (article, company) unique index), drop it.
        twin = ArticleCompany.objects.filter(company=merged, article_id=OuterRef("article_id"))
        ArticleCompany.objects.filter(Exists(twin), company=survivor).update(
            mentions=F("mentions") + Subquery(twin.values("mentions")[:1]),
            in_title=Case(When(Exists(twin.filter(in_title=True)), then=True), default="in_title"),
            is_main=Case(When(Exists(twin.filter(is_main=True)), then=True), default="is_main"),
        )
        survivor_articles = ArticleCompany.objects.filter(company=survivor).values("article_id")
        ArticleCompany.objects.filter(company=merged, article_id__in=survivor_articles).delete()
        ArticleCompany.objects.filter(company=merged).update(company=survivor)
        main_of = list(
            Article.objects.filter(main_company=merged).order_by().values_list("pk", flat=True)
        )
        _update_articles(main_of, main_company=survivor)

        events = list(
            Event.objects.filter(main_company=merged).order_by().values_list("pk", flat=True)
        )
        for chunk in _chunks(events):
            Event.objects.filter(pk__in=chunk).update(main_company=survivor)
        through = Event.companies.through
        both = through.objects.filter(company=survivor).values("event_id")
        through.objects.filter(company=merged, event_id__in=both).delete()
        through.objects.filter(company=merged).update(company=survivor)

        CompanyName.objects.filter(company=merged).update(company=survivor)
        own = {normalize(survivor.name).strip(), normalize(survivor.name_en).strip()}
        for name in (merged.name, merged.name_en):
            key = normalize(name).strip()
            if not key or key in own:
                continue
            existing = CompanyName.objects.filter(normalized_name=key).first()
            if existing is None:
                CompanyName.objects.create(company=survivor, name=name, kind=CompanyName.Kind.ALIAS)
            elif existing.company_id != survivor.pk:
                existing.company = survivor
                existing.save()

        _redirect(SlugKind.COMPANY, merged.slug, merged.pk, survivor.pk, survivor.slug)
        record = _record(
            SlugKind.COMPANY,
            survivor,
            survivor.name,
            merged,
            merged.name,
            merged.slug,
            article_ids,
            user,
        )
        merged.delete()  # post_delete bumps the dictionary version
        survivor.save(update_fields=["updated_at"])  # post_save: the dictionary changed
    return record


# Tags ---------------------------------------------------------------------------------


def _tag_kind(tag_model) -> tuple[str, type[models.Model]]:
    for _field, model, link_model in TAG_KINDS:
        if model is tag_model:
            return model._meta.model_name, link_model
    raise CurationError(f"not a tag model: {tag_model.__name__}")


def merge_tags(survivor, merged, *, user) -> MergeRecord:
    """Merge one keyword, technology or industry into another of the same kind."""
    if type(survivor) is not type(merged):
        raise CurationError("only tags of one kind can be merged")
    if survivor.pk == merged.pk:
        raise CurationError("a tag cannot be merged into itself")
    tag_model = type(survivor)
    kind, link_model = _tag_kind(tag_model)
    with transaction.atomic():
        locked = tag_model.objects.select_for_update().in_bulk([survivor.pk, merged.pk])
        if len(locked) != 2:
            raise CurationError("one of the tags no longer exists")
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        article_ids = sorted(
            link_model.objects.filter(tag=merged).values_list("article_id", flat=True)
        )
        has_survivor = link_model.objects.filter(tag=survivor).values("article_id")
        link_model.objects.filter(tag=merged, article_id__in=has_survivor).delete()
        link_model.objects.filter(tag=merged).update(tag=survivor)

        TagAlias.objects.filter(kind=kind, target_id=merged.pk).update(target_id=survivor.pk)
        TagAlias.objects.filter(kind=kind, normalized_name=survivor.normalized_name).delete()
        TagAlias.objects.update_or_create(
            kind=kind, normalized_name=merged.normalized_name, defaults={"target_id": survivor.pk}
        )
        _redirect(kind, merged.slug, merged.pk, survivor.pk, survivor.slug)
        record = _record(
            kind, survivor, survivor.name, merged, merged.name, merged.slug, article_ids, user
        )
        merged.delete()
    return record


# Events -------------------------------------------------------------------------------


def _add_curated(ids: Sequence[int], field: str) -> None:
    """Append ``field`` to these articles' curated fields, in SQL (jsonb ``||``)."""
    appended = Func(
        F("curated_fields"),
        Value([field], output_field=JSONField()),
        template="(%(expressions)s)",
        arg_joiner=" || ",
        output_field=JSONField(),
    )
    for chunk in _chunks(ids):
        Article.objects.filter(pk__in=chunk).exclude(curated_fields__contains=[field]).update(
            curated_fields=appended
        )


def merge_events(survivor: Event, merged: Event, *, user) -> MergeRecord:
    """Move all of ``merged``'s articles to ``survivor`` and delete ``merged``.

    The moved articles' event is marked curated, so enrichment does not split them off.
    """
    if survivor.pk == merged.pk:
        raise CurationError("an event cannot be merged into itself")
    with transaction.atomic():
        locked = Event.objects.select_for_update().in_bulk([survivor.pk, merged.pk])
        if len(locked) != 2:
            raise CurationError("one of the events no longer exists")
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        article_ids = sorted(merged.articles.order_by().values_list("pk", flat=True))
        _update_articles(article_ids, event=survivor)
        _add_curated(article_ids, "event")
        survivor.companies.add(*merged.companies.all())
        if survivor.main_company_id is None and merged.main_company_id:
            survivor.main_company_id = merged.main_company_id
            survivor.save(update_fields=["main_company"])
        _redirect(SlugKind.EVENT, str(merged.pk), merged.pk, survivor.pk, str(survivor.pk))
        record = _record(
            SlugKind.EVENT,
            survivor,
            survivor.title,
            merged,
            merged.title,
            str(merged.pk),
            article_ids,
            user,
        )
        merged.delete()
    return record


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
        _update_articles(ids, event=event, updated_at=timezone.now())
        _add_curated(ids, "event")
        _log_ids(user, Article, ids, CHANGE, f"Moved to event #{event.pk} “{event.title}”.")
        emptied = list(Event.objects.filter(pk__in=previous, articles__isnull=True))
        log(user, emptied, DELETION, f"No article left: its articles moved to event #{event.pk}.")
        Event.objects.filter(pk__in=[e.pk for e in emptied]).delete()
        log(user, [event], CHANGE, f"{len(ids)} article(s) moved here.")
    return len(ids)


JOBS = {
    "set_status": set_status,
    "release_curated": release_and_reenrich,
    "reenrich": reenrich,
    "merge": merge_many,
    "reenrich_mentioning": reenrich_mentioning,
}
