"""The aggregates of the home, company, tag-index and event-type pages, cached.

Counts over all published articles come from the trigger-kept ``FacetCount`` table,
a company's from its facet rows (articles.models.facets); both are cached per data
version (articles.aggregate_cache) as ``[(id, count), …]``. The companies and tags
they count are read fresh per request, only as many as the page shows.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, partial

from articles.aggregate_cache import cached_parts
from articles.models import (
    ArticleFacetRow,
    Company,
    FacetCount,
    Industry,
    Keyword,
    Technology,
)
from articles.models.sampling import sample_above
from articles.pagination import scaled

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
    """Aggregates over every published article, by name: "company", "industry",
    "technology", "keyword" (``[(id, count), …]``), "event_type" (a dict), "monthly"."""
    found = cached_parts({("published", name): partial(_published, name) for name in names})
    return {name: found[("published", name)] for name in names}


def _published(name: str):
    """From the trigger-kept counts (FacetCount): no scan of the articles."""
    if name == "event_type":
        return dict(FacetCount.objects.top("event_type"))
    if name == "monthly":
        months = FacetCount.objects.top("month")
        return sorted((dt.date.fromisoformat(key), n) for key, n in months if key)
    return [(int(key), n) for key, n in FacetCount.objects.top(name)]


def company_counts(company: Company) -> dict[str, object]:
    """The aggregates of the published articles mentioning ``company``.

    ``count`` is exact (the trigger-kept count). Above ``sample_above()`` articles the
    breakdowns are counted over the fixed sample (articles.models.sampling) and
    multiplied out: ``estimated`` says so, and the page labels those counts.
    """
    threshold = sample_above()  # in the keys: a changed setting meets no old entry

    @cache
    def total() -> int:
        return FacetCount.objects.count_of("company", str(company.pk))

    def counted(aggregate):
        def compute():
            rows = published_rows().filter(company_ids__contains=[company.pk])
            if total() <= threshold:
                return aggregate(rows)
            return [(value, scaled(n)) for value, n in aggregate(rows.sampled())]

        return compute

    computations = {
        "count": total,
        "monthly": counted(lambda rows: rows.monthly_counts()),
        "company": counted(lambda rows: rows.value_counts("company_ids")),
        "technology": counted(lambda rows: rows.value_counts("technology_ids")),
        "industry": counted(lambda rows: rows.value_counts("industry_ids")),
    }
    found = cached_parts(
        {("company", (company.pk, name, threshold)): f for name, f in computations.items()}
    )
    counts = {name: found[("company", (company.pk, name, threshold))] for name in computations}
    counts["estimated"] = counts["count"] > threshold
    return counts


def tag_order(kind: str) -> list[tuple[int, int]]:
    """Every tag of ``kind`` on a published article: ``[(id, count), …]``, most first, by name."""

    def compute():
        counts = _published(kind)
        names = dict(TAG_MODELS[kind].objects.values_list("pk", "name"))
        return sorted(
            ((pk, n) for pk, n in counts if pk in names), key=lambda row: (-row[1], names[row[0]])
        )

    return cached_parts({("tag_order", kind): compute})[("tag_order", kind)]
