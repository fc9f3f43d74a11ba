"""The article page's cached body is never served stale (articles/detail_page.py).

Each test reads a page (so its body is cached), changes something the page shows the
way the site changes it, and reads the page again.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client

from articles import curation, detail_page, page_cache
from articles.models import Article, Company, Keyword
from tests.hardening.test_headers import assert_secure_headers

pytestmark = pytest.mark.django_db


def page(client, article) -> str:
    response = client.get(Article.objects.get(pk=article.pk).get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def related_titles(html: str) -> list[str]:
    section = html.split('id="related-heading"', 1)
    if len(section) == 1:
        return []
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a>', section[1])


@pytest.fixture
def curator(db):
    return get_user_model().objects.create_superuser("curator", "c@example.com", "x" * 20)


def test_a_second_read_runs_one_query_and_renders_the_same_page(
    client, site, django_assert_num_queries
):
    url = site["ernie"].get_absolute_url()
    first = client.get(url).content.decode()
    with django_assert_num_queries(1):
        second = client.get(url).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", first) == strip.sub("", second)
    assert "百度发布文心一言4.0" in second and "百度称新版本理解能力明显提升" in second


def test_the_cached_page_is_what_rendering_it_gives(client, site):
    article = site["ernie"]
    page(client, article)
    fresh = detail_page.render_body(article.pk)
    assert str(detail_page.body(detail_page.current_version(article.pk))) == fresh
    assert '<h1 id="article-title">百度发布文心一言4.0</h1>' in fresh


def test_an_edited_title_shows_at_once_and_the_old_slug_redirects(client, site):
    article = site["ernie"]
    old_url = article.get_absolute_url()
    page(client, article)
    article.title = "百度发布文心一言4.0 Turbo"
    article.save()
    response = client.get(old_url)
    assert response.status_code == 301
    html = page(client, article)
    assert "百度发布文心一言4.0 Turbo</h1>" in html
    assert "<title>百度发布文心一言4.0 Turbo · " in html


def test_a_change_that_keeps_updated_at_shows_at_once(client, site):
    """A bulk update() leaves updated_at alone; the row's version still changes."""
    article = site["ernie"]
    before = Article.objects.get(pk=article.pk).updated_at
    assert "新的摘要" not in page(client, article)
    Article.objects.filter(pk=article.pk).update(summary="新的摘要。")
    assert Article.objects.get(pk=article.pk).updated_at == before
    assert "<p>新的摘要。</p>" in page(client, article)


def test_a_hidden_article_is_gone_at_once(client, site):
    article = site["ernie"]
    page(client, article)
    curation.hide_articles([article.pk], user=None)
    assert client.get(article.get_absolute_url()).status_code == 404
    curation.publish_articles([article.pk], user=None)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_a_related_article_hidden_by_a_curator_leaves_the_list(client, site, curator):
    html = page(client, site["ernie"])
    assert "百度文心一言用户数突破一亿" in related_titles(html)
    curation.hide_articles([site["users"].pk], user=curator)
    assert "百度文心一言用户数突破一亿" not in related_titles(page(client, site["ernie"]))


def test_a_related_article_edited_by_a_curator_shows_its_new_title(client, site, curator):
    admin = Client()
    admin.force_login(curator)
    assert "百度文心一言用户数突破一亿" in related_titles(page(client, site["ernie"]))
    other = Article.objects.get(pk=site["users"].pk)
    other.title = "百度文心一言用户数突破两亿"
    other.save()
    curation.log(curator, [other], 2, "Changed title.")  # what the admin's save writes
    assert "百度文心一言用户数突破两亿" in related_titles(page(client, site["ernie"]))


def test_a_renamed_company_shows_at_once(client, site):
    """Companies are the dictionary: a change bumps its version."""
    assert "百度</a>" in page(client, site["ernie"])
    baidu = Company.objects.get(slug="baidu")
    baidu.name = "百度集团"
    baidu.save()
    assert "百度集团</a>" in page(client, site["ernie"])


def test_a_tag_renamed_in_the_admin_shows_at_once(client, site, curator):
    admin = Client()
    admin.force_login(curator)
    keyword = Keyword.objects.get(name="大模型")
    assert "tag-keyword" in page(client, site["ernie"]) and ">大模型</a>" in page(
        client, site["ernie"]
    )
    response = admin.post(
        f"/admin/articles/keyword/{keyword.pk}/change/",
        {"name": "大型模型", "slug": keyword.slug},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = page(client, site["ernie"])
    assert ">大型模型</a>" in html and ">大模型</a>" not in html


def test_merged_tags_show_at_once(client, site):
    """Merges write a merge record, from the admin or from a command."""
    survivor, merged = Keyword.objects.get(name="文心一言"), Keyword.objects.get(name="大模型")
    assert ">大模型</a>" in page(client, site["ernie"])
    curation.merge_tags(survivor, merged, user=None)
    assert ">大模型</a>" not in page(client, site["ernie"])


def test_an_import_shows_in_related_lists_at_once(client, site, tmp_path):
    from articles.importing.service import import_paths
    from tests.site.conftest import write_records

    assert "百度发布文心大模型新版" not in related_titles(page(client, site["ernie"]))
    record = (
        "标题: 百度发布文心大模型新版\n链接: https://news.test/baidu-new\n"
        "总结: 2023年11月20日，百度发布文心大模型新版。\n关键词: 文心一言, 大模型\n"
    )
    report = import_paths([str(write_records(tmp_path / "new.txt", record))])
    assert report.created == 1
    assert "百度发布文心大模型新版" in related_titles(page(client, site["ernie"]))


def test_each_language_has_its_own_page(site):
    english, chinese = Client(), Client()
    english.cookies["django_language"] = "en"
    for _ in range(2):
        assert "Related articles" in page(english, site["ernie"])
        assert "相关文章" in page(chinese, site["ernie"])


def test_cached_pages_send_the_same_headers(client, site):
    url = site["ernie"].get_absolute_url()
    first, second = client.get(url), client.get(url)
    for response in (first, second):
        assert_secure_headers(response)
        assert response["Content-Language"] == "en"
        assert "Cookie" in response["Vary"]
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert set(first.headers) == set(second.headers)


def test_the_key_changes_with_every_marker(site):
    version = detail_page.current_version(site["ernie"].pk)
    keys = {detail_page.cache_key(version)}
    for index in range(len(version.markers)):
        markers = list(version.markers)
        markers[index] = f"changed-{markers[index]}"
        changed = detail_page.PageVersion(version.pk, version.title, tuple(markers))
        keys.add(detail_page.cache_key(changed))
    assert len(keys) == len(version.markers) + 1
    assert caches[page_cache.CACHE_ALIAS] is not caches["default"]


def test_hidden_and_missing_articles_are_not_found(client, site):
    assert detail_page.current_version(site["hidden"].pk) is None
    assert client.get(site["hidden"].get_absolute_url()).status_code == 404
    assert client.get("/articles/999999999-x/").status_code == 404


def test_a_plain_string_in_the_cache_is_not_trusted(client, site):
    """Only the template engine's output is served unescaped; anything else re-renders."""
    article = site["ernie"]
    key = detail_page.cache_key(detail_page.current_version(article.pk))
    caches[page_cache.CACHE_ALIAS].set(key, "<script>alert(1)</script>")
    html = page(client, article)
    assert "<script>alert(1)</script>" not in html
    assert '<h1 id="article-title">百度发布文心一言4.0</h1>' in html
