"""The aggregates of the home, company, tag-index and event-type pages, cached.

Counts come from the published facet rows (articles.models.facets) and are cached
per data version (articles.aggregate_cache) as ``[(id, count), …]``; the companies and
tags they count are read fresh per request, only as many as the page shows.
"""

from __future__ import annotations

from articles.aggregate_cache import cached_parts
from articles.models import ArticleFacetRow, Company, Industry, Keyword, Technology

TAG_MODELS = {"industry": Industry, "technology": Technology, "keyword": Keyword}
COLUMNS = {"company": "company_ids", **{kind: f"{kind}_ids" for kind in TAG_MODELS}}


def published_rows():
    return ArticleFacetRow.objects.published()


def with_counts(queryset, counts: list[tuple[int, int]], limit: int | None = None) -> list:
    """The objects of ``counts`` with ``article_count`` set, most first, then by name.

    With ``limit``, only the objects that can be in the top ``limit`` are read.
    """
    if limit and len(counts) > limit:
        threshold = sorted((n for _, n in counts), reverse=True)[limit - 1]
        counts = [(pk, n) for pk, n in counts if n >= threshold]
    numbers = dict(counts)
    objects = list(queryset.filter(pk__in=numbers))
    for obj in objects:
        obj.article_count = numbers[obj.pk]
    objects.sort(key=lambda obj: (-obj.article_count, obj.name))
    return objects[:limit] if limit else objects


def published_counts(*names: str) -> dict[str, object]:
    """Aggregates over every published article, by name (see ``PUBLISHED``)."""
    rows = published_rows()
    computations = {
        "company": lambda: rows.value_counts("company_ids"),
        "industry": lambda: rows.value_counts("industry_ids"),
        "technology": lambda: rows.value_counts("technology_ids"),
        "keyword": lambda: rows.value_counts("keyword_ids"),
        "event_type": lambda: dict(rows.field_counts("event_type")),
        "monthly": rows.monthly_counts,
    }
    found = cached_parts({("published", name): computations[name] for name in names})
    return {name: found[("published", name)] for name in names}


def company_counts(company: Company) -> dict[str, object]:
    """The aggregates of the published articles mentioning ``company``."""
    rows = published_rows().filter(company_ids__contains=[company.pk])
    computations = {
        "count": rows.count,
        "monthly": rows.monthly_counts,
        "company": lambda: rows.value_counts("company_ids"),
        "technology": lambda: rows.value_counts("technology_ids"),
        "industry": lambda: rows.value_counts("industry_ids"),
    }
    found = cached_parts({("company", (company.pk, name)): f for name, f in computations.items()})
    return {name: found[("company", (company.pk, name))] for name in computations}


def tag_order(kind: str) -> list[tuple[int, int]]:
    """Every tag of ``kind`` on a published article: ``[(id, count), …]``, most first, by name."""

    def compute():
        counts = published_rows().value_counts(COLUMNS[kind])
        names = dict(TAG_MODELS[kind].objects.values_list("pk", "name"))
        return sorted(
            ((pk, n) for pk, n in counts if pk in names), key=lambda row: (-row[1], names[row[0]])
        )

    return cached_parts({("tag_order", kind): compute})[("tag_order", kind)]
