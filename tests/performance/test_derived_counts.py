"""The derived facet rows and the cached counts stay equal to the true counts.

Truth is computed independently (tests/performance/truth.py: plain ORM ``Count`` over
the link tables). Every check renders the pages again, so a stale cache entry fails.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.urls import reverse

from articles import curation, denormalized
from articles.models import (
    Article,
    ArticleCompany,
    ArticleKeyword,
    Company,
    DataVersion,
    FacetCount,
    Industry,
    Keyword,
)

from .truth import DIMENSIONS, derived_rows, shown_counts, true_counts, true_rows

pytestmark = pytest.mark.django_db


def published_counts() -> dict[str, dict[str, int]]:
    """The trigger-kept FacetCount table, by slug as ``true_counts`` gives it."""
    counts = {"event_type": dict(FacetCount.objects.top("event_type"))}
    for name, (model, _, _) in DIMENSIONS.items():
        objects = model.objects.in_bulk()
        counts[name] = {objects[int(key)].slug: n for key, n in FacetCount.objects.top(name)}
    return counts


def list_counts(client, query: str = "") -> dict[str, dict[str, int]]:
    response = client.get(reverse("articles:list") + query, follow=True)
    assert response.status_code == 200
    return shown_counts(response.context["facets"])


def assert_everything_true(client) -> None:
    assert derived_rows() == true_rows()
    truth = true_counts()
    assert published_counts() == truth
    months = Article.objects.published().filter(event_date__isnull=False)
    assert FacetCount.objects.top("month") and {
        key: n for key, n in FacetCount.objects.top("month") if key
    } == {
        month.isoformat(): n
        for month, n in months.annotate(m=TruncMonth("event_date"))
        .order_by()
        .values_list("m")
        .annotate(n=Count("pk"))
    }
    assert list_counts(client) == truth

    home = client.get(reverse("articles:home")).context
    companies = truth["company"]
    assert_top(home["top_companies"], companies)
    assert_top(home["top_industries"], truth["industry"])
    assert dict((v, n) for v, _, n in home["top_event_types"]) == truth["event_type"]

    index = client.get(reverse("articles:company_index")).context["companies"]
    assert {c.slug: c.article_count for c in index if c.article_count} == companies

    for kind, url in (("keyword", "keyword_index"), ("industry", "industry_index")):
        page = client.get(reverse(f"articles:{url}")).context["page"]
        assert {tag.slug: tag.article_count for tag in page.object_list} == truth[kind]

    for company in Company.objects.filter(slug__in=companies):
        mentioning = Article.objects.published().filter(company_links__company=company)
        context = client.get(company.get_absolute_url()).context
        assert context["article_count"] == mentioning.count() == companies[company.slug]
        expected = true_counts(mentioning)
        assert_top(context["technologies"], expected["technology"])
        assert_top(context["industries"], expected["industry"])
        others = {slug: n for slug, n in expected["company"].items() if slug != company.slug}
        assert_top(context["co_mentioned"], others)


def assert_top(shown, truth: dict[str, int], limit: int = 10) -> None:
    """``shown`` are the top ``limit`` of ``truth`` with their true counts, most first."""
    assert [(obj.slug, obj.article_count) for obj in shown] == sorted(
        ((obj.slug, truth[obj.slug]) for obj in shown), key=lambda item: -item[1]
    )
    assert len(shown) == min(limit, len(truth))
    cut = min((obj.article_count for obj in shown), default=0)
    assert all(n <= cut for slug, n in truth.items() if slug not in {o.slug for o in shown})


def test_counts_are_true_after_import(client, sample):
    assert len(derived_rows()) == len(sample)
    assert_everything_true(client)


def test_filtered_facets_count_under_every_other_filter(client, sample):
    baidu = Company.objects.get(slug="baidu")
    keyword = ArticleKeyword.objects.filter(article__company_links__company=baidu).first().tag
    query = f"?company=baidu&keyword={keyword.slug}"
    shown = list_counts(client, query)
    published = Article.objects.published()
    with_baidu = published.filter(company_links__company=baidu)
    with_keyword = published.filter(keyword_links__tag=keyword)
    both = with_baidu.filter(keyword_links__tag=keyword)
    assert shown["company"] == true_counts(with_keyword)["company"]
    assert shown["keyword"] == true_counts(with_baidu)["keyword"]
    assert shown["industry"] == true_counts(both)["industry"]
    assert shown["event_type"] == true_counts(both)["event_type"]
    excluded = list_counts(client, "?exclude_company=baidu")
    assert (
        excluded["keyword"]
        == true_counts(published.exclude(company_links__company=baidu))["keyword"]
    )


def test_admin_edit_of_tags_and_companies_updates_the_counts(curator_client, client, sample):
    from tests.admin.conftest import form_data

    assert_everything_true(client)  # fills the cache
    article = sample["001_baidu_ernie_bot_launch.txt"]
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data(curator_client.get(url))
    company_prefix = next(k[: -len("-TOTAL_FORMS")] for k in data if "company_links" in k)
    keyword_prefix = next(k[: -len("-TOTAL_FORMS")] for k in data if "keyword_links" in k)
    data[f"{company_prefix}-0-DELETE"] = "on"
    data[f"{keyword_prefix}-0-DELETE"] = "on"
    new_keyword = Keyword.objects.create(name="新关键词")
    total = int(data[f"{keyword_prefix}-TOTAL_FORMS"])
    data[f"{keyword_prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{keyword_prefix}-{total}-tag"] = str(new_keyword.pk)
    data[f"{keyword_prefix}-{total}-position"] = ""
    data[f"{keyword_prefix}-{total}-article"] = str(article.pk)
    data["event_type"] = "research"
    response = curator_client.post(url, data)
    assert response.status_code == 302
    assert ArticleKeyword.objects.filter(article=article, tag=new_keyword).exists()
    assert_everything_true(client)
    assert list_counts(client)["keyword"]["新关键词"] == 1


def test_merges_update_the_counts(client, curator, sample):
    assert_everything_true(client)
    survivor, merged = Company.objects.get(slug="baidu"), Company.objects.get(slug="zhipu-ai")
    curation.merge_companies(survivor, merged, user=curator)
    assert_everything_true(client)
    tags = list(Keyword.objects.filter(article_links__isnull=False).distinct()[:2])
    curation.merge_tags(tags[0], tags[1], user=curator)
    assert_everything_true(client)
    industries = list(Industry.objects.filter(article_links__isnull=False).distinct()[:2])
    curation.merge_tags(industries[0], industries[1], user=curator)
    assert_everything_true(client)


def test_hide_publish_and_deletes_update_the_counts(client, curator, sample):
    assert_everything_true(client)
    article = sample["005_openai_gpt4o_launch.txt"]
    curation.hide_articles([article.pk], user=curator)
    assert_everything_true(client)
    curation.publish_articles([article.pk], user=curator)
    assert_everything_true(client)
    sample["022_china_genai_interim_measures.txt"].delete()
    assert_everything_true(client)
    Keyword.objects.filter(article_links__isnull=False).first().delete()
    assert_everything_true(client)
    Company.objects.filter(article_links__isnull=False).order_by("pk").first().delete()
    assert_everything_true(client)
    ArticleCompany.objects.filter(article=sample["039_zhipu_ai_funding_2023.txt"]).delete()
    assert_everything_true(client)


def test_every_write_changes_the_data_version(sample, curator):
    before = DataVersion.current()
    curation.hide_articles([sample["005_openai_gpt4o_launch.txt"].pk], user=curator)
    hidden = DataVersion.current()
    ArticleKeyword.objects.filter(article=sample["001_baidu_ernie_bot_launch.txt"]).delete()
    assert len({before, hidden, DataVersion.current()}) == 3


def test_rebuild_all_restores_rows_written_without_triggers(client, sample):
    article = sample["001_baidu_ernie_bot_launch.txt"]
    keyword = Keyword.objects.create(name="绕过触发器")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # as a bulk loader may
        try:
            ArticleKeyword.objects.create(article=article, tag=keyword, position=99)
            Article.objects.filter(pk=article.pk).update(event_type="legal")
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert derived_rows() != true_rows()
    assert denormalized.rebuild_all() == len(sample)
    assert_everything_true(client)
    assert list_counts(client)["keyword"]["绕过触发器"] == 1


def test_a_selected_value_is_shown_with_the_top_ones():
    from articles.facets import TOP, Facet, FacetValue
    from articles.filters import FACETS

    values = [FacetValue(str(i), str(i), 100 - i, i == TOP + 2, "?") for i in range(TOP + 5)]
    facet = Facet(FACETS[0], values)
    assert [v.slug for v in facet.top] == [str(i) for i in range(TOP)] + [str(TOP + 2)]
    assert str(TOP + 2) not in [v.slug for v in facet.more] and len(facet.more) == 4


def test_the_cached_result_count_is_the_listings_count(client, curator, sample):
    from django.http import QueryDict

    from articles.filters import ArticleFilter

    def both(query: str) -> tuple[int, int]:
        filterset = ArticleFilter(QueryDict(query), queryset=Article.objects.published())
        assert filterset.is_valid(), filterset.errors
        shown = client.get(f"/articles.json?{query}", follow=True).json()
        assert shown["count_is_estimate"] is False
        return shown["count"], filterset.qs.count()

    queries = ["", "company=baidu", "exclude_company=baidu&event_type=launch", "q=模型"]
    for query in queries:
        counted, true = both(query)
        assert counted == true, query
    curation.hide_articles([sample["001_baidu_ernie_bot_launch.txt"].pk], user=curator)
    for query in queries:
        counted, true = both(query)
        assert counted == true, query
