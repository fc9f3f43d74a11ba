"""Merges of companies, tags and events: links move over, old slugs redirect."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Subquery, When

from articles.curation.common import (
    CurationError,
    add_curated,
    chunks,
    log,
    log_ids,
    update_articles,
)
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
from articles.warming import warm_after_commit


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
    log_ids(user, Article, article_ids, CHANGE, message)
    warm_after_commit()  # every merge records itself here; its pages are cold after it
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
        survivor, merged = _lock_pair(Company, survivor, merged, "companies")
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
        update_articles(main_of, main_company=survivor)

        events = list(
            Event.objects.filter(main_company=merged).order_by().values_list("pk", flat=True)
        )
        for chunk in chunks(events):
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
        survivor, merged = _lock_pair(tag_model, survivor, merged, "tags")
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


def merge_events(survivor: Event, merged: Event, *, user) -> MergeRecord:
    """Move all of ``merged``'s articles to ``survivor`` and delete ``merged``.

    The moved articles' event is marked curated, so enrichment does not split them off.
    """
    if survivor.pk == merged.pk:
        raise CurationError("an event cannot be merged into itself")
    with transaction.atomic():
        survivor, merged = _lock_pair(Event, survivor, merged, "events")
        article_ids = sorted(merged.articles.order_by().values_list("pk", flat=True))
        update_articles(article_ids, event=survivor)
        add_curated(article_ids, "event")
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


def _lock_pair(model, survivor, merged, plural: str):
    """Both rows, locked for the merge's transaction, as they are now in the database."""
    locked = model.objects.select_for_update().in_bulk([survivor.pk, merged.pk])
    if len(locked) != 2:
        raise CurationError(f"one of the {plural} no longer exists")
    return locked[survivor.pk], locked[merged.pk]
