"""Facet counts: for each dimension, counts under every *other* active filter.

So selecting one company does not collapse the other companies' counts to zero.
One aggregate query per dimension plus one to name the values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from articles.filters import FACETS, LINKS, ArticleFilter, FacetSpec
from articles.models import EventType

from . import querystring

TOP = 10
MORE = 50


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

    @property
    def top(self) -> list[FacetValue]:
        return self.values[:TOP]

    @property
    def more(self) -> list[FacetValue]:
        return self.values[TOP:]


def _counts(spec: FacetSpec, articles, main_only: bool) -> list[tuple[object, int]]:
    if spec.model is None:
        rows = articles.order_by().values_list("event_type").annotate(n=Count("id"))
    elif spec.param == "company" and main_only:
        rows = (
            articles.order_by()
            .filter(main_company__isnull=False)
            .values_list("main_company")
            .annotate(n=Count("id"))
        )
    else:
        link_model, key = LINKS[spec.param]
        rows = (
            link_model.objects.filter(article__in=articles.order_by().values("pk"))
            .values_list(key)
            .annotate(n=Count("id"))
        )
    return list(rows.order_by("-n")[:MORE])


def compute_facets(filterset: ArticleFilter, params: list[tuple[str, str]]) -> list[Facet]:
    main_only = bool(filterset.form.cleaned_data.get("main_company_only"))
    facets = []
    for spec in FACETS:
        selected = {value for key, value in params if key == spec.param}
        counts = _counts(spec, filterset.queryset_without(spec.param), main_only)
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
