"""A search page's facets (one statement, articles.search_facets) equal the true counts.

Truth: plain ORM ``Count`` over the link tables of the matching articles under every
other filter (tests/performance/truth.py), for searches with and without filters.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.cache import caches
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import aggregate_cache
from articles.dictionary import search_for
from articles.facets import MORE, all_counts
from articles.filters import ArticleFilter
from articles.models import ArticleCompany, Company
from articles.models.sampling import SAMPLE_BLOCK, SAMPLE_EVERY
from articles.pagination import scaled
from tests.performance.truth import shown_counts, true_counts

from .conftest import term_matching


@pytest.fixture(autouse=True)
def _empty_cache():
    aggregate_cache._cache().clear()  # each page computes its facets


def facets_of(client, query: str) -> dict[str, dict[str, int]]:
    response = client.get(reverse("articles:list") + query, follow=True)
    assert response.status_code == 200
    return shown_counts(response.context["facets"])


def assert_top_of(shown: dict[str, int], truth: dict[str, int]) -> None:
    """``shown`` is the top ``MORE`` of ``truth``, each with its true count."""
    assert shown and all(truth.get(value) == n for value, n in shown.items())
    assert len(shown) == min(MORE, len(truth))
    cut = min(shown.values())
    assert all(n <= cut for value, n in truth.items() if value not in shown)


def assert_facets(shown, truth) -> None:
    assert shown.keys() == truth.keys()
    for param in truth:
        assert_top_of(shown[param], truth[param])


def test_search_facets_are_the_true_counts_of_the_matches(client, corpus):
    term, _ = term_matching(corpus, 20, 80)
    assert_facets(
        facets_of(client, f"?q={quote(term)}"), true_counts(corpus.search(search_for(term)))
    )


def test_search_facets_count_under_every_other_filter(client, corpus):
    term, _ = term_matching(corpus, 40, 120)
    matches = corpus.search(search_for(term))
    top = (
        ArticleCompany.objects.filter(article__in=matches)
        .values("company")
        .annotate(n=Count("pk"))
        .order_by("-n", "company")
        .first()
    )
    company = Company.objects.get(pk=top["company"])
    with_company = matches.filter(company_links__company=company)
    event_type = with_company.order_by("id").values_list("event_type", flat=True).first()
    shown = facets_of(client, f"?q={quote(term)}&company={company.slug}&event_type={event_type}")
    both = with_company.filter(event_type=event_type)
    assert_top_of(shown["company"], true_counts(matches.filter(event_type=event_type))["company"])
    assert_top_of(shown["event_type"], true_counts(with_company)["event_type"])
    assert_top_of(shown["industry"], true_counts(both)["industry"])
    assert_top_of(shown["keyword"], true_counts(both)["keyword"])
    excluded = facets_of(client, f"?q={quote(term)}&exclude_company={company.slug}")
    assert_facets(excluded, true_counts(matches.exclude(company_links__company=company)))


def test_main_company_only_counts_the_matches_main_companies(client, corpus):
    term, _ = term_matching(corpus, 20, 80)
    expected = dict(
        corpus.search(search_for(term))
        .exclude(main_company=None)
        .order_by()
        .values_list("main_company__slug")
        .annotate(n=Count("pk"))
    )
    assert_top_of(facets_of(client, f"?q={quote(term)}&main_company_only=on")["company"], expected)


def test_the_search_is_matched_once_for_all_facets(corpus):
    term, _ = term_matching(corpus, 20, 80)
    filterset = ArticleFilter({"q": term}, queryset=corpus)
    assert filterset.is_valid()
    with CaptureQueriesContext(connection) as captured:
        counts = all_counts(filterset)
    assert all(counted.values for counted in counts.values())
    run = [query["sql"] for query in captured if not query["sql"].startswith("EXPLAIN")]
    matching = [sql for sql in run if "@@" in sql]  # EXPLAIN only plans: it reads nothing
    assert len(matching) == 1 and matching[0].count("@@") == 1


# -- estimated facets above a size: counted over the fixed sample -----------------------


def in_sample(pk: int) -> bool:
    return (pk // SAMPLE_BLOCK) % SAMPLE_EVERY == 0  # independently of the SQL expression


def sampled_truth(articles) -> dict[str, dict[str, int]]:
    sample = [pk for pk in articles.values_list("pk", flat=True) if in_sample(pk)]
    assert sample, "the corpus must cover a block of the sample"
    truth = true_counts(articles.filter(pk__in=sample))
    return {
        param: {v: n * SAMPLE_EVERY for v, n in counts.items()} for param, counts in truth.items()
    }


def most_mentioned_company(corpus) -> Company:
    return (
        Company.objects.filter(article_links__article__in=corpus)
        .annotate(n=Count("article_links"))
        .order_by("-n", "slug")
        .first()
    )


def test_a_large_search_has_estimated_facets_from_the_sample(client, corpus, settings):
    settings.FACET_SAMPLE_ABOVE = 10
    term, _ = term_matching(corpus, 40, 200)
    response = client.get(f"/articles/?q={quote(term)}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert all(facet.estimated for facet in response.context["facets"])
    assert_facets(
        shown_counts(response.context["facets"]), sampled_truth(corpus.search(search_for(term)))
    )
    html = response.content.decode()
    assert "约 " in html and "抽取 1 篇的样本估算" in html


def test_a_large_filtered_view_estimates_only_the_narrowed_dimensions(client, corpus, settings):
    settings.FACET_SAMPLE_ABOVE = 10
    company = most_mentioned_company(corpus)
    assert company.n > 10
    response = client.get(f"/articles/?company={company.slug}")
    facets = {facet.spec.param: facet for facet in response.context["facets"]}
    shown = shown_counts(facets.values())
    assert not facets["company"].estimated  # no other filter: the exact published counts
    assert_top_of(shown["company"], true_counts(corpus)["company"])
    with_company = corpus.filter(company_links__company=company)
    for param in ("industry", "technology", "keyword", "event_type"):
        assert facets[param].estimated
        assert_top_of(shown[param], sampled_truth(with_company)[param])


def test_small_views_keep_exact_facets(client, corpus):
    term, _ = term_matching(corpus, 20, 80)
    response = client.get(f"/articles/?q={quote(term)}")
    assert not any(facet.estimated for facet in response.context["facets"])
    assert "about" not in response.content.decode().split('class="facets"')[1]


def test_a_large_company_page_estimates_its_breakdowns_but_not_its_count(client, corpus, settings):
    # The setting is not in a cached page's version (a deploy that changes it restarts
    # the processes, which empties their page caches): start each read afresh.
    caches["pages"].clear()
    settings.FACET_SAMPLE_ABOVE = 10
    company = most_mentioned_company(corpus)
    response = client.get(company.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    context = response.context
    mentioning = corpus.filter(company_links__company=company)
    assert context["estimated"] and context["article_count"] == mentioning.count()
    sample = [pk for pk in mentioning.values_list("pk", flat=True) if in_sample(pk)]
    truth = true_counts(mentioning.filter(pk__in=sample))
    for key, param in (("technologies", "technology"), ("industries", "industry")):
        shown = {tag.slug: tag.article_count for tag in context[key]}
        assert shown and all(n == scaled(truth[param][slug]) for slug, n in shown.items())
    html = response.content.decode()
    assert "约 " in html and "抽取 1 篇的样本估算" in html
    settings.FACET_SAMPLE_ABOVE = 10**9
    caches["pages"].clear()
    exact = client.get(company.get_absolute_url()).context
    assert not exact["estimated"]
    assert {t.slug: t.article_count for t in exact["technologies"]} == {
        slug: n
        for slug, n in true_counts(mentioning)["technology"].items()
        if slug in {t.slug for t in exact["technologies"]}
    }
