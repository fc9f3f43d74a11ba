"""Publish/hide, re-enrich, and the company form's offer to re-enrich after new names."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from articles.dictionary import search_for
from articles.models import Article, ArticleCompany, Company, CompanyName

from .conftest import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


def act(client, action, articles):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [article.pk for article in articles]}
    )


def test_hide_then_publish_reflects_on_public_pages(curator_client, client, curator, sample):
    article = sample["005_openai_gpt4o_launch.txt"]
    other = sample["001_baidu_ernie_bot_launch.txt"]
    detail = article.get_absolute_url()
    assert client.get(detail).status_code == 200
    listing = client.get("/articles/", {"q": "GPT-4o"})
    assert detail in listing.content.decode()

    response = act(curator_client, "hide", [article])
    assert response.status_code == 302
    article.refresh_from_db()
    other.refresh_from_db()
    assert article.status == Article.Status.HIDDEN
    assert other.status == Article.Status.PUBLISHED
    assert LogEntry.objects.filter(
        user=curator, object_id=str(article.pk), change_message="Hidden."
    ).exists()

    client.logout()
    assert client.get(detail).status_code == 404
    path = f"/articles/{article.pk}"
    for page in ("/", "/articles/", "/articles/feed/", "/articles.json", "/companies/openai/"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert path not in response.content.decode(), page
    csv = b"".join(client.get("/articles.csv").streaming_content).decode()
    assert article.url not in csv and other.url in csv
    assert client.get("/articles.json").json()["count"] == len(sample) - 1
    assert other.get_absolute_url() in client.get("/articles/").content.decode()

    curator_client.force_login(curator)
    act(curator_client, "publish", [article])
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert client.get(detail).status_code == 200


def test_reenrich_action_restores_derived_fields_and_keeps_curated_ones(
    curator_client, curator, sample
):
    article = sample["039_zhipu_ai_funding_2023.txt"]
    fixed = sample["007_zhipu_chatglm_6b_open_source.txt"]
    zhipu, openai = Company.objects.get(slug="zhipu-ai"), Company.objects.get(slug="openai")
    expected = (article.main_company_id, article.event_type, article.event_date)
    Article.objects.filter(pk=article.pk).update(
        main_company=None, event_type="other", event_date=None, search_vector=None
    )
    ArticleCompany.objects.filter(article=article).delete()
    Article.objects.filter(pk=fixed.pk).update(main_company=openai, curated_fields=["main_company"])

    response = act(curator_client, "reenrich", [article, fixed])
    assert response.status_code == 302
    article.refresh_from_db()
    fixed.refresh_from_db()
    assert (article.main_company_id, article.event_type, article.event_date) == expected
    assert article.main_company_id == zhipu.pk
    assert ArticleCompany.objects.filter(article=article, company=zhipu, is_main=True).exists()
    assert Article.objects.search(search_for("融资")).filter(pk=article.pk).exists()
    assert fixed.main_company == openai  # curated: kept
    assert ArticleCompany.objects.get(article=fixed, company=openai).is_main
    assert not ArticleCompany.objects.get(article=fixed, company=zhipu).is_main
    assert LogEntry.objects.filter(user=curator, object_id=str(article.pk)).exists()


def test_new_alias_offers_reenrich_of_the_articles_that_mention_it(
    curator_client, sample, django_capture_on_commit_callbacks
):
    baidu = Company.objects.get(slug="baidu")
    measures = sample["022_china_genai_interim_measures.txt"]
    # 国家网信办 is in the measures article's keywords; make it (oddly) a Baidu product.
    assert not ArticleCompany.objects.filter(article=measures, company=baidu, mentions__gt=5)
    before = ArticleCompany.objects.get(article=measures, company=baidu).mentions
    url = reverse("admin:articles_company_change", args=[baidu.pk])
    data = form_data(curator_client.get(url))
    prefix = "names"
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-{total - 1}-name"] = "暂行办法"
    data[f"{prefix}-{total - 1}-kind"] = "product"
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert CompanyName.objects.get(normalized_name="暂行办法").company == baidu
    message = " ".join(str(m) for m in response.context["messages"])
    assert "暂行办法" in message and "Re-enrich the articles" in message

    reenrich = reverse("admin:articles_company_reenrich", args=[baidu.pk])
    confirm = curator_client.get(reenrich, {"name": "暂行办法"})
    assert confirm.status_code == 200 and confirm.context["names"] == ["暂行办法"]
    assert "in the background" in confirm.content.decode()
    # Only the company's own names are accepted.
    assert curator_client.get(reenrich, {"name": "OpenAI"}).context["names"] == []
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(f"{reenrich}?name=暂行办法")
    assert response.status_code == 302
    assert ArticleCompany.objects.get(article=measures, company=baidu).mentions > before
    assert LogEntry.objects.filter(
        object_id=str(measures.pk), change_message__startswith="Re-enriched"
    ).exists()
    others = Article.objects.exclude(pk=measures.pk).values_list("pk", flat=True)
    assert not LogEntry.objects.filter(
        object_id__in=[str(pk) for pk in others], change_message__startswith="Re-enriched"
    ).exists()


def test_large_selections_run_in_the_background(
    curator_client, curator, sample, monkeypatch, django_capture_on_commit_callbacks
):
    from articles import curation
    from articles.models import Keyword, MergeRecord

    monkeypatch.setattr(curation, "INLINE_LIMIT", 1)
    articles = list(Article.objects.all())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = act(curator_client, "hide", articles)
    assert response.status_code == 302
    assert Article.objects.filter(status="hidden").count() == 0  # not yet: after commit
    for callback in callbacks:
        callback()
    assert Article.objects.filter(status="hidden").count() == len(articles)
    assert LogEntry.objects.filter(user=curator, change_message="Hidden.").count() == len(articles)

    survivor, merged = Keyword.objects.get(name="百模大战"), Keyword.objects.get(name="智谱AI")
    with django_capture_on_commit_callbacks(execute=True):
        response = curator_client.post(
            "/admin/articles/keyword/",
            {
                "action": "merge_selected",
                "_selected_action": [survivor.pk, merged.pk],
                "post": "yes",
                "survivor": survivor.pk,
            },
            follow=True,
        )
    assert "runs in the background" in " ".join(str(m) for m in response.context["messages"])
    record = MergeRecord.objects.get()
    assert (record.merged_name, record.survivor_name, record.merged_by) == (
        "智谱AI",
        "百模大战",
        curator,
    )
    assert not Keyword.objects.filter(pk=merged.pk).exists()
