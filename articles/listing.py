"""What every list-shaped view shares: the canonical URL, the FilterSet, words for it.

``resolve_listing(request)`` returns either a response to send as is (a redirect
to the canonical URL, or a 400 explaining a bad request) or a ``Listing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.aggregate_cache import cached
from articles.facets import filter_key
from articles.filters import MAX_FILTER_VALUES, ArticleFilter
from articles.models import Article, EventType, SlugRedirect
from articles.pagination import ResultCount, count_results
from articles.search import RelevanceOrder

from . import querystring

REDIRECT_KINDS = {
    "company": "company",
    "exclude_company": "company",
    "industry": "industry",
    "exclude_industry": "industry",
    "technology": "technology",
    "keyword": "keyword",
}
NOINDEX_ABOVE = 2  # filter values; deeper combinations are not for search engines


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


@dataclass
class Listing:
    params: list[tuple[str, str]]
    filterset: ArticleFilter

    @property
    def queryset(self):
        return self.filterset.qs

    def ordered(self, prepare=None):
        """The view's articles in its order, for a Paginator or a streaming export.

        ``prepare`` adds what a page needs (``select_related``, prefetches…). Relevance
        is ranked over a bounded candidate set (articles.search.RelevanceOrder).
        """
        if self.filterset.ordering == "relevance":
            filters = filter_key(self.filterset)
            return RelevanceOrder(
                self.queryset,
                self.filterset.search,
                prepare=prepare,
                # Ranked ids per filters, search and data version (aggregate_cache).
                head_cache=lambda key, compute: cached("relevance_head", (filters, *key), compute),
            )
        return prepare(self.queryset) if prepare else self.queryset

    def count(self) -> ResultCount:
        """How many articles the view holds: exact up to a limit, estimated above.

        Cached per filter combination and data version, like the facet counts.
        """
        searching = self.filterset.has_query and not self.filterset.search.is_empty
        return cached(
            "result_count",
            filter_key(self.filterset),
            lambda: count_results(self.queryset, searching=searching),
        )

    @property
    def query_string(self) -> str:
        return querystring.encode(self.params)

    def url_with(self, params) -> str:
        encoded = querystring.encode(params)
        return f"?{encoded}" if encoded else "?"

    @property
    def filter_params(self) -> list[tuple[str, str]]:
        return [(key, value) for key, value in self.params if key != "page"]

    @property
    def noindex(self) -> bool:
        return querystring.filter_value_count(self.params) > NOINDEX_ABOVE or any(
            key in {"exclude_company", "exclude_industry", "date_from", "date_to", "page"}
            for key, _ in self.params
        )

    @property
    def search_text(self) -> str:
        return self.filterset.form.cleaned_data.get("q") or ""

    def _names(self) -> dict[tuple[str, str], str]:
        """(param, slug) → display name, from the objects the form already loaded."""
        names = {}
        data = self.filterset.form.cleaned_data
        for param in REDIRECT_KINDS:
            for obj in data.get(param) or []:
                names[(param, obj.slug)] = obj.name
        labels = dict(EventType.choices)
        for value in data.get("event_type") or []:
            names[("event_type", value)] = str(labels.get(value, value))
        return names

    @property
    def chips(self) -> list[Chip]:
        names = self._names()
        chips = []
        for key, value in self.filter_params:
            if key == "sort":
                continue
            label = names.get((key, value), value)
            if key.startswith("exclude_"):
                label = _("not %(name)s") % {"name": label}
            elif key == "q":
                label = _("“%(text)s”") % {"text": value}
            elif key == "main_company_only":
                label = _("main company only")
            elif key == "date_from":
                label = _("from %(date)s") % {"date": value}
            elif key == "date_to":
                label = _("until %(date)s") % {"date": value}
            elif key == "year":
                label = _("year %(year)s") % {"year": value}
            chips.append(Chip(label, self.url_with(querystring.without(self.params, key, value))))
        return chips

    def describe(self, count: int | ResultCount | None = None) -> str:
        """A human title, e.g. 腾讯 · 金融 · 产品发布 — 搜索“大模型” — 12 篇.

        An estimated count is labelled as one: 约 310,000 篇, about 310,000 articles.
        """
        names = self._names()
        parts = [
            names.get((key, value), value)
            if not key.startswith("exclude_")
            else _("not %(name)s") % {"name": names.get((key, value), value)}
            for key, value in self.filter_params
            if key in REDIRECT_KINDS or key == "event_type"
        ]
        data = self.filterset.form.cleaned_data
        if data.get("year"):
            parts.append(str(data["year"]))
        if data.get("date_from") or data.get("date_to"):
            parts.append(f"{data.get('date_from') or '…'} – {data.get('date_to') or '…'}")
        sections = [" · ".join(parts)] if parts else [_("All articles")]
        if self.search_text:
            sections.append(_("search “%(text)s”") % {"text": self.search_text})
        if count is not None:
            sections.append(count_text(count))
        return " — ".join(sections)


def count_text(count: int | ResultCount) -> str:
    if not isinstance(count, ResultCount):
        count = ResultCount(count)
    if count.estimated:
        shown = count.shown
        return ngettext("about %(count)s article", "about %(count)s articles", shown) % {
            "count": number_format(shown, force_grouping=True)
        }
    return ngettext("%(count)s article", "%(count)s articles", count.value) % {"count": count.value}


def bad_request(request, message: str, errors=None) -> HttpResponse:
    html = render_to_string(
        "articles/bad_request.html", {"message": message, "errors": errors or {}}, request
    )
    return HttpResponse(html, status=400)


def _redirected_slugs(params) -> list[tuple[str, str]] | None:
    """Params with merged/renamed slugs replaced by the survivors', or None if none."""
    wanted = {(REDIRECT_KINDS[key], value) for key, value in params if key in REDIRECT_KINDS}
    if not wanted:
        return None
    redirects = SlugRedirect.objects.filter(
        kind__in={kind for kind, _ in wanted}, old_slug__in={value for _, value in wanted}
    )
    targets = {(r.kind, r.old_slug): (r.kind, r.target_id) for r in redirects}
    if not targets:
        return None
    from articles.models import Company, Industry, Keyword, Technology

    models = {
        "company": Company,
        "industry": Industry,
        "technology": Technology,
        "keyword": Keyword,
    }
    slugs = {}
    for kind, target_id in set(targets.values()):
        slug = models[kind].objects.filter(pk=target_id).values_list("slug", flat=True).first()
        if slug:
            slugs[(kind, target_id)] = slug
    replaced = []
    for key, value in params:
        target = targets.get((REDIRECT_KINDS.get(key), value))
        replaced.append((key, slugs.get(target, value)) if target else (key, value))
    return replaced


def resolve_listing(request) -> HttpResponse | Listing:
    params = querystring.canonical_params(request.GET)
    if querystring.filter_value_count(params) > MAX_FILTER_VALUES:
        return bad_request(
            request,
            _("Too many filter values: at most %(max)s are allowed in one view.")
            % {"max": MAX_FILTER_VALUES},
        )
    given = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    if given != params:
        return HttpResponsePermanentRedirect(request.path + _query(params))
    filterset = ArticleFilter(
        querystring.to_querydict(params), queryset=Article.objects.published()
    )
    if not filterset.is_valid():
        replaced = _redirected_slugs(params)
        if replaced is not None and replaced != params:
            canonical = querystring.canonical_params(querystring.to_querydict(replaced))
            return HttpResponsePermanentRedirect(request.path + _query(canonical))
        return bad_request(
            request, _("This view's address has values we cannot use."), filterset.errors
        )
    return Listing(params, filterset)


def _query(params) -> str:
    encoded = querystring.encode(params)
    return f"?{encoded}" if encoded else ""
