"""The naive baseline: "the obvious Django version" of the list, its CSV and its feed.

It differs from the site in exactly the three ways issue 7 names, and renders the
same templates:

* search is ``icontains`` over title and summary (no tsvector, no ranking; newest
  first), and filters follow the many-to-many relations with a join and
  ``distinct()`` instead of ``EXISTS``;
* facets are ``Count`` annotations over the many-to-many tables
  (``Keyword.objects.filter(articles__in=…).annotate(Count("articles"))``);
* no extra indexes: ``bench.run`` drops every index Django would not create by itself
  (see ``extra_indexes``) inside a transaction, measures, and rolls back.

The feed has no search and no facets: the baseline is the site's own view under the
same dropped indexes. The article and company pages' baselines are the site's pages
rendered on every request, without the caches of ``articles.detail_page`` and
``articles.company_page``.
"""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from articles import company_page, querystring
from articles.detail_page import render_body
from articles.facets import MORE, Facet, FacetValue
from articles.filters import FACETS, ArticleFilter
from articles.listing import Listing, bad_request
from articles.models import Article, Company, EventType
from articles.views.listing import (
    CSV_HEADER,
    CSV_MAX_ROWS,
    PAGE_SIZE,
    _Echo,
    _page_number,
    _result,
    csv_cell,
)
from articles.views.listing import ArticleFeed as SiteFeed

RELATIONS = {
    "company": "companies",
    "industry": "industries",
    "technology": "technologies",
    "keyword": "keywords",
}


class NaiveArticleFilter(ArticleFilter):
    def filter_search(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))

    def filter_linked(self, queryset, name, value):
        if not value:
            return queryset
        if name == "company" and self.form.cleaned_data.get("main_company_only"):
            return queryset.filter(main_company__in=value)
        return queryset.filter(**{f"{RELATIONS[name]}__in": value}).distinct()

    def filter_excluded(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.exclude(**{f"{RELATIONS[name.removeprefix('exclude_')]}__in": value})

    @property
    def ordering(self) -> str:
        return "oldest" if self.form.cleaned_data.get("sort") == "oldest" else "newest"


def resolve_listing(request):
    params = querystring.canonical_params(request.GET)
    filterset = NaiveArticleFilter(
        querystring.to_querydict(params), queryset=Article.objects.published()
    )
    if not filterset.is_valid():
        return bad_request(request, "bad parameters", filterset.errors)
    return Listing(params, filterset)


def naive_facets(filterset: NaiveArticleFilter, params) -> list[Facet]:
    main_only = bool(filterset.form.cleaned_data.get("main_company_only"))
    facets = []
    for spec in FACETS:
        articles = filterset.queryset_without(spec.param)
        selected = {value for key, value in params if key == spec.param}
        if spec.model is None:
            labels = dict(EventType.choices)
            rows = articles.values_list("event_type").annotate(n=Count("id")).order_by("-n")
            named = [(key, str(labels.get(key, key)), n) for key, n in rows[:MORE]]
        elif spec.param == "company" and main_only:
            counted = spec.model.objects.filter(main_articles__in=articles).annotate(
                n=Count("main_articles")
            )
            named = [(o.slug, o.name, o.n) for o in counted.order_by("-n", "name")[:MORE]]
        else:
            counted = spec.model.objects.filter(articles__in=articles).annotate(n=Count("articles"))
            named = [(o.slug, o.name, o.n) for o in counted.order_by("-n", "name")[:MORE]]
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


def article_list(request):
    listing = resolve_listing(request)
    if isinstance(listing, HttpResponse):
        return listing
    page = Paginator(listing.queryset.for_cards(), PAGE_SIZE).get_page(_page_number(listing))
    text = listing.search_text
    terms = [text.lower()] if text else []
    context = {
        "listing": listing,
        "page": page,
        "results": [_result(article, terms) for article in page.object_list],
        "facets": naive_facets(listing.filterset, listing.params),
        "title": listing.describe(page.paginator.count),
        "search_text": text,
        "suggestions": [],
    }
    return render(request, "articles/list.html", context)


def article_csv(request):
    listing = resolve_listing(request)
    if isinstance(listing, HttpResponse):
        return listing
    rows = listing.queryset.values_list(
        "pk", "title", "url", "event_type", "event_date", "main_company__name", "source_domain"
    ).iterator(chunk_size=2000)
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff" + writer.writerow(CSV_HEADER)
        for count, row in enumerate(rows):
            if count >= CSV_MAX_ROWS:
                break
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="articles.csv"'
    return response


class ArticleFeed(SiteFeed):
    def __call__(self, request, *args, **kwargs):
        import copy

        from django.contrib.syndication.views import Feed

        listing = resolve_listing(request)
        if isinstance(listing, HttpResponse):
            return listing
        feed = copy.copy(self)
        feed._listing = listing
        return Feed.__call__(feed, request, *args, **kwargs)


def article_detail(request, pk, slug=None):
    """The article page rendered on every request: the site's view before its cache."""
    article = Article.objects.published().filter(pk=pk).only("title").first()
    if article is None:
        raise Http404
    return render(
        request, "articles/detail.html", {"title": article.title, "body": render_body(pk)}
    )


def company_detail(request, slug):
    """The company page rendered on every request: the site's view before its cache."""
    company = Company.objects.filter(slug=slug).only("name").first()
    if company is None:
        raise Http404
    return render(
        request,
        "articles/company_detail.html",
        {"title": company.name, "body": company_page.render_body(company.pk)},
    )


def extra_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the project's indexes that plain Django would not create.

    Django creates by itself: primary keys, unique constraints, and a single-column
    b-tree index (plus its ``_like`` twin for text) on each foreign key and on each
    ``db_index``/``unique`` field. Everything else is ours: composite, partial,
    expression and GIN indexes, and single-column indexes declared in ``Meta.indexes``
    on other columns.
    """
    from django.apps import apps

    default_columns: dict[str, set[str]] = {}
    for model in apps.get_app_config("articles").get_models(include_auto_created=True):
        columns = default_columns.setdefault(model._meta.db_table, set())
        for field in model._meta.local_fields:
            if field.is_relation or field.db_index or field.unique:
                columns.add(field.column)
    cursor.execute(
        """
        SELECT t.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
               am.amname, i.indnatts, i.indpred IS NOT NULL OR i.indexprs IS NOT NULL,
               (SELECT a.attname FROM pg_attribute a
                 WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0])
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_am am ON am.oid = ic.relam
        WHERE t.relname = ANY(%s) AND NOT i.indisprimary AND NOT i.indisunique
        ORDER BY 2
        """,
        [sorted(default_columns)],
    )
    extra = []
    for table, name, definition, method, columns, partial, first in cursor.fetchall():
        django_default = (
            method == "btree"
            and columns == 1
            and not partial
            and first in default_columns.get(table, ())
        )
        if not django_default:
            extra.append((name, definition))
    return extra
