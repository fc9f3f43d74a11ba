"""The article list and its feed, CSV and JSON: one FilterSet, four renderings."""

from __future__ import annotations

import copy
import csv
import logging
from functools import partial, wraps

from django.contrib.syndication.views import Feed
from django.db import DatabaseError, transaction
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from articles.facets import compute_facets
from articles.listing import bad_request, resolve_listing
from articles.middleware import UNAVAILABLE
from articles.models import Article
from articles.models.sampling import SAMPLE_EVERY
from articles.pagination import ListingPaginator, ResultCount
from articles.routing import read_alias
from articles.safejson import HtmlSafeJSONEncoder
from articles.suggestions import near_spellings
from articles.text.highlight import find_matches, highlight, snippet

PAGE_SIZE = 20
JSON_PAGE_SIZE = 50
FEED_ITEMS = 50
CSV_MAX_ROWS = 50_000  # documented cap of one CSV download
SEARCH_FIELDS = (("title", "title"), ("event_summary", "event summary"), ("summary", "summary"))


logger = logging.getLogger(__name__)


def isolated(view):
    """Run a listing view in a transaction of its own (a savepoint inside an open one).

    A query the database refuses (say a search it cannot run) rolls back only this
    savepoint, so the request's connection stays usable, and the reader gets a 400 page.
    An unavailable database (OperationalError, e.g. a statement timeout) is re-raised
    for articles.middleware, which answers 503. The transaction is on the server the
    request reads from (a replica for public pages, articles.routing).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            with transaction.atomic(using=read_alias()):
                return view(request, *args, **kwargs)
        except UNAVAILABLE:
            raise
        except DatabaseError as exc:
            logger.warning("listing query failed for %s: %s", request.get_full_path(), exc)
            return bad_request(request, _("The archive could not run this search or filter."))

    return wrapper


def _page_number(listing) -> str:
    return dict(listing.params).get("page", "1")


@isolated
def article_list(request):
    listing = resolve_listing(request)
    if isinstance(listing, HttpResponse):
        return listing
    page = _paginate(listing, PAGE_SIZE, lambda articles: articles.for_cards())
    terms = listing.filterset.search.terms if listing.search_text else []
    results = [_result(article, terms) for article in page.object_list]
    facets = compute_facets(listing.filterset, listing.params)
    context = {
        "listing": listing,
        "page": page,
        "results": results,
        "facets": facets,
        "facets_estimated": any(facet.estimated for facet in facets),
        "sample_every": SAMPLE_EVERY,
        "title": listing.describe(page.paginator.counted),
        "search_text": listing.search_text,
        "suggestions": near_spellings(listing.search_text) if not results and terms else [],
    }
    return render(request, "articles/list.html", context)


def _paginate(listing, per_page: int, prepare):
    """One page of the view: counted exactly up to a limit, estimated above it
    (articles.pagination), in the view's order (relevance: a bounded ranked head)."""
    articles = listing.ordered(prepare)
    known = getattr(articles, "known_total", None)  # a search with few matches
    counted = ResultCount(known) if known is not None else listing.count()
    paginator = ListingPaginator(
        articles, per_page, counted, recount=listing.queryset.order_by().count
    )
    return paginator.get_page(_page_number(listing))


def _result(article: Article, terms: list[str]) -> dict:
    if not terms:
        return {"article": article, "snippet": None, "title_html": None, "matched": []}
    # Each field is normalised and searched once; highlight() and snippet() reuse it.
    spans = {field: find_matches(getattr(article, field), terms) for field, _ in SEARCH_FIELDS}
    matched = [label for field, label in SEARCH_FIELDS if spans[field]]
    if "summary" in matched or not article.event_summary:
        source, source_spans = article.summary, spans["summary"]
    else:
        source, source_spans = article.event_summary, spans["event_summary"]
    return {
        "article": article,
        # highlight() and snippet() escape the text first, then add <mark> themselves.
        "title_html": mark_safe(highlight(article.title, terms, spans=spans["title"])),  # noqa: S308
        "snippet": mark_safe(snippet(source, terms, spans=source_spans)),  # noqa: S308
        "matched": matched,
    }


def _absolute(request, path: str, params) -> str:
    from articles import querystring

    encoded = querystring.encode(params)
    return request.build_absolute_uri(path + (f"?{encoded}" if encoded else ""))


@isolated
def article_json(request):
    listing = resolve_listing(request)
    if isinstance(listing, HttpResponse):
        return listing
    page = _paginate(
        listing,
        JSON_PAGE_SIZE,
        lambda articles: articles.select_related("main_company").prefetch_related("companies"),
    )
    path = reverse("articles:json")

    def page_url(number):
        params = [(k, v) for k, v in listing.params if k != "page"]
        if number > 1:
            params.append(("page", str(number)))
        return _absolute(request, path, params)

    return JsonResponse(
        {
            "title": listing.describe(page.paginator.counted),
            # Exact up to LISTING_EXACT_COUNT_LIMIT matches, PostgreSQL's estimate above
            # it; "count_is_estimate" says which (the title says "about" too).
            "count": page.paginator.counted.value,
            "count_is_estimate": page.paginator.counted.estimated,
            "page": page.number,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "results": [_json_item(request, article) for article in page.object_list],
        },
        encoder=HtmlSafeJSONEncoder,  # "<script>" in a title is sent as "\u003cscript\u003e"
        json_dumps_params={"ensure_ascii": False},
    )


def _json_item(request, article: Article) -> dict:
    return {
        "id": article.pk,
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "title": article.title,
        "link": article.url,
        "source_domain": article.source_domain,
        "event_type": article.event_type,
        "event_date": article.event_date.isoformat() if article.event_date else None,
        "main_company": article.main_company.slug if article.main_company else None,
        "companies": [company.slug for company in article.companies.all()],
    }


class _Echo:
    def write(self, value):
        return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


CSV_FIELDS = (
    "pk",
    "title",
    "url",
    "event_type",
    "event_date",
    "main_company__name",
    "source_domain",
)
CSV_HEADER = ["id", "title", "link", "event_type", "event_date", "main_company", "source_domain"]


def article_csv(request):
    listing = resolve_listing(request)
    if isinstance(listing, HttpResponse):
        return listing
    rows = listing.ordered(lambda articles: articles.values_list(*CSV_FIELDS)).iterator(
        chunk_size=2000
    )
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff" + writer.writerow(CSV_HEADER)  # BOM: spreadsheets then read UTF-8
        for count, row in enumerate(rows):
            if count >= CSV_MAX_ROWS:
                break
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="articles.csv"'
    return response


class ArticleFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        listing = resolve_listing(request)
        if isinstance(listing, HttpResponse):
            return listing
        # The Feed instance is shared by all requests: keep per-request state on a copy.
        feed = copy.copy(self)
        feed._listing = listing
        return isolated(partial(Feed.__call__, feed))(request, *args, **kwargs)

    def get_object(self, request):
        return self._listing

    def title(self, listing):
        return _("AI Industry News Archive") + " — " + listing.describe()

    def link(self, listing):
        encoded = listing.query_string
        return reverse("articles:list") + (f"?{encoded}" if encoded else "")

    def subtitle(self, listing):
        return listing.describe()

    def items(self, listing):
        return (
            listing.queryset.order_by().newest_first().select_related("main_company")[:FEED_ITEMS]
        )

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        # Atom carries this as type="html": escape so readers show text, never markup.
        return escape(article.event_summary or article.summary[:500])

    def item_link(self, article):
        return article.get_absolute_url()

    def item_updateddate(self, article):
        return article.updated_at

    def item_pubdate(self, article):
        return article.created_at
