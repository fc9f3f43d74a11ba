"""The article list's filters: one FilterSet behind the list, feeds and exports.

Values are stable slugs. Within one dimension values are ORed, across dimensions
ANDed. ``FacetSpec`` describes each facet dimension so facet counts can be
computed with every *other* filter applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from articles.models import (
    Article,
    ArticleCompany,
    ArticleIndustry,
    ArticleKeyword,
    ArticleTechnology,
    Company,
    EventType,
    Industry,
    Keyword,
    Technology,
)
from articles.search import apply_search, compile_search

MAX_FILTER_VALUES = 20  # more than this is a crawler, not a reader: 400


class SlugMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Repeatable ``?company=a&company=b``; unknown slugs are a validation error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("method", "filter_linked")
        super().__init__(*args, **kwargs)


def linked_to(link_model, field: str, values) -> Exists:
    return Exists(link_model.objects.filter(article=OuterRef("pk"), **{f"{field}__in": values}))


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
        link_model, field = LINKS[name]
        return queryset.filter(linked_to(link_model, field, value))

    def filter_excluded(self, queryset, name, value):
        if not value:
            return queryset
        link_model, field = LINKS[name.removeprefix("exclude_")]
        return queryset.exclude(linked_to(link_model, field, value))

    # -- state --------------------------------------------------------------------

    @property
    def search(self):
        if not hasattr(self, "_search"):
            self._search = compile_search(self.form.cleaned_data.get("q") or "")
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
        self._unranked = True
        try:
            for name, value in self.form.cleaned_data.items():
                if name != skip:
                    queryset = self.filters[name].filter(queryset, value)
        finally:
            self._unranked = False
        return queryset.order_by()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        # "relevance" is ordered by Listing.ordered() (articles.search.RelevanceOrder),
        # which ranks the newest matches: this is its candidate order.
        if self.ordering == "oldest":
            return queryset.order_by("event_date", "id")
        return queryset.newest_first()


LINKS = {
    "company": (ArticleCompany, "company"),
    "industry": (ArticleIndustry, "tag"),
    "technology": (ArticleTechnology, "tag"),
    "keyword": (ArticleKeyword, "tag"),
}


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
