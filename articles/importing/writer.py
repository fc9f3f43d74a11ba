"""Bulk writes of tags and ordered tag links for a chunk of imported articles."""

from __future__ import annotations

import hashlib

from django.db import connection, models

from articles.models import Article, TagAlias
from articles.models.tags import TAG_KINDS, normalize_tag_name, tag_slug

from .records import ParsedRecord


def upsert_tags(tag_model: type[models.Model], names: list[str]) -> dict[str, int]:
    """Map each name's normalised form to a tag id, creating the missing tags.

    The first spelling seen becomes the tag's display name. A name merged into
    another tag by a curator (a TagAlias) maps to the survivor and creates nothing.
    Safe against a concurrent writer: conflicts are ignored and the rows read back.
    """
    wanted: dict[str, str] = {}
    for name in names:
        wanted.setdefault(normalize_tag_name(name), name)
    ids = dict(
        tag_model.objects.filter(normalized_name__in=wanted).values_list("normalized_name", "pk")
    )
    unknown = [key for key in wanted if key not in ids]
    if unknown:
        ids.update(
            TagAlias.objects.filter(
                kind=tag_model._meta.model_name,
                normalized_name__in=unknown,
                target_id__in=tag_model.objects.values("pk"),  # a deleted survivor: ignored
            ).values_list("normalized_name", "target_id")
        )
    missing = [key for key in wanted if key not in ids]
    if missing:
        tag_model.objects.bulk_create(
            [
                tag_model(name=wanted[key], normalized_name=key, slug=tag_slug(wanted[key]))
                for key in missing
            ],
            ignore_conflicts=True,
        )
        ids.update(
            tag_model.objects.filter(normalized_name__in=missing).values_list(
                "normalized_name", "pk"
            )
        )
    for key in [key for key in wanted if key not in ids]:
        # Two names that slugify alike: give the later one a slug of its own.
        digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
        tag = tag_model(name=wanted[key], normalized_name=key, slug=f"{tag_slug(key)}-{digest}")
        tag.save()
        ids[key] = tag.pk
    return ids


def replace_tag_links(chunk: list[tuple[Article, ParsedRecord]], updated_ids: set[int]) -> None:
    """Set each article's keyword/technology/industry links to the record's, in order.

    Tag kinds a curator has edited (Article.curated_fields) are left as they are.
    """
    curated: dict[int, set[str]] = {}
    if updated_ids:
        curated = {
            pk: set(fields or [])
            for pk, fields in Article.objects.filter(pk__in=updated_ids).values_list(
                "pk", "curated_fields"
            )
        }
    write_tag_links(chunk, resolve_tags(chunk, curated), updated_ids)


# Per tag kind (field name), each article's (position in the record, tag id) pairs, a
# repeated tag dropped; None for a kind a curator edited on that article.
ResolvedTags = dict[str, list[list[tuple[int, int]] | None]]


def resolve_tags(
    chunk: list[tuple[Article, ParsedRecord]], curated: dict[int, set[str]] | None = None
) -> ResolvedTags:
    """Upsert the chunk's tags (``upsert_tags``); no article needs to be saved yet."""
    curated = curated or {}
    resolved: ResolvedTags = {}
    for field_name, tag_model, _link_model in TAG_KINDS:
        targets = [
            (article, record)
            for article, record in chunk
            if field_name not in curated.get(article.pk, ())
        ]
        names = [name for _, record in targets for name in getattr(record, field_name)]
        tag_ids = upsert_tags(tag_model, names) if names else {}
        per_article: list[list[tuple[int, int]] | None] = []
        for article, record in chunk:
            if field_name in curated.get(article.pk, ()):
                per_article.append(None)
                continue
            pairs: dict[int, int] = {}  # tag id -> first position
            for position, name in enumerate(getattr(record, field_name)):
                pairs.setdefault(tag_ids[normalize_tag_name(name)], position)
            per_article.append([(position, tag_id) for tag_id, position in pairs.items()])
        resolved[field_name] = per_article
    return resolved


def tag_names(resolved: ResolvedTags) -> dict[str, dict[int, str]]:
    """Per tag kind, the display name of each resolved tag (what its links will show)."""
    names: dict[str, dict[int, str]] = {}
    for field_name, tag_model, _link_model in TAG_KINDS:
        ids = {pk for pairs in resolved[field_name] if pairs for _, pk in pairs}
        names[field_name] = dict(
            tag_model.objects.filter(pk__in=ids).values_list("pk", "name") if ids else []
        )
    return names


def write_tag_links(
    chunk: list[tuple[Article, ParsedRecord]], resolved: ResolvedTags, stale_ids: set[int]
) -> None:
    """Create the resolved links (articles saved by now), after deleting stale ones."""
    for field_name, _tag_model, link_model in TAG_KINDS:
        targets = [
            (article, pairs)
            for (article, _), pairs in zip(chunk, resolved[field_name], strict=True)
            if pairs is not None
        ]
        stale = [article.pk for article, _ in targets if article.pk in stale_ids]
        if stale:
            link_model.objects.filter(article_id__in=stale).delete()
        link_model.objects.bulk_create(
            [
                link_model(article=article, tag_id=tag_id, position=position)
                for article, pairs in targets
                for position, tag_id in pairs
            ]
        )


def insert_tag_links(chunk: list[tuple[Article, ParsedRecord]], resolved: ResolvedTags) -> None:
    """``write_tag_links`` for saved new articles (no stale links), without model objects."""
    for field_name, _tag_model, link_model in TAG_KINDS:
        rows = [
            (article.pk, tag_id, position)
            for (article, _), pairs in zip(chunk, resolved[field_name], strict=True)
            for position, tag_id in pairs or ()
        ]
        insert_rows(
            link_model, {"article_id": "bigint", "tag_id": "bigint", "position": "smallint"}, rows
        )


def insert_rows(model: type[models.Model], types: dict[str, str], rows: list[tuple]) -> None:
    """``INSERT … SELECT FROM unnest(arrays)``: one statement, values bound as arrays.

    For the thousands of link rows of a chunk: ``bulk_create`` built and compiled a
    model instance per row, a third of the importer's own CPU time. Each row holds the
    values of ``types``' columns in order; names come from the caller, never from data.
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in types)
    arrays = ", ".join(f"%s::{kind}[]" for kind in types.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",  # noqa: S608
            [list(values) for values in zip(*rows, strict=True)],
        )
