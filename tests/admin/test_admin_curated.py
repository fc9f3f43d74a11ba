"""A curator's edits in the article form are marked curated and survive re-import and
re-enrichment; the rest of the record still updates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from articles import curation
from articles.dictionary import search_for
from articles.importing.service import import_paths
from articles.models import Article, ArticleCompany, Company, Keyword

from .conftest import CORPUS, form_data

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def inline_prefix(data, model_name):
    """The formset prefix of an inline ("company_links", "keyword_links", …)."""
    return next(key[: -len("-TOTAL_FORMS")] for key in data if key == f"{model_name}-TOTAL_FORMS")


def reimport_changed(tmp_path, name, **replace):
    """Import the sample file ``name`` again with some lines changed."""
    text = (CORPUS / name).read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = import_paths([str(path)])
    assert (report.created, report.updated, report.errors) == (0, 1, [])


def company_slugs(article):
    return set(
        ArticleCompany.objects.filter(article=article).values_list("company__slug", flat=True)
    )


def keyword_names(article):
    return [link.tag.name for link in article.keyword_links.order_by("position")]


def test_fixing_company_links_survives_reimport_and_reenrichment(curator_client, sample, tmp_path):
    """Done when: a curator fixes a company link enrichment got wrong, and it survives."""
    name = "001_baidu_ernie_bot_launch.txt"
    article = sample[name]
    assert {"baidu", "alibaba"} <= company_slugs(article)
    data = form_data(curator_client.get(change_url(article)))
    prefix = inline_prefix(data, "company_links")
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith(f"{prefix}-")
        and key.endswith("-company")
        and value == str(Company.objects.get(slug="alibaba").pk)
    )
    data[f"{prefix}-{index}-DELETE"] = "on"
    response = curator_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    article.refresh_from_db()
    assert article.curated_fields == ["companies"]
    fixed = company_slugs(article)
    assert "alibaba" not in fixed and "baidu" in fixed

    # Re-importing the very same record changes nothing.
    report = import_paths([str(CORPUS / name)])
    assert (report.unchanged, report.updated) == (1, 0)
    # A changed record updates the article, but not its curated company links.
    reimport_changed(tmp_path, name, **{"标题: 百度发布文心一言": "标题: 【更新】百度发布文心一言"})
    article.refresh_from_db()
    assert article.title.startswith("【更新】")
    assert company_slugs(article) == fixed
    assert article.main_company.slug == "baidu"
    curation.reenrich([article.pk])
    assert company_slugs(article) == fixed


def test_main_company_and_tags_edited_in_the_form_are_kept(curator_client, sample, tmp_path):
    name = "007_zhipu_chatglm_6b_open_source.txt"
    article = sample[name]
    openai = Company.objects.get(slug="openai")
    new_keyword = Keyword.objects.create(name="清华大学")
    data = form_data(curator_client.get(change_url(article)))
    data["main_company"] = str(openai.pk)
    data["event_type"] = "research"
    data["event_date"] = "2023-03-15"
    data["event_date_precision"] = "day"
    prefix = inline_prefix(data, "keyword_links")
    data[f"{prefix}-0-DELETE"] = "on"  # drop the first keyword (ChatGLM-6B)
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-tag"] = str(new_keyword.pk)
    data[f"{prefix}-{total}-position"] = ""
    data[f"{prefix}-{total}-article"] = str(article.pk)
    response = curator_client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.curated_fields == ["event_date", "event_type", "keywords", "main_company"]
    assert (article.main_company, article.event_type, article.event_date) == (
        openai,
        "research",
        dt.date(2023, 3, 15),
    )
    assert ArticleCompany.objects.get(article=article, company=openai).is_main
    assert keyword_names(article) == ["开源", "智谱AI", "模型量化", "本地部署", "清华大学"]
    # The search index reflects the edit at once.
    assert Article.objects.search(search_for("清华大学")).filter(pk=article.pk).exists()

    reimport_changed(
        tmp_path,
        name,
        **{"标题: 智谱AI开源": "标题: 智谱AI正式开源", "AI技术: 大语言模型,": "AI技术: 对话模型,"},
    )
    article.refresh_from_db()
    assert article.title.startswith("智谱AI正式开源")  # not curated: updated
    technologies = [link.tag.name for link in article.technology_links.all()]
    assert technologies[0] == "对话模型"  # not curated: updated
    assert keyword_names(article) == ["开源", "智谱AI", "模型量化", "本地部署", "清华大学"]
    assert (article.main_company, article.event_type, article.event_date) == (
        openai,
        "research",
        dt.date(2023, 3, 15),
    )
    curation.reenrich([article.pk])
    article.refresh_from_db()
    assert (article.main_company, article.event_type, article.event_date) == (
        openai,
        "research",
        dt.date(2023, 3, 15),
    )


def test_editing_only_text_marks_nothing_curated(curator_client, sample, tmp_path):
    name = "005_openai_gpt4o_launch.txt"
    article = sample[name]
    data = form_data(curator_client.get(change_url(article)))
    data["title"] = "OpenAI GPT-4o（编辑过的标题）"
    assert curator_client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.curated_fields == []
    assert article.title == "OpenAI GPT-4o（编辑过的标题）"
    assert Article.objects.search(search_for("编辑")).filter(pk=article.pk).exists()
    reimport_changed(tmp_path, name, **{"关键词: GPT-4o,": "关键词: GPT-4o, 新关键词,"})
    article.refresh_from_db()
    assert article.title.startswith("OpenAI发布GPT-4o")  # the import's title again
    assert "新关键词" in keyword_names(article)


def test_release_curated_lets_enrichment_decide_again(curator_client, sample):
    article = sample["039_zhipu_ai_funding_2023.txt"]
    openai = Company.objects.get(slug="openai")
    Article.objects.filter(pk=article.pk).update(
        main_company=openai, curated_fields=["main_company"]
    )
    response = curator_client.post(
        "/admin/articles/article/",
        {"action": "release_curated", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.curated_fields == []
    assert article.main_company.slug == "zhipu-ai"


def test_curator_adds_an_article(curator_client, curator, companies):
    add = reverse("admin:articles_article_add")
    data = form_data(curator_client.get(add))
    data.update(
        {
            "title": "百度发布新模型",
            "url": "https://Example.com/new?utm_source=x&id=1#top",
            "summary": "2025年4月25日，百度发布了新模型。",
            "status": "published",
            "event_type": "launch",
            "extra_fields": "{}",
        }
    )
    response = curator_client.post(add, data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.canonical_url, article.source_domain) == (
        "https://example.com/new?id=1",
        "example.com",
    )
    assert article.curated_fields == ["event_type"]
    assert article.main_company.slug == "baidu"  # derived by enrichment
    assert Article.objects.search(search_for("新模型")).get() == article
    duplicate = curator_client.post(add, {**data, "url": "https://example.com/new?id=1"})
    assert (
        duplicate.status_code == 200
        and "Another article has this link" in duplicate.content.decode()
    )
