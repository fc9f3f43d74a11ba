"""The public pages other than the article list. Queries live on QuerySet methods.

Counts and timelines come from articles.page_aggregates (derived rows, cached).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import company_page, detail_page
from articles.charts import timeline_svg
from articles.models import (
    Article,
    Company,
    Event,
    EventType,
    SlugKind,
    SlugRedirect,
)
from articles.page_aggregates import (
    TAG_MODELS,
    published_counts,
    tag_order,
    with_counts,
)

LATEST = 20
TOP = 10
TAGS_PER_PAGE = 200
ARTICLES_PER_EVENT = 500

TAG_PAGES = {
    # kind: (heading, filter parameter of the article list)
    "industry": (gettext_lazy("Industries"), "industry"),
    "technology": (gettext_lazy("Technologies"), "technology"),
    "keyword": (gettext_lazy("Keywords"), "keyword"),
}


def published():
    return Article.objects.published()


def event_type_label(value: str):
    return dict(EventType.choices).get(value, value)


def home(request):
    counts = published_counts("company", "industry", "event_type", "monthly")
    event_types = sorted(counts["event_type"].items(), key=lambda item: -item[1])
    return render(
        request,
        "articles/home.html",
        {
            "latest": published().newest_first().for_cards()[:LATEST],
            "top_companies": with_counts(Company.objects.all(), counts["company"], TOP),
            "top_industries": with_counts(
                TAG_MODELS["industry"].objects.all(), counts["industry"], TOP
            ),
            "top_event_types": [
                (value, event_type_label(value), count) for value, count in event_types[:TOP]
            ],
            "timeline": timeline_svg(
                counts["monthly"], title=_("Articles per month"), chart_id="timeline"
            ),
        },
    )


def article_detail(request, pk, slug=None):
    # One small query; the body is rendered only when something it shows has changed.
    version = detail_page.current_version(pk)
    if version is None:
        raise Http404
    if slug != version.slug:
        return redirect(version.url, permanent=True)
    return render(
        request,
        "articles/detail.html",
        {"title": version.title, "body": detail_page.body(version)},
    )


def company_index(request):
    counts = dict(published_counts("company")["company"])
    companies = Company.objects.all()
    category = request.GET.get("category", "")
    if category in Company.Category.values:
        companies = companies.filter(category=category)
    else:
        category = ""
    companies = list(companies)
    for company in companies:
        company.article_count = counts.get(company.pk, 0)
    companies.sort(key=lambda company: (-company.article_count, company.name))
    return render(
        request,
        "articles/company_index.html",
        {"companies": companies, "category": category, "categories": Company.Category.choices},
    )


def company_detail(request, slug):
    # One small query; the body is rendered only when something it shows has changed.
    version = company_page.current_version(slug)
    if version is None:
        old = SlugRedirect.objects.filter(kind=SlugKind.COMPANY, old_slug=slug).first()
        survivor = old and Company.objects.filter(pk=old.target_id).first()
        if not survivor:
            raise Http404(_("No such company."))
        return redirect(survivor, permanent=True)
    return render(
        request,
        "articles/company_detail.html",
        {"title": version.name, "body": company_page.body(version)},
    )


def tag_index(request, kind):
    heading, parameter = TAG_PAGES[kind]
    page = Paginator(tag_order(kind), TAGS_PER_PAGE).get_page(request.GET.get("page"))
    tags = TAG_MODELS[kind].objects.in_bulk([pk for pk, _ in page.object_list])
    page.object_list = [_counted(tags[pk], n) for pk, n in page.object_list if pk in tags]
    return render(
        request,
        "articles/tag_index.html",
        {"heading": heading, "parameter": parameter, "page": page, "kind": kind},
    )


def _counted(obj, count: int):
    obj.article_count = count
    return obj


def event_type_index(request):
    counts = published_counts("event_type")["event_type"]
    rows = []
    for value, label in EventType.choices:
        with translation.override("zh-hans"):
            label_zh = str(label)
        with translation.override("en"):
            label_en = str(label)
        rows.append((value, label, label_zh, label_en, counts.get(value, 0)))
    rows.sort(key=lambda row: -row[4])
    return render(request, "articles/event_type_index.html", {"event_types": rows})


def event_detail(request, pk):
    event = get_object_or_404(
        Event.objects.select_related("main_company").prefetch_related("companies"), pk=pk
    )
    articles = list(published().filter(event=event).newest_first().for_cards()[:ARTICLES_PER_EVENT])
    if not articles:  # only hidden articles: the event itself is not public
        raise Http404(_("No such event."))
    return render(request, "articles/event_detail.html", {"event": event, "articles": articles})
