"""Result counts that stay cheap at 1M articles, and a Paginator that uses them.

An exact COUNT of a common term's 300,000 matches reads all of them. Up to
``exact_count_limit()`` matches (10,000) the count is exact; above it the page says
"about N" and N is PostgreSQL's own row estimate for the query (EXPLAIN of the ORM's
SQL with its parameters bound: planning only, nothing is read). Deciding which case
applies is a capped count, ``SELECT count(*) FROM (… LIMIT limit + 1)``, which stops
reading at the limit, unless a search's estimate is far above it (``count_results``).

With an estimated total, pages are fetched one row longer so that "next" is known
for certain; reaching the last page makes the count exact (the rows before it are
full pages), and a page past the real end (the estimate was too high) falls back to
an exact count and shows the real last page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections, transaction

from articles.models.sampling import SAMPLE_EVERY

EXACT_COUNT_LIMIT = 10_000
TRUSTED_ESTIMATE_FACTOR = 3  # a search estimated above 3 × the limit is not counted


def exact_count_limit() -> int:
    return getattr(settings, "LISTING_EXACT_COUNT_LIMIT", EXACT_COUNT_LIMIT)


@dataclass(frozen=True)
class ResultCount:
    value: int
    estimated: bool = False

    @property
    def shown(self) -> int:
        """The figure to print: an estimate rounded to two significant digits."""
        if not self.estimated or self.value < 100:
            return self.value
        scale = 10 ** (len(str(self.value)) - 2)
        return round(self.value / scale) * scale


def scaled(count: int) -> int:
    """A count over the sample as an estimate for all rows, to two significant digits."""
    return ResultCount(count * SAMPLE_EVERY, estimated=True).shown


def planner_estimate(queryset) -> int:
    """PostgreSQL's estimate of the rows ``queryset`` returns (EXPLAIN, no ANALYZE)."""
    explained = queryset.order_by().explain(format="json")
    if not explained:  # a query Django knows to be empty (e.g. a filter on no values)
        return 0
    plan = json.loads(explained)
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(queryset, limit: int, *, bitmap_only: bool = False) -> int:
    """``min(count, limit + 1)``, reading at most ``limit + 1`` matching rows.

    ``bitmap_only`` (for full-text searches): PostgreSQL prices ``@@`` as cheap and
    cannot see the TOASTed vectors, so for a common term it plans this as a sequential
    scan that detoasts every row it checks (1.8 s for 10,001 of 58,000 matches at 200k
    articles). With sequential and plain index scans off for this one statement it
    reads the GIN posting list and 10,001 heap rows instead. ``SET LOCAL`` inside a
    savepoint that is rolled back: the settings end with this count.
    """
    capped = queryset.order_by()[: limit + 1]
    if not bitmap_only:
        return capped.count()
    with transaction.atomic(using=queryset.db):
        with connections[queryset.db].cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        count = capped.count()
        transaction.set_rollback(True, using=queryset.db)
    return count


def count_results(queryset, *, searching: bool = False) -> ResultCount:
    """Exact up to the limit, else the planner's estimate (at least limit + 1).

    For a search, a planner estimate above ``TRUSTED_ESTIMATE_FACTOR`` times the limit
    is taken without the capped count: even as a bitmap scan that count reads the
    whole posting list of a common term (64 ms for 58,000 matches at 200k articles,
    growing with N). PostgreSQL's estimate for a single term comes from the
    vector's most-common-element statistics (migration 0002 keeps 10,000 of them);
    conjunctions of correlated terms are underestimated, which only sends them to
    the capped count. A result that still turns out small is counted exactly by its
    last page (ListingPaginator).
    """
    limit = exact_count_limit()
    estimate = planner_estimate(queryset) if searching else None
    if estimate is not None and estimate > TRUSTED_ESTIMATE_FACTOR * limit:
        return ResultCount(estimate, estimated=True)
    capped = capped_count(queryset, limit, bitmap_only=searching)
    if capped <= limit:
        return ResultCount(capped)
    if estimate is None:
        estimate = planner_estimate(queryset)
    return ResultCount(max(estimate, limit + 1), estimated=True)


class EstimatedPage(Page):
    def __init__(self, object_list, number, paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    @property
    def pages_shown(self) -> int:
        """The estimated page total, never less than the pages known to exist."""
        return max(self.paginator.num_pages, self.number + (1 if self.more else 0))


class ListingPaginator(Paginator):
    """A Paginator whose total comes from ``counted`` (exact or estimated)."""

    def __init__(self, object_list, per_page, counted: ResultCount, *, recount=None):
        super().__init__(object_list, per_page)
        self.counted = counted
        self.recount = recount  # () -> exact int, when an estimate proves wrong

    @cached_property
    def count(self) -> int:
        return self.counted.value

    @property
    def estimated(self) -> bool:
        return self.counted.estimated

    def validate_number(self, number):
        if not self.estimated:
            return super().validate_number(number)
        try:
            return super().validate_number(number)
        except EmptyPage:
            if int(number) < 1:
                raise
            return int(number)  # the estimate may be low: let the rows decide

    def page(self, number):
        if not self.estimated:
            return super().page(number)
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start : start + self.per_page + 1])
        if not rows and number > 1:
            self._become_exact(self.recount() if self.recount else len(self.object_list))
            return super().page(min(number, self.num_pages))
        more = len(rows) > self.per_page
        if not more:  # the last page: the rows before it are full pages
            self._become_exact(start + len(rows))
            return Page(rows, number, self)
        return EstimatedPage(rows[: self.per_page], number, self, more)

    def _become_exact(self, exact: int):
        self.counted = ResultCount(exact)
        self.__dict__.pop("count", None)
        self.__dict__.pop("num_pages", None)
