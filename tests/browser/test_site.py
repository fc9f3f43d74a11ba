"""The public site in a real browser: facets, chips, languages, escaping, exports.

Every page the tests open also fails them on any dialog, uncaught page error, console
error or HTTP error response, the stylesheet included (see conftest.new_context).
"""

from __future__ import annotations

import csv
from urllib.parse import quote, urlsplit

import feedparser
import pytest
from playwright.sync_api import expect

from .conftest import SEED_TITLE, XSS_TITLE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("browser", "corpus"),  # browser first: skip before loading data
    pytest.mark.slow,
]

FINANCE = quote("金融")  # the industry's slug is its name
TENCENT_ONLY = "/articles/?company=tencent"
TENCENT_FINANCE = f"/articles/?company=tencent&industry={FINANCE}"
# The canonical spelling: parameters in querystring.PARAM_ORDER (industry before
# event_type), multi-valued ones sorted. Any other spelling redirects here.
FILTERED = f"/articles/?company=tencent&industry={FINANCE}&event_type=launch"
ALPHABETICAL = f"/articles/?company=tencent&event_type=launch&industry={FINANCE}"
SCRIPT_TEXT = "<script>window.__xss=1</script>"


def location_of(url: str) -> str:
    """The path and query of a URL, as a link on the site spells them."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def location(page) -> str:
    return location_of(page.url)


def wait_for(page, path: str) -> None:
    page.wait_for_url(lambda url: location_of(url) == path)
    assert location(page) == path


def titles(page) -> list[str]:
    return page.locator(".article-list .card-title a").all_inner_texts()


def click_facet(page, facet: str, value: str, then: str) -> None:
    page.locator(f'.facets a[data-facet="{facet}"][data-value="{value}"]').click()
    wait_for(page, then)


def chip(page, label: str):
    """The × link of the active-filter chip whose label is ``label``."""
    return page.locator(".chips .chip", has_text=label).locator("a")


def test_facet_clicks_build_the_canonical_url_and_a_chip_removes_only_its_filter(any_page):
    page = any_page
    page.goto("/articles/")
    click_facet(page, "company", "tencent", then=TENCENT_ONLY)
    click_facet(page, "industry", "金融", then=TENCENT_FINANCE)
    click_facet(page, "event_type", "launch", then=FILTERED)

    assert SEED_TITLE in titles(page)
    for facet, value in [("company", "tencent"), ("industry", "金融"), ("event_type", "launch")]:
        link = page.locator(f'.facets a[data-facet="{facet}"][data-value="{value}"]')
        expect(link).to_have_attribute("aria-current", "true")
    expect(page.locator(".chips .chip")).to_have_count(3)

    chip(page, "金融").click()
    wait_for(page, "/articles/?company=tencent&event_type=launch")
    expect(page.locator(".chips .chip")).to_have_count(2)
    expect(page.locator(".chips .chip", has_text="金融")).to_have_count(0)
    assert SEED_TITLE in titles(page)

    chip(page, "腾讯").click()
    wait_for(page, "/articles/?event_type=launch")
    expect(page.locator(".chips .chip")).to_have_count(1)


def test_a_filtered_view_is_the_same_after_reload_and_in_another_browser(page, new_context):
    page.goto(FILTERED)
    first = titles(page)
    assert SEED_TITLE in first

    page.reload()
    assert location(page) == FILTERED
    assert titles(page) == first

    other = new_context()  # no cookies, no history: another browser
    assert other.cookies() == []
    other_page = other.new_page()
    other_page.goto(FILTERED)
    assert location(other_page) == FILTERED
    assert titles(other_page) == first

    # Another spelling of the same view redirects to the canonical URL.
    other_page.goto(ALPHABETICAL)
    assert location(other_page) == FILTERED
    assert titles(other_page) == first


def switch_language(page, label: str) -> None:
    form = page.locator("form.language-switch")
    form.locator("select[name=language]").select_option(label=label)
    with page.expect_request(lambda r: r.method == "POST" and "/i18n/setlang/" in r.url):
        form.locator("button[type=submit]").click()


def test_the_language_switch_keeps_the_filters(any_page):
    page = any_page
    page.goto(FILTERED)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    first = titles(page)

    launch_chip = page.locator(".chips .chip").nth(2)
    expect(launch_chip).to_contain_text("产品发布")

    switch_language(page, "English")
    expect(html).to_have_attribute("lang", "en")
    page.wait_for_load_state()
    assert location(page) == FILTERED
    assert titles(page) == first
    expect(launch_chip).to_contain_text("Product launch")

    switch_language(page, "简体中文")
    expect(html).to_have_attribute("lang", "zh-hans")
    page.wait_for_load_state()
    assert location(page) == FILTERED
    assert titles(page) == first
    expect(launch_chip).to_contain_text("产品发布")


def assert_script_is_inert_text(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert SCRIPT_TEXT in page.locator("main").inner_text()
    assert not page.evaluate(
        "Array.from(document.scripts).some(s => s.textContent.includes('__xss'))"
    )


def test_a_script_tag_in_a_title_is_shown_as_text_and_never_runs(page, corpus):
    # The newest article, so first on the plain list.
    page.goto("/articles/")
    assert titles(page)[0] == XSS_TITLE
    assert_script_is_inert_text(page)

    # Search results highlight the title: escaped first, then marked.
    page.goto(f"/articles/?q={quote('脚本标题测试')}")
    assert titles(page) == [XSS_TITLE]
    expect(page.locator(".article-list .card-title mark")).to_have_text("脚本标题测试")
    assert_script_is_inert_text(page)

    page.locator(".article-list .card-title a").first.click()
    wait_for(page, corpus["xss"].get_absolute_url())
    expect(page.locator("h1")).to_have_text(XSS_TITLE)
    assert SCRIPT_TEXT in page.title()
    assert_script_is_inert_text(page)


def test_home_to_a_filtered_view_then_its_csv_and_feed(any_page):
    """The "done when" flow: home → 腾讯 + 金融 + 产品发布 → CSV and Atom feed."""
    page = any_page
    page.goto("/")
    companies = page.locator("section[aria-labelledby=companies-heading]")
    companies.get_by_role("link", name="腾讯", exact=True).click()
    wait_for(page, TENCENT_ONLY)
    click_facet(page, "industry", "金融", then=TENCENT_FINANCE)
    click_facet(page, "event_type", "launch", then=FILTERED)
    shown = titles(page)
    assert SEED_TITLE in shown
    expect(page.locator("h1")).to_contain_text("腾讯 · 金融 · 产品发布")

    query = urlsplit(page.url).query
    csv_link = page.locator(".exports a", has_text="CSV")
    expect(csv_link).to_have_attribute("href", f"/articles.csv?{query}")
    with page.expect_download() as download_info:
        csv_link.click()
    download = download_info.value
    assert download.suggested_filename == "articles.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as handle:  # BOM first
        rows = list(csv.DictReader(handle))
    assert [row["title"] for row in rows] == shown

    feed_href = page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute(
        "href"
    )
    feed_link = page.locator(".exports a[href*='/feed/']")
    expect(feed_link).to_have_attribute("href", feed_href)
    assert feed_href == f"/articles/feed/?{query}"
    response = page.request.get(feed_href)
    assert response.ok
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo, feed.bozo_exception
    assert [entry.title for entry in feed.entries] == shown
    card_links = [
        link.get_attribute("href") for link in page.locator(".article-list .card-title a").all()
    ]
    assert [urlsplit(entry.link).path for entry in feed.entries] == card_links
