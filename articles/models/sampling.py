"""A fixed sample of the articles: the ones estimated facet counts are read from.

Above a size (``sample_above()``) a facet count over every match costs a visit of
every matching row (seconds for a common term at 1M articles, docs/BENCHMARKS.md).
The sample is 1 article in ``SAMPLE_EVERY``, taken in blocks of ``SAMPLE_BLOCK``
consecutive ids, so it is spread over the whole archive (ids follow import order)
and occupies about 1/16 of the table's pages. An expression index on the bucket lets
PostgreSQL AND it with the search's or the filters' own bitmap, so only the sample's
matching rows are visited. Counts from it are multiplied by ``SAMPLE_EVERY`` and
shown as estimates.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import BigIntegerField, F, Func

SAMPLE_EVERY = 16
SAMPLE_BLOCK = 64
SAMPLE_ABOVE = 20_000  # rows to count; above it they come from the sample


def sample_above() -> int:
    return getattr(settings, "FACET_SAMPLE_ABOVE", SAMPLE_ABOVE)


def sample_bucket(id_column: str) -> Func:
    """The bucket of the row whose article id is ``id_column``; bucket 0 is the sample.

    The same expression builds the indexes (Article, ArticleFacetRow) and the queries,
    so that PostgreSQL can match the two. An integer ``MOD`` (Django's ``Mod`` compares
    as numeric, which no index of this expression would match).
    """
    return Func(
        F(id_column) / SAMPLE_BLOCK,
        SAMPLE_EVERY,
        function="MOD",
        output_field=BigIntegerField(),
    )
