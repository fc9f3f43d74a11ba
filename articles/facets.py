"""Facet counts: for each dimension, counts under every *other* active filter.

So selecting one company does not collapse the other companies' counts to zero.
Counts come from the derived facet rows (``unnest`` of the id arrays, grouped), one
aggregate query per dimension (a search: one statement for all, articles.search_facets),
cached as one block per filter combination and data version (articles.aggregate_cache);
names are read fresh, one query per dimension.

Where PostgreSQL expects more than ``sample_above()`` rows to count, they are
counted over the fixed sample (articles.models.sampling), multiplied out and shown as
estimates ("约 1,200"); dimensions that no filter narrows keep their exact,
trigger-kept counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from articles.aggregate_cache import cached
from articles.filters import FACETS, ArticleFilter, FacetSpec
from articles.models import EventType, FacetCount
from articles.models.facets import ARRAY_COLUMNS
from articles.models.sampling import SAMPLE_EVERY, sample_above
from articles.pagination import ResultCount, planner_estimate
from articles.search_facets import FACET_FILTERS, search_facet_counts

from . import querystring

TOP = 10
MORE = 50
NOT_FILTERS = ("sort", "main_company_only")  # they change no count by themselves


@dataclass(frozen=True)
class Counted:
    """One dimension's top values ``[(value, count), …]``, estimated or exact."""

    values: list[tuple]
    estimated: bool = False


@dataclass
class FacetValue:
    slug: str
    label: str
    count: int
    selected: bool
    url: str  # the view with this value toggled
    estimated: bool = False

    @property
    def count_label(self) -> str:
        """The count as printed: an estimate rounded and labelled ("约 1,200")."""
        if not self.estimated:
            return str(self.count)
        shown = number_format(ResultCount(self.count, True).shown, force_grouping=True)
        return _("about %(count)s") % {"count": shown}


@dataclass
class Facet:
    spec: FacetSpec
    values: list[FacetValue] = field(default_factory=list)
    estimated: bool = False

    # A selected value is always shown with the top ones, whatever its count.
    @property
    def top(self) -> list[FacetValue]:
        return self.values[:TOP] + [value for value in self.values[TOP:] if value.selected]

    @property
    def more(self) -> list[FacetValue]:
        return [value for value in self.values[TOP:] if not value.selected]


def _counts(spec: FacetSpec, filterset: ArticleFilter, main_only: bool, large) -> Counted:
    main_companies = spec.param == "company" and main_only
    if not main_companies and not _filtered(filterset, spec.param):
        # Every published article: the trigger-kept counts, not a scan.
        top = FacetCount.objects.top(spec.param, MORE)
        return Counted(top if spec.model is None else [(int(key), n) for key, n in top])
    rows = filterset.facet_rows_without(spec.param)
    sampled = large(rows)
    if sampled:
        rows = filterset.facet_rows_without(spec.param, sampled=True)
    if spec.model is None:
        values = rows.field_counts("event_type", MORE)
    elif main_companies:
        values = rows.field_counts("main_company_id", MORE)
    else:
        values = rows.value_counts(ARRAY_COLUMNS[spec.param], MORE)
    return _scaled(values) if sampled else Counted(values)


class _Large:
    """Whether PostgreSQL expects more rows than are worth counting one by one.

    Remembers its answers: dimensions whose own filter is not active count the same
    rows, and one EXPLAIN answers for all of them.
    """

    def __init__(self):
        self.known: dict[str, bool] = {}

    def __call__(self, rows) -> bool:
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:  # e.g. a search with nothing to search for
            return False
        key = repr((sql, params))
        if key not in self.known:
            self.known[key] = planner_estimate(rows) > sample_above()
        return self.known[key]


def _scaled(values: list[tuple]) -> Counted:
    return Counted([(value, n * SAMPLE_EVERY) for value, n in values], estimated=True)


def _filtered(filterset: ArticleFilter, skip: str) -> bool:
    """Whether a filter other than ``skip`` narrows the articles."""
    data = filterset.form.cleaned_data
    return any(value for name, value in data.items() if name not in (skip, *NOT_FILTERS))


def _plain(value) -> object:
    """A filter value as something with a stable repr, for the cache key."""
    if isinstance(value, (str, bool, int, Decimal, dt.date)):
        return str(value)
    return tuple(sorted(str(getattr(item, "pk", item)) for item in value))


def filter_key(filterset: ArticleFilter) -> tuple:
    """What the facet counts depend on: every active filter, not the sorting or page."""
    return tuple(
        sorted(
            (name, _plain(value))
            for name, value in filterset.form.cleaned_data.items()
            if name != "sort" and value
        )
    )


def all_counts(filterset: ArticleFilter) -> dict[str, Counted]:
    """``{facet parameter: Counted}``, the top ``MORE`` of each, cached."""
    main_only = bool(filterset.form.cleaned_data.get("main_company_only"))

    def compute() -> dict[str, Counted]:
        if filterset.has_query and not filterset.search.is_empty:
            # The match once for every dimension, not once per dimension.
            sampled = _Large()(filterset.facet_rows_without(*FACET_FILTERS))
            counts = search_facet_counts(filterset, MORE, sampled=sampled)
            wrap = _scaled if sampled else Counted
            return {param: wrap(values) for param, values in counts.items()}
        large = _Large()
        return {spec.param: _counts(spec, filterset, main_only, large) for spec in FACETS}

    return cached("facets", filter_key(filterset), compute)


def compute_facets(filterset: ArticleFilter, params: list[tuple[str, str]]) -> list[Facet]:
    counted = all_counts(filterset)
    facets = []
    for spec in FACETS:
        selected = {value for key, value in params if key == spec.param}
        counts = counted[spec.param].values
        estimated = counted[spec.param].estimated
        if spec.model is None:
            labels = dict(EventType.choices)
            named = [(key, str(labels.get(key, key)), n) for key, n in counts]
        else:
            names = {
                pk: (slug, name)
                for pk, slug, name in spec.model.objects.filter(
                    pk__in=[key for key, _ in counts]
                ).values_list("pk", "slug", "name")
            }
            named = [(*names[key], n) for key, n in counts if key in names]
        facet = Facet(spec, estimated=estimated)
        for slug, label, count in named:
            is_selected = slug in selected
            toggled = (
                querystring.without(params, spec.param, slug)
                if is_selected
                else querystring.with_value(params, spec.param, slug)
            )
            facet.values.append(
                FacetValue(
                    slug, label, count, is_selected, "?" + querystring.encode(toggled), estimated
                )
            )
        facets.append(facet)
    return facets
