"""Fuzzing every public URL: whatever the path and query, the answer is 200, a redirect,
400 or 404, never a 5xx. Plus the known traps, each with a test of its own.

FUZZ_EXAMPLES sets the total number of Hypothesis examples (default 2,000, split across
the fuzz tests below by weight); ``make fuzz`` runs a longer campaign.
"""

from __future__ import annotations

import os
import traceback
from urllib.parse import quote, quote_from_bytes, urlencode, urlsplit

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import search
from articles.dictionary import search_for
from articles.models import Article, Company, Event
from articles.querystring import PARAM_ORDER

from .conftest import english_client

pytestmark = pytest.mark.django_db

TOTAL_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
OK = {200, 301, 302, 400, 404}


def examples(share: float) -> settings:
    return settings(
        max_examples=max(10, int(TOTAL_EXAMPLES * share)),
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# -- values -----------------------------------------------------------------------------

TRAPS = [
    "\x00",
    "a\x00b",
    "-" * 33,
    "-" * 40,
    "-" * 100,
    "-" * 1000,
    "!" * 50,
    "!!!!",
    '"',
    "'",
    '"unbalanced',
    "unbalanced'",
    '"""',
    "((((",
    "))",
    "|",
    "||||",
    "& | ! <->",
    ":*",
    "a:*B",
    "OR",
    "OR OR OR",
    "-a -b -c",
    '-"',
    "\\",
    "%",
    "%00",
    "../../etc/passwd",
    "²",
    "٣",
    "1e5",
    "NaN",
    "inf",
    "-0",
    "0",
    "-1",
    "1",
    "2000.5",
    "2024",
    "9" * 20,
    "9" * 5000,
    "1" + "0" * 4999,
    "2024-13-45",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "x" * 10_000,
    "大模型" * 500,
    "tencent",
    "baidu",
    "no-such-slug",
    "relevance",
    "\u202e\u200f",
    "\ud7ff\ufffd",
    "<script>alert(1)</script>",
]

values = st.one_of(
    st.sampled_from(TRAPS),
    st.text(max_size=40),
    st.text(alphabet="-!\"'|()&:*<> 腾讯", max_size=300),
    st.integers().map(str),
    st.builds(
        lambda a, b: a * b, st.sampled_from(["-", "!", '"', "(", "9", "a "]), st.integers(0, 3000)
    ),
)
# Query strings as a browser or crawler could send them, including broken UTF-8.
raw_values = st.one_of(
    values.map(lambda v: quote(v, safe="")),
    st.binary(max_size=50).map(lambda b: quote_from_bytes(b, safe="")),
    st.text(alphabet="%=&+;?#/", max_size=30),
)
names = st.one_of(
    st.sampled_from(PARAM_ORDER), st.text(max_size=10), st.sampled_from(["utm_x", ""])
)
params = st.lists(st.tuples(names, values), max_size=8)
slugs = st.one_of(values, st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", max_size=60))
numbers = st.one_of(
    st.integers(min_value=0).map(str),
    st.sampled_from(["0", "1", "9" * 19, "9" * 20, "9" * 5000, "00001"]),
)

LIST_PATHS = ["/articles/", "/articles/feed/", "/articles.csv", "/articles.json"]
INDEX_PATHS = [
    "/",
    "/companies/",
    "/industries/",
    "/technologies/",
    "/keywords/",
    "/event-types/",
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-companies.xml",
    "/sitemap-events.xml",
    "/healthz",
]


@pytest.fixture
def fuzz_client(xss):
    return english_client(raise_request_exception=False)


def fetch(client: Client, url: str):
    response = client.get(url)
    if response.status_code not in OK:
        detail = ""
        if getattr(response, "exc_info", None):
            detail = "".join(traceback.format_exception(*response.exc_info))
        pytest.fail(f"{url[:300]!r} answered {response.status_code}\n{detail}")
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # a CSV error would only show here
    return response


def fetch_following(client: Client, url: str):
    """A redirect leads to the canonical URL, which answers without redirecting again."""
    response = fetch(client, url)
    if response.status_code in {301, 302}:
        location = response["Location"]
        assert urlsplit(location).netloc in {"", "testserver"}, location  # never off-site
        again = fetch(client, location)
        assert again.status_code not in {301, 302}, f"{url!r} -> {location!r} redirects again"
    return response


# -- fuzzing ----------------------------------------------------------------------------


@examples(0.35)
@given(path=st.sampled_from(LIST_PATHS), query=params)
def test_list_feed_csv_and_json_take_any_parameters(fuzz_client, path, query):
    fetch_following(fuzz_client, path + "?" + urlencode(query))


@examples(0.1)
@given(
    path=st.sampled_from(LIST_PATHS + INDEX_PATHS),
    parts=st.lists(st.tuples(raw_values, raw_values), max_size=6),
)
def test_raw_query_strings(fuzz_client, path, parts):
    fetch(fuzz_client, path + "?" + "&".join(f"{k}={v}" for k, v in parts))


short_values = st.one_of(st.sampled_from([t for t in TRAPS if len(t) <= 40]), st.text(max_size=12))


@examples(0.15)
@given(
    name=st.sampled_from([*PARAM_ORDER, "zzz"]),
    value=short_values,
    count=st.integers(2, 1500),
    distinct=st.booleans(),
)
def test_many_repeated_parameters(fuzz_client, name, value, count, distinct):
    query = "&".join(
        f"{name}={quote(value + str(i) if distinct else value, safe='')}" for i in range(count)
    )
    fetch_following(fuzz_client, "/articles/?" + query)


@examples(0.25)
@given(
    kind=st.sampled_from(["detail", "detail_no_slug", "company", "event", "sitemap", "other"]),
    number=numbers,
    slug=slugs,
)
def test_path_parameters(fuzz_client, kind, number, slug):
    segment = quote(slug, safe="")
    url = {
        "detail": f"/articles/{number}-{segment}/",
        "detail_no_slug": f"/articles/{number}/",
        "company": f"/companies/{segment}/",
        "event": f"/events/{number}/",
        "sitemap": f"/sitemap-{segment}.xml",
        "other": f"/{segment}",
    }[kind]
    fetch_following(fuzz_client, url)


@examples(0.15)
@given(
    path=st.sampled_from(INDEX_PATHS),
    query=st.lists(
        st.tuples(st.sampled_from(["page", "p", "category", "q", "x"]), values), max_size=4
    ),
)
def test_index_pages_take_any_parameters(fuzz_client, path, query):
    fetch(fuzz_client, path + "?" + urlencode(query))


def test_real_pages_of_the_fixture_answer(fuzz_client):
    """The fuzzed site is not empty: its real pages answer 200."""
    article = Article.objects.published().first()
    for url in [
        article.get_absolute_url(),
        f"/events/{Event.objects.first().pk}/",
        f"/companies/{Company.objects.get(slug='tencent').slug}/",
        "/articles/?q=%E6%B7%B7%E5%85%83",
    ]:
        assert fetch(fuzz_client, url).status_code == 200, url


# -- known traps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/articles/?q=%00",
        "/articles/?q=%E8%85%BE%E8%AE%AF%00",
        "/articles/?company=%00",
        "/articles/?industry=a%00b",
        "/articles.json?keyword=%00",
        "/articles.csv?company=%00",
        "/articles/feed/?company=%00",
        "/companies/%00/",
        "/companies/tencent%00/",
        "/articles/1-%00/",
        "/sitemap-%00.xml",
        "/keywords/?page=%00",
        "/?%00=1",
    ],
)
def test_nul_bytes_are_a_400(db, url):
    """psycopg refuses NUL in text (a DataError, i.e. a 500 before the middleware)."""
    response = english_client(raise_request_exception=False).get(url)
    assert response.status_code == 400, url
    assert "NUL" in response.content.decode()


def test_nul_in_a_cookie_is_a_400(fuzz_client):
    fuzz_client.cookies["sessionid"] = "abc\x00def"
    assert fuzz_client.get("/admin/login/").status_code == 400


def test_a_data_error_anywhere_is_a_400_not_a_500(fuzz_client, monkeypatch):
    """Defence in depth: input the database refuses, past the NUL filter, is still a 400."""
    from articles.middleware import RejectNulMiddleware

    monkeypatch.setattr(RejectNulMiddleware, "__call__", lambda self, r: self.get_response(r))
    response = fuzz_client.get("/companies/a%00b/")
    assert response.status_code == 400


def test_websearch_to_tsquery_is_the_trap(db):
    """Why we parse queries ourselves: PostgreSQL's own parser fails on 33+ dashes."""
    with (
        pytest.raises(DatabaseError, match="stack too small"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT websearch_to_tsquery('simple', %s)", ["a " + "-" * 40 + " b"])


@pytest.mark.parametrize("dashes", [33, 40, 100, 1000])
def test_runs_of_dashes_in_a_search(fuzz_client, dashes):
    """Our parser takes any run of dashes; more than 256 characters is a 400 (too long)."""
    for q in ["-" * dashes, "腾讯 " + "-" * dashes, "-" * dashes + "混元", "- " * dashes]:
        response = fuzz_client.get("/articles/?" + urlencode({"q": q}), follow=True)
        assert response.status_code == (200 if len(q.strip()) <= 256 else 400), (dashes, q[:50])
        compiled = search_for(q[:256])
        if not compiled.is_empty:
            with connection.cursor() as cursor:
                cursor.execute("SELECT %s::tsquery", [compiled.tsquery])
    q = "混元 " + "-" * min(dashes, 250)
    response = fuzz_client.get("/articles/?" + urlencode({"q": q}))
    assert response.status_code == 200
    assert "xss-title" in response.content.decode()


@pytest.fixture
def broken_search(monkeypatch):
    """A search the database refuses: an invalid cast makes every search a ProgrammingError."""
    monkeypatch.setattr(search.TsQuery, "template", "(%(expressions)s)::no_such_type")


@pytest.mark.parametrize("path", ["/articles/", "/articles.json", "/articles/feed/"])
def test_a_failing_search_does_not_poison_the_request(fuzz_client, broken_search, path):
    """The search error is rolled back to a savepoint and answered 400; the connection's
    transaction stays usable for the rest of the request and for the next one."""
    with transaction.atomic():  # as under ATOMIC_REQUESTS, or any caller's transaction
        response = fuzz_client.get(path + "?q=%E6%B7%B7%E5%85%83")
        assert response.status_code == 400
        assert "could not run this search" in response.content.decode()
        assert Article.objects.count() == 5  # no "current transaction is aborted"
        assert fuzz_client.get(path).status_code == 200  # no search: fine
    assert not connection.needs_rollback


def test_an_unavailable_database_in_a_search_is_a_503(fuzz_client, monkeypatch):
    from django.db import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr(search, "apply_search", down)
    monkeypatch.setattr("articles.filters.apply_search", down)
    response = fuzz_client.get("/articles/?q=%E6%B7%B7%E5%85%83")
    assert response.status_code == 503
    assert response["Retry-After"]


def test_database_errors_other_than_unavailable_are_not_swallowed(fuzz_client, monkeypatch):
    """A programming error outside the listing views is still a 500 (and logged)."""

    def broken(*args, **kwargs):
        raise DatabaseError("bug")

    monkeypatch.setattr("articles.views.pages.published", broken)
    assert fuzz_client.get("/").status_code == 500


# -- pagination -------------------------------------------------------------------------


@pytest.fixture
def many(xss, dictionary, tmp_path):
    """45 articles: three pages of the list (20 a page)."""
    from articles.importing.service import import_paths

    records = "\n".join(
        f"标题: 第{i}篇\n链接: https://news.test/page/{i}\n总结: 2024年1月{i % 28 + 1}日，腾讯。\n"
        for i in range(40)
    )
    (tmp_path / "many.txt").write_text(records, encoding="utf-8")
    assert import_paths([str(tmp_path / "many.txt")]).created == 40


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1", "²", "", "1.5", "0x2", " "])
def test_pages_that_are_not_numbers_above_one_go_to_the_first_page(fuzz_client, many, page):
    for path in ["/articles/", "/articles.json"]:
        response = fuzz_client.get(f"{path}?company=tencent&page={quote(page)}")
        assert response.status_code == 301
        assert response["Location"] == f"{path}?company=tencent"


@pytest.mark.parametrize("page", ["4", "99", "9999999", str(10**9), "9" * 5000, "0004"])
def test_pages_past_the_end_show_the_last_page(fuzz_client, many, page):
    response = fuzz_client.get("/articles/?page=" + page, follow=True)
    assert response.status_code == 200
    assert response.context["page"].number == 3
    data = fuzz_client.get("/articles.json?page=" + page, follow=True).json()
    assert data["page"] == 1 and data["next"] is None  # 45 articles: one JSON page of 50


def test_a_page_number_is_canonical(fuzz_client, many):
    assert fuzz_client.get("/articles/?page=0002")["Location"] == "/articles/?page=2"
    huge = fuzz_client.get(f"/articles/?page={10**9}")
    assert huge.status_code == 301 and huge["Location"] == "/articles/?page=9999999"
    assert fuzz_client.get("/articles/?page=2").status_code == 200
