"""The company page's cached body is never served stale (articles/company_page.py).

Each test reads the page (so its body is cached), changes something it shows the way
the site changes it, and reads the page again.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client

from articles import company_page, curation, page_cache
from articles.models import Article, Company, CompanyName, Event, Keyword, Technology

pytestmark = pytest.mark.django_db

URL = "/companies/baidu/"


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading: str) -> str:
    return html.split(f'id="{heading}"', 1)[1].split("</section>", 1)[0]


def article_count(html: str) -> str:
    return re.search(r'<a href="/articles/\?company=baidu">([^<]+)</a>', html)[1]


@pytest.fixture
def curator(db):
    return get_user_model().objects.create_superuser("curator", "c@example.com", "x" * 20)


def test_a_second_read_runs_one_query_and_renders_the_same_page(
    client, site, django_assert_num_queries
):
    first = page(client)
    with django_assert_num_queries(1):
        second = page(client)
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", second)
    assert "<title>百度 · " in second and article_count(second) == "2 articles"


def test_the_cached_page_is_what_rendering_it_gives(client, site):
    page(client)
    version = company_page.current_version("baidu")
    fresh = company_page.render_body(version.pk)
    assert str(company_page.body(version)) == fresh
    assert 'id="events-heading"' in fresh and "以搜索起家的中国科技公司" in fresh


def test_an_import_shows_at_once(client, site, tmp_path):
    from articles.importing.service import import_paths
    from tests.site.conftest import write_records

    assert "百度发布文心大模型新版" not in section(page(client), "latest-heading")
    record = (
        "标题: 百度发布文心大模型新版\n链接: https://news.test/baidu-new\n"
        "总结: 2023年11月20日，百度发布文心大模型新版。\n关键词: 文心一言, 大模型\n"
    )
    assert import_paths([str(write_records(tmp_path / "new.txt", record))]).created == 1
    html = page(client)
    assert "百度发布文心大模型新版" in section(html, "latest-heading")
    assert article_count(html) == "3 articles"


def test_a_hidden_article_leaves_at_once(client, site, curator):
    assert "百度文心一言用户数突破一亿" in section(page(client), "latest-heading")
    curation.hide_articles([site["users"].pk], user=curator)
    html = page(client)
    assert "百度文心一言用户数突破一亿" not in section(html, "latest-heading")
    assert article_count(html) == "1 article"


def test_a_title_changed_in_bulk_shows_at_once(client, site):
    """No admin history: the data version moves with every write to articles."""
    assert "百度文心一言用户数突破一亿" in page(client)
    Article.objects.filter(pk=site["users"].pk).update(title="百度文心一言用户数突破两亿")
    assert "百度文心一言用户数突破两亿" in section(page(client), "latest-heading")


def test_the_company_row_and_its_names_show_at_once(client, site):
    assert "以搜索起家的中国科技公司" in page(client)
    # A bulk update writes no dictionary version: the data version marks it.
    Company.objects.filter(slug="baidu").update(description="新的公司简介。")
    assert "新的公司简介。" in page(client)
    baidu = Company.objects.get(slug="baidu")
    CompanyName.objects.create(company=baidu, name="度厂", kind=CompanyName.Kind.ALIAS)
    assert "度厂" in page(client)


def test_an_event_edited_by_a_curator_shows_at_once(client, site, curator):
    event = Event.objects.get(pk=site["ernie"].event_id)
    assert event.title in section(page(client), "events-heading")
    Event.objects.filter(pk=event.pk).update(title="文心一言4.0 正式发布")
    curation.log(curator, [event], 2, "Changed title.")  # what the admin's save writes
    assert "文心一言4.0 正式发布" in section(page(client), "events-heading")


def test_a_tag_renamed_or_merged_shows_at_once(client, site):
    assert ">大语言模型</a>" in section(page(client), "tech-heading")
    Technology.objects.filter(name="大语言模型").update(name="大型语言模型")
    assert ">大型语言模型</a>" in section(page(client), "tech-heading")
    survivor, merged = Keyword.objects.get(name="文心一言"), Keyword.objects.get(name="大模型")
    assert ">大模型</a>" in section(page(client), "latest-heading")
    curation.merge_tags(survivor, merged, user=None)
    assert ">大模型</a>" not in section(page(client), "latest-heading")


def test_each_language_has_its_own_page(site):
    english, chinese = Client(), Client()
    english.cookies["django_language"] = "en"
    for _ in range(2):
        assert "Latest articles" in page(english)
        assert "最新文章" in page(chinese)


def test_the_key_changes_with_every_marker(site):
    version = company_page.current_version("baidu")
    keys = {company_page.cache_key(version)}
    for index in range(len(version.markers)):
        markers = list(version.markers)
        markers[index] = f"changed-{markers[index]}"
        changed = company_page.CompanyVersion(version.pk, version.name, tuple(markers))
        keys.add(company_page.cache_key(changed))
    assert len(keys) == len(version.markers) + 1 == 8


def test_unknown_slugs_are_not_found(client, site):
    assert company_page.current_version("no-such-company") is None
    assert company_page.current_version("baidu\x00") is None
    assert client.get("/companies/no-such-company/").status_code == 404


def test_a_plain_string_in_the_cache_is_not_trusted(client, site):
    key = company_page.cache_key(company_page.current_version("baidu"))
    caches[page_cache.CACHE_ALIAS].set(key, "<script>alert(1)</script>")
    html = page(client)
    assert "<script>alert(1)</script>" not in html
    assert "以搜索起家的中国科技公司" in html
