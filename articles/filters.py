"""The article list's filters: one FilterSet behind the list, feeds and exports.

Values are stable slugs. Within one dimension values are ORed, across dimensions
ANDed. ``FacetSpec`` describes each facet dimension so facet counts can be
computed with every *other* filter applied.

Company and tag filters test the article's derived id arrays (``ArticleFacetRow``,
GIN-indexed) instead of the link tables; ``row_condition`` states each filter once,
for articles (through ``facet_row__``) and for the facet rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from articles.dictionary import search_for
from articles.models import (
    Article,
    ArticleFacetRow,
    Company,
    EventType,
    Industry,
    Keyword,
    Technology,
)
from articles.models.facets import ARRAY_COLUMNS
from articles.search import apply_search

MAX_FILTER_VALUES = 20  # more than this is a crawler, not a reader: 400


class SlugMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Repeatable ``?company=a&company=b``; unknown slugs are a validation error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("method", "filter_linked")
        super().__init__(*args, **kwargs)


ROW = "facet_row__"  # from Article to its ArticleFacetRow


def row_condition(name: str, value, *, main_only: bool, prefix: str = "") -> Q | None:
    """Filter ``name`` = ``value`` as a condition on ArticleFacetRow fields (after ``prefix``).

    None for what the facet rows do not hold (the search, sorting, switches) or an
    empty value.
    """
    if not value:
        return None
    dimension = name.removeprefix("exclude_")
    if dimension in ARRAY_COLUMNS:
        ids = sorted(item.pk for item in value)
        if name == "company" and main_only:
            return Q(**{f"{prefix}main_company_id__in": ids})
        overlaps = Q(**{f"{prefix}{ARRAY_COLUMNS[dimension]}__overlap": ids})
        return ~overlaps if name != dimension else overlaps
    lookups = {
        "event_type": "event_type__in",
        "date_from": "event_date__gte",
        "date_to": "event_date__lte",
        "year": "event_date__year",
    }
    if name in lookups:
        return Q(**{f"{prefix}{lookups[name]}": value})
    return None


class ArticleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=256)
    company = SlugMultipleChoiceFilter(label=_("Company"), queryset=Company.objects.all())
    exclude_company = SlugMultipleChoiceFilter(
        label=_("Exclude company"), queryset=Company.objects.all(), method="filter_excluded"
    )
    main_company_only = django_filters.BooleanFilter(
        label=_("Main company only"), method="filter_noop", widget=forms.CheckboxInput
    )
    industry = SlugMultipleChoiceFilter(label=_("Industry"), queryset=Industry.objects.all())
    exclude_industry = SlugMultipleChoiceFilter(
        label=_("Exclude industry"), queryset=Industry.objects.all(), method="filter_excluded"
    )
    technology = SlugMultipleChoiceFilter(label=_("Technology"), queryset=Technology.objects.all())
    keyword = SlugMultipleChoiceFilter(label=_("Keyword"), queryset=Keyword.objects.all())
    event_type = django_filters.MultipleChoiceFilter(
        label=_("Event type"),
        choices=EventType.choices,
        field_name="event_type",
        lookup_expr="exact",
    )
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="event_date", lookup_expr="gte"
    )
    date_to = django_filters.DateFilter(label=_("To"), field_name="event_date", lookup_expr="lte")
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="event_date", lookup_expr="year", min_value=1990, max_value=2100
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"),
        choices=[("relevance", _("Relevance")), ("newest", _("Newest")), ("oldest", _("Oldest"))],
        method="filter_noop",
        empty_label=None,
    )

    class Meta:
        model = Article
        fields: list[str] = []

    # -- filter methods -----------------------------------------------------------

    def filter_noop(self, queryset, name, value):
        return queryset  # applied in filter_queryset, which sees the whole form

    def filter_search(self, queryset, name, value):
        if not value:
            return queryset
        # Never ranked here: Listing.ordered() ranks a bounded candidate set.
        return apply_search(queryset, self.search, rank=False)

    def filter_linked(self, queryset, name, value):
        if not value:
            return queryset
        if name == "company" and self.form.cleaned_data.get("main_company_only"):
            return queryset.filter(main_company__in=value)
        return queryset.filter(row_condition(name, value, main_only=False, prefix=ROW))

    def filter_excluded(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(row_condition(name, value, main_only=False, prefix=ROW))

    # -- state --------------------------------------------------------------------

    @property
    def search(self):
        if not hasattr(self, "_search"):
            self._search = search_for(self.form.cleaned_data.get("q") or "")
        return self._search

    @property
    def has_query(self) -> bool:
        return bool((self.form.cleaned_data.get("q") or "").strip())

    @property
    def ordering(self) -> str:
        chosen = self.form.cleaned_data.get("sort")
        searchable = self.has_query and not self.search.is_empty
        if chosen == "relevance" and not searchable:
            return "newest"
        return chosen or ("relevance" if searchable else "newest")

    def queryset_without(self, skip: str) -> QuerySet:
        """The articles under every active filter except ``skip``, unordered and unranked."""
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name != skip:
                queryset = self.filters[name].filter(queryset, value)
        return queryset.order_by()

    def facet_rows_without(self, *skip: str, sampled: bool = False) -> QuerySet:
        """The facet rows of ``queryset_without(skip)``'s articles, read without the articles.

        Assumes the filterset's base queryset is the published articles (the listing's).
        Several names: every filter but those. ``sampled``: only the fixed sample's rows
        (articles.models.sampling), on both sides of a search.
        """
        data = self.form.cleaned_data
        main_only = bool(data.get("main_company_only"))
        rows = ArticleFacetRow.objects.published()
        if sampled:
            rows = rows.sampled()
        for name, value in data.items():
            if name in skip:
                continue
            if name == "q" and value:
                matching = apply_search(Article.objects.all(), self.search, rank=False)
                if sampled:
                    matching = matching.sampled()
                rows = rows.filter(article__in=matching.values("pk"))
                continue
            condition = row_condition(name, value, main_only=main_only)
            if condition is not None:
                rows = rows.filter(condition)
        return rows

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        # "relevance" is ordered by Listing.ordered() (articles.search.RelevanceOrder),
        # which ranks the newest matches: this is its candidate order.
        if self.ordering == "oldest":
            return queryset.order_by("event_date", "id")
        return queryset.newest_first()


@dataclass(frozen=True)
class FacetSpec:
    param: str
    label: str
    model: type | None  # None: event types (choices)


FACETS = (
    FacetSpec("company", _("Companies"), Company),
    FacetSpec("industry", _("Industries"), Industry),
    FacetSpec("technology", _("Technologies"), Technology),
    FacetSpec("keyword", _("Keywords"), Keyword),
    FacetSpec("event_type", _("Event types"), None),
)
