"""A search page's facets (one statement, articles.search_facets) equal the true counts.

Truth: plain ORM ``Count`` over the link tables of the matching articles under every
other filter (tests/performance/truth.py), for searches with and without filters.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import aggregate_cache
from articles.facets import MORE, all_counts
from articles.filters import ArticleFilter
from articles.models import ArticleCompany, Company
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
    assert_facets(facets_of(client, f"?q={quote(term)}"), true_counts(corpus.search(term)))


def test_search_facets_count_under_every_other_filter(client, corpus):
    term, _ = term_matching(corpus, 40, 120)
    matches = corpus.search(term)
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
        corpus.search(term)
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
    assert all(counts.values())
    matching = [query["sql"] for query in captured if "@@" in query["sql"]]
    assert len(matching) == 1 and matching[0].count("@@") == 1
