"""Merging companies and tags: links, aliases, redirects, the record, future imports."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.urls import reverse

from articles import curation
from articles.dictionary import search_for
from articles.importing.service import import_paths
from articles.importing.writer import upsert_tags
from articles.models import (
    Article,
    ArticleCompany,
    ArticleKeyword,
    Company,
    CompanyName,
    Event,
    Keyword,
    MergeRecord,
    SlugRedirect,
    TagAlias,
    Technology,
)

pytestmark = pytest.mark.django_db

ZHIPU_TYPO_ONLY = """标题: 智普发布新一代大模型
链接: https://example.com/zhipu-typo-1
总结: 2025年1月10日，智普在北京发布了新一代大模型，面向企业客户开放调用。
关键词: 智普, 大模型
重大事件摘要: 2025年1月10日，智普发布新一代大模型。
"""
ZHIPU_BOTH = """标题: 智谱发布开放平台新功能
链接: https://example.com/zhipu-both-1
总结: 2025年2月3日，智谱发布开放平台新功能。业内常把智普和智谱混为一谈，智普的写法并不准确。
关键词: 开放平台
重大事件摘要: 2025年2月3日，智谱发布开放平台新功能。
"""
ZHIPU_TYPO_LATER = """标题: 智普宣布完成新一轮融资
链接: https://example.com/zhipu-typo-2
总结: 2025年3月5日，智普宣布完成新一轮融资，估值再创新高。
关键词: 智普, 融资
重大事件摘要: 2025年3月5日，智普宣布完成新一轮融资。
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def typo_company(companies, django_capture_on_commit_callbacks):
    """A dictionary mistake: 智普 entered as a company of its own instead of an alias."""
    with django_capture_on_commit_callbacks(execute=True):
        CompanyName.objects.filter(normalized_name="智普").delete()
        typo = Company.objects.create(slug="zhipu-typo", name="智普", category="cn_ai_startup")
    return typo


def links(article):
    return {
        link.company.slug: (link.mentions, link.in_title, link.is_main)
        for link in ArticleCompany.objects.filter(article=article).select_related("company")
    }


def merge_via_admin(client, model, objects, survivor):
    url = reverse(f"admin:articles_{model}_changelist")
    data = {"action": "merge_selected", "_selected_action": [obj.pk for obj in objects]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200
    assert "Keep this one" in confirm.content.decode()
    response = client.post(url, {**data, "post": "yes", "survivor": survivor.pk})
    assert response.status_code == 302
    return response


def test_curator_merges_zhipu_typo_into_zhipu(
    curator_client, curator, typo_company, tmp_path, django_capture_on_commit_callbacks
):
    zhipu = Company.objects.get(slug="zhipu-ai")
    import_paths([write(tmp_path, "a.txt", ZHIPU_TYPO_ONLY), write(tmp_path, "b.txt", ZHIPU_BOTH)])
    only = Article.objects.get(url="https://example.com/zhipu-typo-1")
    both = Article.objects.get(url="https://example.com/zhipu-both-1")
    assert only.main_company == typo_company
    before_only = links(only)
    assert set(before_only) == {"zhipu-typo"} and before_only["zhipu-typo"][2] is True
    before_both = links(both)
    assert before_both["zhipu-typo"][0] == 2 and before_both["zhipu-ai"][2] is True
    event = only.event
    assert event.main_company == typo_company
    event.companies.add(zhipu)  # an event naming both
    SlugRedirect.objects.create(kind="company", old_slug="zhipu-older", target_id=typo_company.pk)

    with django_capture_on_commit_callbacks(execute=True):
        merge_via_admin(curator_client, "company", [zhipu, typo_company], zhipu)

    assert not Company.objects.filter(pk=typo_company.pk).exists()
    only.refresh_from_db()
    both.refresh_from_db()
    # Links moved; mentions summed where both were linked; main kept; nothing doubled.
    assert only.main_company == zhipu
    assert links(only) == {"zhipu-ai": before_only["zhipu-typo"]}
    assert links(both)["zhipu-ai"] == (
        before_both["zhipu-ai"][0] + before_both["zhipu-typo"][0],
        True,
        True,
    )
    assert "zhipu-typo" not in links(both)
    event.refresh_from_db()
    assert event.main_company == zhipu
    assert list(event.companies.all()) == [zhipu]
    # The merged name is an alias now; the old slugs redirect to the survivor.
    alias = CompanyName.objects.get(normalized_name="智普")
    assert (alias.company, alias.kind) == (zhipu, CompanyName.Kind.ALIAS)
    assert set(SlugRedirect.objects.values_list("kind", "old_slug", "target_id")) == {
        ("company", "zhipu-typo", zhipu.pk),
        ("company", "zhipu-older", zhipu.pk),
    }
    response = curator_client.get("/companies/zhipu-typo/")
    assert response.status_code == 301
    assert response["Location"] == zhipu.get_absolute_url()
    # The record: who, what, which articles.
    record = MergeRecord.objects.get()
    assert (record.kind, record.survivor_id, record.survivor_name) == ("company", zhipu.pk, "智谱")
    assert (record.merged_name, record.merged_slug, record.merged_by) == (
        "智普",
        "zhipu-typo",
        curator,
    )
    assert record.article_ids == sorted([only.pk, both.pk])
    # Admin history: the survivor, the merged company, the record, each article.
    entries = {
        (entry.content_type.model, entry.object_id, entry.action_flag)
        for entry in LogEntry.objects.filter(user=curator)
    }
    assert ("company", str(zhipu.pk), CHANGE) in entries
    assert ("company", str(typo_company.pk), DELETION) in entries
    assert ("mergerecord", str(record.pk), ADDITION) in entries
    assert {("article", str(only.pk), CHANGE), ("article", str(both.pk), CHANGE)} <= entries

    # Future imports of 智普 land on 智谱.
    import_paths([write(tmp_path, "c.txt", ZHIPU_TYPO_LATER)])
    later = Article.objects.get(url="https://example.com/zhipu-typo-2")
    assert later.main_company == zhipu
    assert set(links(later)) == {"zhipu-ai"} and links(later)["zhipu-ai"][2] is True
    # The merged articles were re-enriched: still on the survivor, searchable by it.
    assert set(Article.objects.search(search_for("智谱")).values_list("pk", flat=True)) >= {
        only.pk,
        later.pk,
    }


def test_merge_service_refuses_self_merge_and_keeps_existing_alias(companies, superuser):
    zhipu = Company.objects.get(slug="zhipu-ai")
    with pytest.raises(curation.CurationError):
        curation.merge_companies(zhipu, zhipu, user=superuser)
    # A company whose name is already another company's alias: the alias moves over.
    moonshot = Company.objects.get(slug="moonshot-ai")
    kimi = Company.objects.create(slug="kimi-co", name="Kimi智能", name_en="Kimi")
    owner_before = CompanyName.objects.get(normalized_name="kimi").company
    assert owner_before == moonshot
    curation.merge_companies(moonshot, kimi, user=superuser)
    assert CompanyName.objects.get(normalized_name="kimi").company == moonshot
    assert CompanyName.objects.get(normalized_name="kimi智能").company == moonshot


def test_merge_tags_moves_links_without_duplicates(curator_client, curator, sample, tmp_path):
    chatglm = Keyword.objects.get(name="ChatGLM")
    chatglm_6b = Keyword.objects.get(name="ChatGLM-6B")
    opened = sample["007_zhipu_chatglm_6b_open_source.txt"]
    funding = sample["039_zhipu_ai_funding_2023.txt"]
    ArticleKeyword.objects.create(article=opened, tag=chatglm, position=9)  # has both
    old_slug = chatglm_6b.slug

    merge_via_admin(curator_client, "keyword", [chatglm, chatglm_6b], chatglm)

    assert not Keyword.objects.filter(pk=chatglm_6b.pk).exists()
    assert ArticleKeyword.objects.filter(tag=chatglm).count() == 2
    assert ArticleKeyword.objects.filter(article=opened, tag=chatglm).get().position == 9
    assert ArticleKeyword.objects.filter(article=funding, tag=chatglm).exists()
    alias = TagAlias.objects.get()
    assert (alias.kind, alias.normalized_name, alias.target_id) == (
        "keyword",
        "chatglm-6b",
        chatglm.pk,
    )
    assert SlugRedirect.objects.filter(kind="keyword", old_slug=old_slug, target_id=chatglm.pk)
    record = MergeRecord.objects.get()
    assert (record.kind, record.merged_name, record.survivor_name, record.merged_by) == (
        "keyword",
        "ChatGLM-6B",
        "ChatGLM",
        curator,
    )
    assert record.article_ids == [opened.pk]
    assert LogEntry.objects.filter(
        user=curator, object_id=str(chatglm.pk), content_type__model="keyword"
    ).exists()
    # The public list redirects the old slug to the survivor's.
    response = curator_client.get("/articles/", {"keyword": old_slug})
    assert response.status_code == 301 and f"keyword={chatglm.slug}" in response["Location"]

    # Future imports tagged with the merged name link to the survivor; no tag is recreated.
    path = tmp_path / "new.txt"
    path.write_text(
        "标题: 新文章\n链接: https://example.com/new-tag\n关键词: chatglm-6B, 新词\n",
        encoding="utf-8",
    )
    import_paths([str(path)])
    article = Article.objects.get(url="https://example.com/new-tag")
    assert [link.tag.name for link in article.keyword_links.all()] == ["ChatGLM", "新词"]
    assert not Keyword.objects.filter(normalized_name="chatglm-6b").exists()


def test_upsert_tags_consults_tag_aliases(db):
    survivor = Technology.objects.create(name="大语言模型")
    TagAlias.objects.create(kind="technology", normalized_name="llm", target_id=survivor.pk)
    TagAlias.objects.create(kind="keyword", normalized_name="gone", target_id=survivor.pk)
    ids = upsert_tags(Technology, ["LLM", "大语言模型", "新技术"])
    assert ids["llm"] == survivor.pk and ids["大语言模型"] == survivor.pk
    assert Technology.objects.get(pk=ids["新技术"]).name == "新技术"
    assert not Technology.objects.filter(normalized_name="llm").exists()
    # An alias of another kind does not apply; an alias to a deleted tag is ignored.
    keyword_ids = upsert_tags(Keyword, ["gone"])
    assert Keyword.objects.get(pk=keyword_ids["gone"]).name == "gone"
    TagAlias.objects.create(kind="technology", normalized_name="old", target_id=10**9)
    assert Technology.objects.get(pk=upsert_tags(Technology, ["old"])["old"]).name == "old"


def test_merge_events_and_move_article(curator_client, curator, sample):
    baidu_launch = sample["001_baidu_ernie_bot_launch.txt"]
    measures = sample["022_china_genai_interim_measures.txt"]
    openai = sample["005_openai_gpt4o_launch.txt"]
    survivor, merged = baidu_launch.event, measures.event
    merge_via_admin(curator_client, "event", [survivor, merged], survivor)
    assert not Event.objects.filter(pk=merged.pk).exists()
    measures.refresh_from_db()
    assert measures.event == survivor and "event" in measures.curated_fields
    record = MergeRecord.objects.get()
    assert (record.kind, record.article_ids, record.merged_by) == ("event", [measures.pk], curator)
    assert SlugRedirect.objects.filter(kind="event", old_slug=str(merged.pk), target_id=survivor.pk)
    # Enrichment does not split the merged event again.
    curation.reenrich([measures.pk])
    measures.refresh_from_db()
    assert measures.event == survivor

    # Move one article to another event with the action (an autocomplete picks the event).
    old_event = openai.event
    url = reverse("admin:articles_article_changelist")
    data = {"action": "move_to_event", "_selected_action": [openai.pk]}
    confirm = curator_client.post(url, data)
    assert confirm.status_code == 200 and "admin-autocomplete" in confirm.content.decode()
    response = curator_client.post(url, {**data, "post": "yes", "event": survivor.pk})
    assert response.status_code == 302
    openai.refresh_from_db()
    assert openai.event == survivor and "event" in openai.curated_fields
    assert not Event.objects.filter(pk=old_event.pk).exists()  # left empty
    assert set(survivor.articles.values_list("pk", flat=True)) == {
        baidu_launch.pk,
        measures.pk,
        openai.pk,
    }
    assert LogEntry.objects.filter(
        user=curator, object_id=str(openai.pk), change_message__startswith="Moved to event"
    ).exists()
