"""Derived per-article data that filters and aggregates read instead of the link tables.

One narrow row per article: its public state and the ids of its companies and tags
as integer arrays with GIN indexes. A filter is ``company_ids && ARRAY[…]`` and a
facet count is ``unnest(company_ids)`` grouped over the matching rows, without
touching the wide article table or joining four link tables.

The rows are written by PostgreSQL triggers only (see articles.denormalized and
migration 0006): no Python code path can forget them. Editors never see them.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Count, F, Func, IntegerField
from django.db.models.functions import TruncMonth

from .sampling import sample_bucket

# facet parameter → array column
ARRAY_COLUMNS = {
    "company": "company_ids",
    "industry": "industry_ids",
    "technology": "technology_ids",
    "keyword": "keyword_ids",
}


class Unnest(Func):
    function = "unnest"
    output_field = IntegerField()


class ArticleFacetRowQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status="published")

    def sampled(self):
        """The rows of the fixed sample (articles.models.sampling)."""
        return self.alias(sample_bucket=sample_bucket("article_id")).filter(sample_bucket=0)

    def value_counts(self, column: str, limit: int | None = None) -> list[tuple[int, int]]:
        """``[(id, rows containing it), …]`` over ``column``'s arrays, most first. One query."""
        rows = (
            self.order_by()
            .annotate(value=Unnest(F(column)))
            .values_list("value")
            .annotate(n=Count("*"))
            .order_by("-n", "value")
        )
        return list(rows[:limit] if limit else rows)

    def field_counts(self, field: str, limit: int | None = None) -> list[tuple[object, int]]:
        """``[(value, rows), …]`` of a scalar column (event type, main company), most first."""
        rows = (
            self.order_by()
            .filter(**{f"{field}__isnull": False})
            .values_list(field)
            .annotate(n=Count("*"))
            .order_by("-n", field)
        )
        return list(rows[:limit] if limit else rows)

    def monthly_counts(self, *, undated: bool = False) -> list[tuple]:
        """``[(first day of month, rows), …]`` in date order.

        Undated rows are skipped, or with ``undated`` counted last as ``(None, rows)``
        (so one query gives the timeline and the total).
        """
        rows = self.order_by() if undated else self.order_by().filter(event_date__isnull=False)
        rows = (
            rows.annotate(month=TruncMonth("event_date"))
            .values_list("month")
            .annotate(n=Count("*"))
            .order_by(F("month").asc(nulls_last=True))
        )
        return list(rows)


class ArticleFacetRow(models.Model):
    # No Django-level relation semantics: the database keeps this row (triggers) and
    # deletes it with its article (ON DELETE CASCADE added in migration 0006).
    article = models.OneToOneField(
        "Article",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="facet_row",
        editable=False,
    )
    status = models.CharField(max_length=16, editable=False)
    event_type = models.CharField(max_length=32, editable=False)
    event_date = models.DateField(null=True, editable=False)
    main_company_id = models.IntegerField(null=True, editable=False)
    company_ids = ArrayField(models.IntegerField(), default=list, editable=False)
    industry_ids = ArrayField(models.IntegerField(), default=list, editable=False)
    technology_ids = ArrayField(models.IntegerField(), default=list, editable=False)
    keyword_ids = ArrayField(models.IntegerField(), default=list, editable=False)

    objects = ArticleFacetRowQuerySet.as_manager()

    class Meta:
        default_permissions = ()  # derived data: nobody edits it
        indexes = [
            GinIndex("company_ids", name="facetrow_company_ids"),
            GinIndex("industry_ids", name="facetrow_industry_ids"),
            GinIndex("technology_ids", name="facetrow_technology_ids"),
            GinIndex("keyword_ids", name="facetrow_keyword_ids"),
            models.Index(sample_bucket("article_id"), name="facetrow_sample_bucket"),
        ]

    def __str__(self) -> str:
        return f"facets of article {self.article_id}"


class DataVersion(models.Model):
    """One row: a value that changes with every write to articles or their links.

    Written by triggers only (articles.denormalized); read by articles.aggregate_cache.
    """

    version = models.BigIntegerField(editable=False)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.version)

    @classmethod
    def current(cls) -> int | None:
        """The data version, or None before anything was written. One tiny query."""
        return cls.objects.filter(pk=1).values_list("version", flat=True).first()


class FacetCountQuerySet(models.QuerySet):
    def count_of(self, dimension: str, key: str) -> int:
        """Published articles with the value ``key`` of ``dimension`` (0 if none)."""
        found = self.filter(dimension=dimension, key=key).values_list("count", flat=True)
        return max(found.first() or 0, 0)

    def top(self, dimension: str, limit: int | None = None) -> list[tuple[str, int]]:
        """``[(key, published articles), …]`` of ``dimension``, most first."""
        rows = (
            self.filter(dimension=dimension, count__gt=0)
            .order_by("-count", "key")
            .values_list("key", "count")
        )
        return list(rows[:limit] if limit else rows)


class FacetCount(models.Model):
    """How many published articles have each value: the facet counts with no filter.

    Kept by a trigger on the facet rows from their changes (articles.denormalized), so
    the unfiltered list, the home page and the indexes never scan all articles.
    ``key`` is a company or tag id, an event type, or a month's first day ('' undated).
    """

    dimension = models.CharField(max_length=16, editable=False)
    key = models.CharField(max_length=64, editable=False)
    count = models.IntegerField(editable=False)

    objects = FacetCountQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["dimension", "key"], name="facetcount_dimension_key")
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.key}: {self.count}"
