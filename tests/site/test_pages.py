"""The public pages other than the article list: content, privacy, escaping, query counts."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.template.loader import get_template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.text import slugify
from django.views.defaults import server_error

from articles.charts import timeline_bins, timeline_svg
from articles.models import Article, Company, Event, SlugRedirect

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html(response)).split())


def assert_hidden_absent(response):
    body = html(response)
    assert "隐藏的秘密文章" not in body
    assert "秘密行业" not in body
    assert "秘密词" not in body


def assert_script_escaped(response):
    body = html(response)
    assert "&lt;script&gt;" in body
    assert "<script>alert" not in body


# Home -------------------------------------------------------------------------------


def test_home_shows_latest_top_lists_and_timeline(client, site):
    response = client.get("/")
    assert response.status_code == 200
    body, words = html(response), text(response)
    # Latest articles, newest first; the hidden one is absent.
    positions = [body.index(site[name].get_absolute_url()) for name in ("users", "ernie", "script")]
    assert positions == sorted(positions)
    assert_hidden_absent(response)
    assert_script_escaped(response)
    # Top companies, industries and event types, with published-only counts and filter links.
    assert '<a href="/articles/?company=baidu">百度</a> <span class="count">2<' in body
    assert '<a href="/articles/?company=tencent">腾讯</a> <span class="count">2<' in body
    assert '<a href="/articles/?company=alibaba">阿里巴巴</a> <span class="count">2<' in body
    assert '?industry=%E9%87%91%E8%9E%8D">金融</a> <span class="count">3<' in body
    assert (
        '<a href="/articles/?event_type=launch">Product launch</a> <span class="count">2<' in body
    )
    assert '<a href="/articles/?event_type=research">Research</a> <span class="count">1<' in body
    assert "event_type=funding" not in body.split('id="event-types-heading"')[1]
    # The timeline: one bar per month from the first to the last; November (only the
    # hidden article) is an empty bar.
    assert '<svg class="chart"' in body and 'role="img"' in body
    assert "<title>2023-10: 1 article</title>" in body
    assert "<title>2023-11: 0 articles</title>" in body
    assert "from 2023-08 to 2023-12: 4 in all" in words
    # The big search box sends q to the article list.
    assert 'action="/articles/"' in body and 'id="home-q" type="search" name="q"' in body


def test_home_with_no_articles(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "No articles yet." in text(response)
    assert "<svg" not in html(response)


# Article detail ---------------------------------------------------------------------


def test_article_detail_shows_every_field(client, site):
    article = site["ernie"]
    url = article.get_absolute_url()
    assert unquote(url) == f"/articles/{article.pk}-{slugify(article.title, allow_unicode=True)}/"
    response = client.get(url)
    assert response.status_code == 200
    body, words = html(response), text(response)
    assert '<h1 id="article-title">百度发布文心一言4.0</h1>' in body
    # Summary paragraphs, with the line break inside the second one.
    assert (
        "<p>2023年10月17日，百度在世界大会上发布文心一言4.0，腾讯和阿里巴巴也在关注。</p>" in body
    )
    assert "<p>百度称新版本理解能力明显提升。<br>第二段第二行。</p>" in body
    # Date at its precision, event type, event link, source link.
    assert '<time datetime="2023-10-17">' in body
    assert "Product launch" in words
    assert f'href="{article.event.get_absolute_url()}"' in body
    assert 'href="https://news.test/baidu-ernie-4" rel="noopener nofollow"' in body
    # Tags link to the filtered list, in their order.
    assert body.index("?keyword=%E6%96%87%E5%BF%83%E4%B8%80%E8%A8%80") < body.index(
        "?keyword=%E5%A4%A7%E6%A8%A1%E5%9E%8B"
    )
    assert '?industry=%E6%95%99%E8%82%B2">教育</a>' in body
    assert '?technology=%E5%A4%A7%E8%AF%AD%E8%A8%80%E6%A8%A1%E5%9E%8B">大语言模型</a>' in body
    # Companies: the main one first, with mentions.
    companies = body.split('id="companies-heading"')[1]
    assert companies.index("/companies/baidu/") < companies.index("/companies/tencent/")
    assert "百度 main 6 mentions" in text(response)
    # Unknown fields in a small table.
    assert '<th scope="row">作者</th><td>测试员</td>' in body
    assert '<th scope="row">来源频道</th><td>科技</td>' in body
    # Related: the other Baidu article (same main company, shared keyword), not the hidden one.
    related = body.split('id="related-heading"')[1]
    assert site["users"].get_absolute_url() in related
    assert_hidden_absent(response)


def test_article_detail_date_precision(client, site):
    article = site["qwen"]
    Article.objects.filter(pk=article.pk).update(
        event_date=dt.date(2023, 8, 1), event_date_precision="month"
    )
    assert '<time datetime="2023-08">August 2023</time>' in html(
        client.get(article.get_absolute_url())
    )
    Article.objects.filter(pk=article.pk).update(event_date_precision="year")
    assert '<time datetime="2023">2023</time>' in html(client.get(article.get_absolute_url()))


def test_article_detail_escapes_script_payloads(client, site):
    response = client.get(site["script"].get_absolute_url())
    assert response.status_code == 200
    assert_script_escaped(response)
    body = html(response)
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;腾讯发布混元大模型" in body
    assert "&lt;script&gt;alert(&#x27;summary&#x27;)&lt;/script&gt;" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(3)&gt;" in body


def test_article_wrong_or_missing_slug_redirects_permanently(client, site):
    article = site["ernie"]
    for url in (f"/articles/{article.pk}-wrong-slug/", f"/articles/{article.pk}/"):
        response = client.get(url)
        assert response.status_code == 301
        assert response["Location"] == article.get_absolute_url()


def test_article_slug_falls_back_when_title_has_no_letters(client, site):
    Article.objects.filter(pk=site["qwen"].pk).update(title="！！！")
    article = Article.objects.get(pk=site["qwen"].pk)
    assert article.get_absolute_url() == f"/articles/{article.pk}-article/"
    assert client.get(article.get_absolute_url()).status_code == 200


def test_hidden_and_unknown_articles_are_404(client, site):
    hidden = site["hidden"]
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(f"/articles/{hidden.pk}/").status_code == 404
    assert client.get("/articles/999999-nothing/").status_code == 404


def test_source_link_is_never_a_script_url(client, site):
    Article.objects.filter(pk=site["qwen"].pk).update(url="javascript:alert(1)")
    body = html(client.get(site["qwen"].get_absolute_url()))
    assert "javascript:" not in body
    assert 'href="https://news.test/alibaba-qwen-7b" rel="noopener nofollow"' in body


# Companies --------------------------------------------------------------------------


def test_company_index_counts_published_only(client, site):
    response = client.get(reverse("articles:company_index"))
    assert response.status_code == 200
    body = html(response)
    assert re.search(
        r'/companies/baidu/">百度</a>.*?</th>\s*<td>Chinese big tech</td>\s*'
        r'<td class="num"><a href="/articles/\?company=baidu">2</a>',
        body,
        re.S,
    )
    # Companies without articles come after those with some, with a 0.
    assert body.index("/companies/baidu/") < body.index("/companies/nvidia/")
    assert re.search(r'/companies/nvidia/">英伟达</a>.*?<td class="num">0</td>', body, re.S)
    assert Company.objects.count() == body.count('<th scope="row">')


def test_company_index_filters_by_category(client, site):
    response = client.get(reverse("articles:company_index"), {"category": "chip"})
    body = html(response)
    assert "/companies/nvidia/" in body and "/companies/baidu/" not in body
    assert 'href="?category=chip" aria-current="page"' in body
    everything = html(client.get(reverse("articles:company_index"), {"category": "nonsense"}))
    assert "/companies/baidu/" in everything and "/companies/nvidia/" in everything


def test_company_page(client, site):
    response = client.get("/companies/baidu/")
    assert response.status_code == 200
    body, words = html(response), text(response)
    assert "以搜索起家的中国科技公司" in words  # description
    assert "百度智能云" in words and "文心一言" in words  # an alias and a product
    assert '<a href="/articles/?company=baidu">2 articles</a>' in body
    # Coverage timeline: October and December 2023; November's article is hidden.
    assert "<title>2023-10: 1 article</title>" in body
    assert "<title>2023-11: 0 articles</title>" in body
    # Its events, grouped by type, with published-article counts; not the hidden one's.
    events = body.split('id="events-heading"')[1]
    assert "<h3>Product launch</h3>" in events and "<h3>Research</h3>" in events
    assert site["ernie"].event.get_absolute_url() in events
    assert "Funding" not in events
    event = site["ernie"].event
    shown = (
        f'<a href="{event.get_absolute_url()}">{event.title}</a> <span class="meta">'
        f'<time datetime="{event.date:%Y-%m-%d}">'
    )
    assert re.search(re.escape(shown) + r"[^<]+</time> · 1 article</span>", events)
    client.cookies["django_language"] = "zh-hans"
    chinese = html(client.get("/companies/baidu/"))
    assert re.search(
        re.escape(shown) + r"\d{4}年\d{1,2}月\d{1,2}日</time> · 1 篇文章</span>", chinese
    )
    # Co-mentioned companies, top technologies and industries.
    co = body.split('id="co-heading"')[1].split("</section>")[0]
    assert '/companies/tencent/">腾讯</a> <span class="count">1<' in co
    assert '/companies/alibaba/">阿里巴巴</a> <span class="count">1<' in co
    assert "/companies/baidu/" not in co
    assert '大语言模型</a> <span class="count">2<' in body
    assert '金融</a> <span class="count">2<span class="visually-hidden"> articles</span>' in body
    assert '金融</a> <span class="count">2<span class="visually-hidden"> 文章</span>' in chinese
    # Latest articles.
    latest = body.split('id="latest-heading"')[1]
    assert site["users"].get_absolute_url() in latest and site["ernie"].get_absolute_url() in latest
    assert site["qwen"].get_absolute_url() not in latest
    assert_hidden_absent(response)


def test_company_page_escapes_titles(client, site):
    assert_script_escaped(client.get("/companies/tencent/"))


def test_old_company_slug_redirects_and_unknown_is_404(client, site):
    baidu = Company.objects.get(slug="baidu")
    SlugRedirect.objects.create(kind="company", old_slug="baidu-old", target_id=baidu.pk)
    SlugRedirect.objects.create(kind="keyword", old_slug="keyword-only", target_id=baidu.pk)
    response = client.get("/companies/baidu-old/")
    assert response.status_code == 301
    assert response["Location"] == "/companies/baidu/"
    assert client.get("/companies/keyword-only/").status_code == 404
    assert client.get("/companies/no-such-company/").status_code == 404
    SlugRedirect.objects.create(kind="company", old_slug="gone", target_id=10**9)
    assert client.get("/companies/gone/").status_code == 404


# Tag and event-type indexes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter", "expected", "heading"),
    [
        (
            "/industries/",
            "industry",
            [("金融", 3), ("互联网", 1), ("教育", 1), ("电商", 1)],
            "Industries",
        ),
        ("/technologies/", "technology", [("大语言模型", 4), ("开源模型", 1)], "Technologies"),
        ("/keywords/", "keyword", [("文心一言", 2), ("大模型", 1), ("混元", 1)], "Keywords"),
    ],
)
def test_tag_indexes(client, site, url, parameter, expected, heading):
    response = client.get(url)
    assert response.status_code == 200
    body = html(response)
    assert f"<h1>{heading}</h1>" in body
    for name, count in expected:
        assert re.search(
            rf'\?{parameter}=[^"]+">{re.escape(name)}</a> <span class="count">{count}<', body
        ), name
    listing = body.split('class="tag-cloud"')[1]
    assert listing.index(f">{expected[0][0]}<") < listing.index(f">{expected[1][0]}<")
    assert_hidden_absent(response)


def test_tag_index_escapes_names(client, site):
    body = html(client.get("/keywords/"))
    assert "&lt;img src=x onerror=alert(3)&gt;" in body and "<img src=x" not in body


def test_tag_index_pages(client, site, monkeypatch):
    monkeypatch.setattr("articles.views.pages.TAGS_PER_PAGE", 2)
    first = html(client.get("/industries/"))
    assert "Page 1 of 2" in first and 'rel="next" href="?page=2"' in first
    second = html(client.get("/industries/", {"page": 2}))
    assert "Page 2 of 2" in second and "金融" not in second


def test_event_type_index(client, site):
    response = client.get("/event-types/")
    assert response.status_code == 200
    body = html(response)
    assert body.count("<tr") == 15  # a header and the 14 types
    assert re.search(
        r'\?event_type=launch">Product launch</a></th>.*?<td class="num">2</td>', body, re.S
    )
    assert re.search(
        r'\?event_type=research">Research</a></th>.*?<td class="num">1</td>', body, re.S
    )
    assert re.search(r'\?event_type=funding">Funding</a></th>.*?<td class="num">0</td>', body, re.S)
    assert '<td lang="en">Earnings and market value</td>' in body
    assert body.index("event_type=launch") < body.index("event_type=funding")


# Events -----------------------------------------------------------------------------


def test_event_page(client, site):
    event = site["ernie"].event
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    body, words = html(response), text(response)
    assert "<h1>百度发布文心一言4.0</h1>" in body
    assert "Product launch" in words
    assert '<time datetime="2023-10-17">Oct. 17, 2023</time>' in body
    assert 'href="/companies/baidu/">百度</a>' in body
    assert "1 article" in words and site["ernie"].get_absolute_url() in body


def test_event_of_hidden_articles_only_is_404(client, site):
    assert client.get(site["hidden"].event.get_absolute_url()).status_code == 404
    assert client.get("/events/999999/").status_code == 404


def test_event_page_escapes(client, site):
    response = client.get(site["script"].event.get_absolute_url())
    assert response.status_code == 200
    assert_script_escaped(response)


# Errors and sitemap ------------------------------------------------------------------


def test_404_page_in_site_style(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = html(response)
    assert "Page not found" in body and 'class="site-header"' in body and 'lang="en"' in body


def test_500_page_needs_no_database_or_request(django_assert_num_queries):
    with django_assert_num_queries(0):
        body = get_template("500.html").render()
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in body and "/static/css/site.css" in body
    assert "Something went wrong" in response.content.decode()


def test_sitemap_lists_public_pages_only(client, site):
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    for section in ("articles", "companies", "events"):
        assert f"/sitemap-{section}.xml" in html(index)
    articles = html(client.get("/sitemap-articles.xml"))
    assert site["ernie"].get_absolute_url() in articles
    assert f"/articles/{site['hidden'].pk}-" not in articles
    assert "/companies/baidu/</loc>" in html(client.get("/sitemap-companies.xml"))
    events = html(client.get("/sitemap-events.xml"))
    assert site["ernie"].event.get_absolute_url() in events
    assert site["hidden"].event.get_absolute_url() + "<" not in events


# Charts ------------------------------------------------------------------------------


def test_chart_escapes_and_describes():
    svg = timeline_svg(
        [(dt.date(2024, 1, 1), 3), (dt.date(2024, 3, 1), 1)], title="<script>x</script>"
    )
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    assert svg.count("<rect") == 3  # the empty February too
    assert "<title>2024-02: 0 articles</title>" in svg
    assert "<desc" in svg and "aria-labelledby" in svg
    assert timeline_svg([], title="t") == ""


def test_a_chart_reaches_back_thirty_years_and_counts_the_earlier_articles():
    rows = [(dt.date(1291, 2, 1), 2), (dt.date(1995, 3, 1), 1), (dt.date(2024, 1, 1), 3)]
    svg = timeline_svg(rows, title="t")
    assert svg.count("<rect") == 30  # 1995 to 2024, per year
    assert "<title>1995: 1 article</title>" in svg and "1291" not in svg
    assert "2 articles dated earlier are not drawn." in svg
    assert "not drawn" not in timeline_svg(rows[1:], title="t")


def test_long_spans_are_drawn_per_year():
    unit, bins = timeline_bins([(dt.date(2000, 5, 1), 2), (dt.date(2024, 2, 1), 1)])
    assert unit == "year" and len(bins) == 25 and bins[0] == (dt.date(2000, 1, 1), 2)


# Query counts ------------------------------------------------------------------------


def first_numbered():
    return Article.objects.get(canonical_url="https://news.test/numbered/0")


PAGES = {
    # page: (URL builder, most queries allowed, most on a cold aggregate cache)
    # Cold: the data version, then the aggregates (articles.page_aggregates) one query
    # each, and the objects they count; warm: the version and those objects only.
    "home": (lambda: "/", 8, 11),
    # 1 for the page's version (articles/detail_page.py), 6 to render it (not cached:
    # the import in between changes the version).
    "detail": (lambda: first_numbered().get_absolute_url(), 7, 7),
    "company_index": (lambda: "/companies/", 2, 3),
    # 1 for the page's version (articles/company_page.py); then, rendered, the
    # aggregates (cold: one more for the exact article count, which decides whether the
    # breakdowns are sampled); warm (cached body): the version only.
    "company": (lambda: "/companies/baidu/", 1, 17),
    "industries": (lambda: "/industries/", 2, 4),
    "technologies": (lambda: "/technologies/", 2, 4),
    "keywords": (lambda: "/keywords/", 2, 4),
    "event_types": (lambda: "/event-types/", 1, 2),
    "event": (lambda: first_numbered().event.get_absolute_url(), 6, 6),
    "sitemap_articles": (lambda: "/sitemap-articles.xml", 2, 2),
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_articles(
    client, import_numbered, page, django_assert_max_num_queries
):
    build_url, most, most_cold = PAGES[page]
    counts = []
    for start, stop in ((0, 3), (3, 10)):
        import_numbered(start, stop)
        url = build_url()
        with (
            django_assert_max_num_queries(most_cold),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200
    assert counts[0] == counts[1], counts
    assert Event.objects.exists()
