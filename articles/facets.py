"""Facet counts: for each dimension, counts under every *other* active filter.

So selecting one company does not collapse the other companies' counts to zero.
Counts come from the derived facet rows (``unnest`` of the id arrays, grouped), one
aggregate query per dimension, cached as one block per filter combination and data
version (articles.aggregate_cache); names are read fresh, one query per dimension.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from articles.aggregate_cache import cached
from articles.filters import FACETS, ArticleFilter, FacetSpec
from articles.models import EventType, FacetCount
from articles.models.facets import ARRAY_COLUMNS
from articles.search_facets import search_facet_counts

from . import querystring

TOP = 10
MORE = 50
NOT_FILTERS = ("sort", "main_company_only")  # they change no count by themselves


@dataclass
class FacetValue:
    slug: str
    label: str
    count: int
    selected: bool
    url: str  # the view with this value toggled


@dataclass
class Facet:
    spec: FacetSpec
    values: list[FacetValue] = field(default_factory=list)

    # A selected value is always shown with the top ones, whatever its count.
    @property
    def top(self) -> list[FacetValue]:
        return self.values[:TOP] + [value for value in self.values[TOP:] if value.selected]

    @property
    def more(self) -> list[FacetValue]:
        return [value for value in self.values[TOP:] if not value.selected]


def _counts(spec: FacetSpec, filterset: ArticleFilter, main_only: bool) -> list[tuple]:
    main_companies = spec.param == "company" and main_only
    if not main_companies and not _filtered(filterset, spec.param):
        # Every published article: the trigger-kept counts, not a scan.
        top = FacetCount.objects.top(spec.param, MORE)
        return top if spec.model is None else [(int(key), n) for key, n in top]
    rows = filterset.facet_rows_without(spec.param)
    if spec.model is None:
        return rows.field_counts("event_type", MORE)
    if spec.param == "company" and main_only:
        return rows.field_counts("main_company_id", MORE)
    return rows.value_counts(ARRAY_COLUMNS[spec.param], MORE)


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


def all_counts(filterset: ArticleFilter) -> dict[str, list[tuple]]:
    """``{facet parameter: [(value, count), …]}``, the top ``MORE`` of each, cached."""
    main_only = bool(filterset.form.cleaned_data.get("main_company_only"))

    def compute() -> dict[str, list[tuple]]:
        if filterset.has_query and not filterset.search.is_empty:
            return search_facet_counts(filterset, MORE)  # the match once, not per facet
        return {spec.param: _counts(spec, filterset, main_only) for spec in FACETS}

    return cached("facets", filter_key(filterset), compute)


def compute_facets(filterset: ArticleFilter, params: list[tuple[str, str]]) -> list[Facet]:
    counted = all_counts(filterset)
    facets = []
    for spec in FACETS:
        selected = {value for key, value in params if key == spec.param}
        counts = counted[spec.param]
        if spec.model is None:
            labels = dict(EventType.choices)
            named = [(key, str(labels.get(key, key)), n) for key, n in counts]
        else:
            objects = spec.model.objects.in_bulk([key for key, _ in counts])
            named = [
                (objects[key].slug, objects[key].name, n) for key, n in counts if key in objects
            ]
        facet = Facet(spec)
        for slug, label, count in named:
            is_selected = slug in selected
            toggled = (
                querystring.without(params, spec.param, slug)
                if is_selected
                else querystring.with_value(params, spec.param, slug)
            )
            facet.values.append(
                FacetValue(slug, label, count, is_selected, "?" + querystring.encode(toggled))
            )
        facets.append(facet)
    return facets
