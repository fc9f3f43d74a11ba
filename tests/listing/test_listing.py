import csv
import io
import json
import re

import feedparser
import pytest

from articles.models import Article, Company, SlugRedirect
from articles.views.listing import csv_cell

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="card-title"><a [^>]*>(.*?)</a>', html, re.S)


def page_title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def facet_counts(response, param: str) -> dict[str, int]:
    html = response.content.decode()
    found = re.findall(
        rf'data-facet="{param}" data-value="([^"]+)">[^<]*</a> <span class="count">(\d+)</span>',
        html,
    )
    return {slug: int(count) for slug, count in found}


def test_unfiltered_list_shows_published_articles_newest_first(client, articles):
    Article.objects.filter(url="https://example.com/2").update(status=Article.Status.HIDDEN)
    response = client.get("/articles/")
    assert response.status_code == 200
    shown = titles(response)
    assert len(shown) == 4
    assert "百度发布文心一言" not in shown
    assert shown[0].startswith("&lt;script&gt;alert(1)&lt;/script&gt;腾讯发布新品")
    assert "<script>alert(1)" not in response.content.decode()
    assert page_title(response) == "全部文章 — 4 篇 · AI 行业新闻档案"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        (
            "industry=%E9%87%91%E8%9E%8D&company=tencent",
            "company=tencent&industry=%E9%87%91%E8%9E%8D",
        ),
        ("company=tencent&company=tencent", "company=tencent"),
        ("company=tencent&q=&year=", "company=tencent"),
        ("company=tencent&utm_source=x", "company=tencent"),
        ("company=baidu&company=tencent&page=1", "company=baidu&company=tencent"),
        ("company=tencent&company=baidu", "company=baidu&company=tencent"),
        ("q=++%E5%A4%A7%E6%A8%A1%E5%9E%8B++", "q=%E5%A4%A7%E6%A8%A1%E5%9E%8B"),
        ("main_company_only=on&company=tencent", "company=tencent&main_company_only=1"),
        ("page=abc", ""),
        ("q=%08", ""),
        ("company=tencent&q=a%1Fb", "q=a+b&company=tencent"),
    ],
)
def test_non_canonical_urls_redirect_permanently(client, articles, given, canonical):
    response = client.get(f"/articles/?{given}")
    assert response.status_code == 301
    assert response["Location"] == "/articles/" + (f"?{canonical}" if canonical else "")


def test_canonical_page_declares_itself(client, articles):
    response = client.get("/articles/?company=tencent")
    assert '<link rel="canonical" href="http://testserver/articles/?company=tencent">' in (
        response.content.decode()
    )
    assert 'name="robots"' not in response.content.decode()
    deep = client.get("/articles/?company=baidu&company=tencent&industry=%E9%87%91%E8%9E%8D")
    assert '<meta name="robots" content="noindex">' in deep.content.decode()


def test_company_values_are_ored_and_dimensions_anded(client, articles):
    both = client.get("/articles/?company=baidu&company=tencent")
    assert sorted(titles(both)) == sorted(
        [
            "腾讯发布混元大模型",
            "百度发布文心一言",
            "腾讯与百度达成合作",
            "&lt;script&gt;alert(1)&lt;/script&gt;腾讯发布新品",
        ]
    )
    anded = client.get("/articles/?company=tencent&industry=%E9%87%91%E8%9E%8D")
    assert titles(anded) == ["腾讯发布混元大模型"]


def test_main_company_only_and_exclusions(client, articles):
    mentioned = client.get("/articles/?company=baidu")
    assert sorted(titles(mentioned)) == ["百度发布文心一言", "腾讯与百度达成合作"]
    main = client.get("/articles/?company=baidu&main_company_only=1")
    assert titles(main) == ["百度发布文心一言"]
    excluded = client.get("/articles/?exclude_company=tencent")
    assert sorted(titles(excluded)) == ["百度发布文心一言", "阿里云宣布大模型降价"]
    no_retail = client.get("/articles/?exclude_industry=%E9%9B%B6%E5%94%AE")
    assert "阿里云宣布大模型降价" not in titles(no_retail)
    assert "腾讯发布混元大模型" not in titles(no_retail)
    assert len(titles(no_retail)) == 3


def test_technology_keyword_event_type_and_dates(client, articles):
    cloud = client.get("/articles/?technology=%E4%BA%91%E8%AE%A1%E7%AE%97")
    assert titles(cloud) == ["腾讯与百度达成合作"]
    price = client.get("/articles/?keyword=%E9%99%8D%E4%BB%B7")
    assert titles(price) == ["阿里云宣布大模型降价"]
    launches = client.get("/articles/?event_type=launch")
    assert len(titles(launches)) == 3
    partnership = client.get("/articles/?event_type=partnership")
    assert titles(partnership) == ["腾讯与百度达成合作"]
    year = client.get("/articles/?year=2023")
    assert sorted(titles(year)) == ["百度发布文心一言", "腾讯发布混元大模型"]
    window = client.get("/articles/?date_from=2024-01-01&date_to=2024-05-31")
    assert sorted(titles(window)) == ["腾讯与百度达成合作", "阿里云宣布大模型降价"]


def test_sort_orders(client, articles):
    oldest = titles(client.get("/articles/?sort=oldest"))
    assert oldest[0] == "百度发布文心一言"
    newest = titles(client.get("/articles/"))
    assert newest == list(reversed(oldest))


def test_search_ranks_highlights_and_names_matched_fields(client, articles):
    response = client.get("/articles/?q=%E6%96%87%E5%BF%83%E4%B8%80%E8%A8%80")
    html = response.content.decode()
    assert len(titles(response)) == 1
    assert "<mark>文心一言</mark>" in html
    assert "匹配于：" in html
    alias = client.get("/articles/?q=Tencent")
    assert len(titles(alias)) == 3
    excluded = client.get("/articles/?q=%E5%A4%A7%E6%A8%A1%E5%9E%8B+-%E7%99%BE%E5%BA%A6")
    assert "百度发布文心一言" not in titles(excluded)


def test_facet_counts_ignore_their_own_dimension(client, articles):
    response = client.get("/articles/?company=tencent")
    companies = facet_counts(response, "company")
    assert companies["tencent"] == 3
    assert companies["baidu"] == 2  # not collapsed by the company filter itself
    industries = facet_counts(response, "industry")
    assert industries == {"金融": 1, "零售": 1, "教育": 1, "游戏": 1}
    events = facet_counts(response, "event_type")
    assert events == {"launch": 2, "partnership": 1}


def test_chips_remove_one_filter_and_reset_page(client, articles):
    html = client.get("/articles/?company=tencent&industry=%E9%87%91%E8%9E%8D").content.decode()
    assert 'href="?industry=%E9%87%91%E8%9E%8D" aria-label="移除筛选：腾讯"' in html
    assert 'href="?company=tencent" aria-label="移除筛选：金融"' in html
    assert '<a class="clear-all" href="/articles/">' in html


def test_human_title_describes_the_view(client, articles):
    url = (
        "/articles/?q=%E5%A4%A7%E6%A8%A1%E5%9E%8B&company=tencent"
        "&industry=%E9%87%91%E8%9E%8D&event_type=launch"
    )
    response = client.get(url)
    assert page_title(response) == "腾讯 · 金融 · 产品发布 — 搜索“大模型” — 1 篇 · AI 行业新闻档案"
    assert page_title(client.get(url, HTTP_ACCEPT_LANGUAGE="en")) == page_title(response)
    client.cookies["django_language"] = "en"  # what the language switch sets
    english = client.get(url)
    assert page_title(english) == (
        "腾讯 · 金融 · Product launch — search “大模型” — 1 article · AI Industry News Archive"
    )


def test_bad_values_get_400_not_500(client, articles):
    assert client.get("/articles/?company=nope").status_code == 400
    assert client.get("/articles/?q=%00").status_code == 400
    assert client.get("/articles/?date_from=2024-13-45").status_code == 400
    assert client.get("/articles/?year=99999").status_code == 400
    too_many = "&".join(f"keyword=k{i}" for i in range(25))
    response = client.get(f"/articles/?{too_many}")
    assert response.status_code == 400
    assert "筛选条件过多：一个视图最多允许 20 个。" in response.content.decode()
    dashes = client.get("/articles/?q=" + "-" * 60)
    assert dashes.status_code == 200


def test_old_slug_redirects_to_survivor(client, articles):
    tencent = Company.objects.get(slug="tencent")
    SlugRedirect.objects.create(kind="company", old_slug="penguin", target_id=tencent.pk)
    response = client.get("/articles/?company=penguin")
    assert response.status_code == 301
    assert response["Location"] == "/articles/?company=tencent"


def test_query_count_does_not_grow_with_results(
    client, articles, django_assert_max_num_queries, tmp_path
):
    from articles.importing.service import import_paths
    from tests.listing.conftest import write_records

    with django_assert_max_num_queries(20) as few:
        client.get("/articles/?company=tencent")
    more = [
        (
            f"腾讯发布产品{i}",
            f"https://example.com/more/{i}",
            f"词{i}",
            "大模型",
            f"行业{i}",
            "2024年2月1日，腾讯发布产品。",
        )
        for i in range(15)
    ]
    import_paths([str(write_records(tmp_path / "more", more))])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/articles/?company=tencent")


def test_atom_feed_parses_and_follows_filters(client, articles):
    response = client.get("/articles/feed/?company=baidu")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert sorted(entry.title for entry in feed.entries) == [
        "百度发布文心一言",
        "腾讯与百度达成合作",
    ]
    assert "百度" in feed.feed.title
    xss = feedparser.parse(client.get("/articles/feed/?event_type=launch").content)
    assert any("<script>" in entry.title for entry in xss.entries)  # text, as titles are


def test_csv_round_trips_the_view_and_escapes_formulas(client, articles):
    Article.objects.filter(url="https://example.com/3").update(title="=HYPERLINK(1)")
    response = client.get("/articles.csv?technology=%E5%A4%A7%E6%A8%A1%E5%9E%8B")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {row["title"] for row in rows} == {
        "腾讯发布混元大模型",
        "百度发布文心一言",
        "'=HYPERLINK(1)",
        "<script>alert(1)</script>腾讯发布新品",
    }
    listed = client.get("/articles.json?technology=%E5%A4%A7%E6%A8%A1%E5%9E%8B").json()
    assert [int(row["id"]) for row in rows] == [item["id"] for item in listed["results"]]
    assert csv_cell("-1+1") == "'-1+1" and csv_cell("@x") == "'@x" and csv_cell("ok") == "ok"


def test_json_pages_with_next_links(client, articles, monkeypatch):
    monkeypatch.setattr("articles.views.listing.JSON_PAGE_SIZE", 2)
    first = client.get("/articles.json?company=tencent").json()
    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["next"] == "http://testserver/articles.json?company=tencent&page=2"
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert json.dumps(second, ensure_ascii=False)


def test_zero_results_suggest_dropping_a_filter_and_near_spellings(client, articles):
    html = client.get("/articles/?company=alibaba&industry=%E9%87%91%E8%9E%8D").content.decode()
    assert "没有符合此视图的文章。" in html
    assert 'href="?industry=%E9%87%91%E8%9E%8D">去掉 阿里巴巴</a>' in html
    misspelt = client.get("/articles/?q=Tencnet").content.decode()
    assert '<a href="/articles/?q=Tencent">Tencent</a>' in misspelt


def test_near_spellings_follow_new_tags(client, articles, tmp_path):
    from articles.importing.service import import_paths
    from tests.listing.conftest import write_records

    assert "Quantumleap" not in client.get("/articles/?q=Quantumlep").content.decode()
    record = (
        "腾讯发布量子计算芯片",
        "https://example.com/quantum",
        "Quantumleap",
        "量子计算",
        "科技",
        "2024年3月1日，腾讯发布量子计算芯片。",
    )
    import_paths([str(write_records(tmp_path / "quantum", [record]))])
    assert '<a href="/articles/?q=Quantumleap">Quantumleap</a>' in (
        client.get("/articles/?q=Quantumlep").content.decode()
    )
