"""JSON Lines export: the round-trip format of the importer (and, enriched, for analysts)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.db.models import Prefetch

from articles.models import Article, ArticleCompany
from articles.models.tags import TAG_KINDS

EXPORT_CHUNK = 2000


def article_content(article: Article) -> dict:
    """The same dict as ParsedRecord.content() for the record the article came from."""
    data = {
        "title": article.title,
        "link": article.url,
        "summary": article.summary,
        "event_summary": article.event_summary,
    }
    for field_name, _tag_model, link_model in TAG_KINDS:
        related = link_model._meta.get_field("article").remote_field.related_name
        data[field_name] = [link.tag.name for link in getattr(article, related).all()]
    if article.extra_fields:
        data["extra"] = dict(sorted(article.extra_fields.items()))
    return data


def enriched_content(article: Article) -> dict:
    data = article_content(article)
    data["companies"] = [
        {
            "name": link.company.name,
            "name_en": link.company.name_en,
            "slug": link.company.slug,
            "aliases": sorted(name.name for name in link.company.names.all()),
            "mentions": link.mentions,
            "main": link.company_id == article.main_company_id,
        }
        for link in article.company_links.all()
    ]
    data["event"] = {
        "type": article.event_type,
        "date": article.event_date.isoformat() if article.event_date else None,
        "precision": article.event_date_precision or None,
        "cues": article.event_cues,
    }
    return data


def export_queryset(enriched: bool = False):
    queryset = Article.objects.order_by("canonical_url")
    prefetches = [
        Prefetch(
            link_model._meta.get_field("article").remote_field.related_name,
            queryset=link_model.objects.select_related("tag").order_by("position"),
        )
        for _field, _tag, link_model in TAG_KINDS
    ]
    if enriched:
        prefetches.append(
            Prefetch(
                "company_links",
                queryset=ArticleCompany.objects.select_related("company")
                .prefetch_related("company__names")
                .order_by("-is_main", "-mentions", "company__name"),
            )
        )
    return queryset.prefetch_related(*prefetches)


def iter_jsonl(enriched: bool = False) -> Iterator[str]:
    """Yield one JSON line per article, ordered by canonical URL so output is stable."""
    render = enriched_content if enriched else article_content
    for article in export_queryset(enriched).iterator(chunk_size=EXPORT_CHUNK):
        yield json.dumps(render(article), ensure_ascii=False) + "\n"
