"""Every admin screen loads for a curator and a superuser; search, filters, history."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.widgets import AutocompleteSelect
from django.urls import reverse

from articles import curation
from articles.models import (
    Article,
    Company,
    Event,
    ImportBatch,
    Industry,
    Keyword,
    MergeRecord,
    Technology,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["curator", "superuser"])
def staff_client(request, client, sample):
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return client


def admin_url(name, *args, query=""):
    return reverse(f"admin:articles_{name}", args=args) + query


def test_every_screen_loads(staff_client, sample):
    article = sample["007_zhipu_chatglm_6b_open_source.txt"]
    zhipu = Company.objects.get(slug="zhipu-ai")
    batch = ImportBatch.objects.get()
    curation.merge_tags(
        Keyword.objects.get(name="智谱AI"), Keyword.objects.get(name="开源"), user=None
    )
    urls = [
        reverse("admin:index"),
        admin_url("article_changelist"),
        admin_url("article_changelist", query="?q=智谱"),
        admin_url("article_changelist", query=f"?company={zhipu.pk}&status__exact=published"),
        admin_url("article_change", article.pk),
        admin_url("article_history", article.pk),
        admin_url("article_add"),
        admin_url("company_changelist"),
        admin_url("company_changelist", query="?o=5"),  # sorted by article count
        admin_url("company_change", zhipu.pk),
        admin_url("company_add"),
        admin_url("keyword_changelist", query="?o=3"),
        admin_url("keyword_change", Keyword.objects.first().pk),
        admin_url("technology_changelist"),
        admin_url("technology_change", Technology.objects.first().pk),
        admin_url("industry_changelist", query="?q=金融"),
        admin_url("industry_change", Industry.objects.first().pk),
        admin_url("event_changelist"),
        admin_url("event_change", article.event_id),
        admin_url("importbatch_changelist"),
        admin_url("importbatch_change", batch.pk),
        admin_url("importbatch_add"),
        admin_url("mergerecord_changelist"),
        admin_url("mergerecord_change", MergeRecord.objects.get().pk),
        admin_url("slugredirect_changelist"),
        admin_url("tagalias_changelist"),
    ]
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 200, url


def test_article_list_columns_and_filters(superuser_client, sample):
    response = superuser_client.get(admin_url("article_changelist"))
    columns = [header["text"] for header in response.context["result_headers"]]
    assert columns[1:] == [
        "title",
        "main company",
        "event type",
        "event date",
        "status",
        "updated at",
    ]
    filters = [
        spec.title
        for spec in response.context["cl"].filter_specs
        if spec.template != "admin/articles/hidden_filter.html"
    ]
    assert [str(title) for title in filters] == [
        "status",
        "event type",
        "company",
        "industry",
        "event date",
    ]
    assert response.context["cl"].date_hierarchy == "event_date"


def test_filters_narrow_the_list(superuser_client, sample):
    zhipu = Company.objects.get(slug="zhipu-ai")
    response = superuser_client.get(admin_url("article_changelist", query=f"?company={zhipu.pk}"))
    listed = {article.pk for article in response.context["cl"].result_list}
    expected = set(
        Article.objects.filter(company_links__company=zhipu).values_list("pk", flat=True)
    )
    assert listed == expected and len(expected) == 3
    finance = Industry.objects.get(name="金融")
    response = superuser_client.get(
        admin_url("article_changelist", query=f"?industry={finance.pk}")
    )
    assert {article.pk for article in response.context["cl"].result_list} == {
        sample["001_baidu_ernie_bot_launch.txt"].pk,
        sample["007_zhipu_chatglm_6b_open_source.txt"].pk,
        sample["039_zhipu_ai_funding_2023.txt"].pk,
    }
    keyword = Keyword.objects.get(name="百模大战")
    response = superuser_client.get(admin_url("article_changelist", query=f"?keyword={keyword.pk}"))
    assert {a.pk for a in response.context["cl"].result_list} == {
        sample["001_baidu_ernie_bot_launch.txt"].pk,
        sample["039_zhipu_ai_funding_2023.txt"].pk,
    }
    response = superuser_client.get(
        admin_url("article_changelist", query="?event_type__exact=funding")
    )
    assert [a.pk for a in response.context["cl"].result_list] == [
        sample["039_zhipu_ai_funding_2023.txt"].pk
    ]


def test_admin_search_is_the_archives_full_text_search(superuser_client, sample):
    def found(q):
        response = superuser_client.get(admin_url("article_changelist"), {"q": q})
        assert response.status_code == 200
        return {article.pk for article in response.context["cl"].result_list}

    zhipu_open = sample["007_zhipu_chatglm_6b_open_source.txt"].pk
    zhipu_funding = sample["039_zhipu_ai_funding_2023.txt"].pk
    measures = sample["022_china_genai_interim_measures.txt"].pk
    assert found("智谱") == {zhipu_open, zhipu_funding, measures}
    assert found("智谱 -融资") == {zhipu_open, measures}
    assert found('"ChatGLM-6B"') >= {zhipu_open}
    assert found(str(measures)) == {measures}
    assert found(sample["005_openai_gpt4o_launch.txt"].url) == {
        sample["005_openai_gpt4o_launch.txt"].pk
    }
    assert found("没有这个词语xyz") == set()


def test_autocomplete_for_companies_tags_and_events(curator_client, sample):
    def autocomplete(model, field, term):
        response = curator_client.get(
            reverse("admin:autocomplete"),
            {"app_label": "articles", "model_name": model, "field_name": field, "term": term},
        )
        assert response.status_code == 200
        return [item["text"] for item in response.json()["results"]]

    assert "智谱" in autocomplete("article", "main_company", "智谱")
    assert autocomplete("articlekeyword", "tag", "ChatGLM") == ["ChatGLM", "ChatGLM-6B"]
    assert autocomplete("articleindustry", "tag", "金融") == ["金融"]
    assert autocomplete("articletechnology", "tag", "zzz-none") == []
    event = sample["001_baidu_ernie_bot_launch.txt"].event
    assert autocomplete("article", "event", event.title[:6]) == [event.title]


def test_change_page_is_autocomplete_only_and_hides_derived_fields(curator_client, sample):
    article = sample["007_zhipu_chatglm_6b_open_source.txt"]
    response = curator_client.get(admin_url("article_change", article.pk))
    html = response.content.decode()
    form = response.context["adminform"].form
    assert "search_vector" not in form.fields and "event_cues" not in form.fields
    for provenance in ("import_batch", "source_file", "source_line", "canonical_url"):
        assert provenance not in form.fields
    assert article.source_file in html  # shown read-only
    assert isinstance(form.fields["main_company"].widget.widget, AutocompleteSelect)
    assert isinstance(form.fields["event"].widget.widget, AutocompleteSelect)
    for inline in response.context["inline_admin_formsets"]:
        field = "company" if inline.formset.model.__name__ == "ArticleCompany" else "tag"
        widget = inline.formset.form.base_fields[field].widget.widget
        assert isinstance(widget, AutocompleteSelect)
    # No <select> lists a whole table: every select has a handful of options at most.
    assert html.count("<option") < 60
    assert reverse("admin:view_on_site", args=[response.context["content_type_id"], article.pk])
    assert "viewsitelink" in html


def test_history_shows_who_changed_the_article(curator_client, curator, sample):
    article = sample["005_openai_gpt4o_launch.txt"]
    curation.hide_articles([article.pk], user=curator)
    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert (entry.user, entry.action_flag, entry.change_message) == (curator, CHANGE, "Hidden.")
    response = curator_client.get(admin_url("article_change", article.pk))
    assert "cura: Hidden." in response.content.decode()
    history = curator_client.get(admin_url("article_history", article.pk))
    assert "Hidden." in history.content.decode() and "cura" in history.content.decode()


def test_counts_are_annotated_and_sortable(superuser_client, sample):
    response = superuser_client.get(admin_url("company_changelist", query="?o=-5"))
    companies = list(response.context["cl"].result_list)
    counts = [company.article_count for company in companies]
    assert counts == sorted(counts, reverse=True)
    assert companies[0].slug in {"zhipu-ai", "openai", "baidu"}
    assert companies[0].article_count == 3
    response = superuser_client.get(admin_url("keyword_changelist", query="?o=-3"))
    first = response.context["cl"].result_list[0]
    assert (first.name, first.article_count) in {("智谱AI", 2), ("百模大战", 2)}
    response = superuser_client.get(admin_url("event_changelist"))
    assert {event.article_count for event in response.context["cl"].result_list} == {1}
    assert Event.objects.count() == 5
