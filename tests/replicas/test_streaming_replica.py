"""Read replicas against a real streaming standby: a primary and a hot standby of its
own on loopback (bench/replica_pair.py), the sample corpus, and gunicorn.

Where a query ran is read from the servers' statement logs, whose lines carry the
connection's application_name (archive-primary, archive-replica_1).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.postgres import make_base, pg_bin
from bench.replica_pair import ReplicaPair, Site, load_sample

pytestmark = pytest.mark.slow

if not (pg_bin() / "pg_basebackup").exists():  # pgserver ships initdb and pg_ctl only
    pytest.skip("no pg_basebackup among the PostgreSQL binaries", allow_module_level=True)

SEARCH = "/articles/?q=" + urllib.parse.quote("大模型")
PAGES = ["/", "/articles/", SEARCH, "/companies/", "/keywords/", "/articles/feed/"]
PASSWORD = "a-long-test-password-42"  # noqa: S105 - a throwaway test cluster
LIST_QUERY = 'FROM "articles_article"'
SITE_ENV = {
    "DATABASE_REPLICA_MAX_LAG_SECONDS": "60",  # a paused standby is still used
    "DATABASE_REPLICA_HEALTH_SECONDS": "0.5",
    "DATABASE_STATEMENT_TIMEOUT_MS": "5000",
}


@pytest.fixture(scope="module")
def base():
    path = make_base("replica-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def pair(base: Path):
    servers = ReplicaPair(base)
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="module")
def site(pair, base):
    server = Site(base, pair.primary.url, [pair.standby.url], **SITE_ENV)
    try:
        load_sample(server)
        server.manage(
            "createsuperuser",
            "--no-input",
            "--username=curator",
            "--email=curator@example.com",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        pair.wait_caught_up()
        server.start(workers=1)  # one process: its health checks and caches are the ones seen
        yield server
    finally:
        server.stop()


@pytest.fixture
def paused(pair):
    pair.standby.pause_replay()
    try:
        yield pair
    finally:
        pair.standby.resume_replay()
        pair.wait_caught_up()


def statements(server, offset: int, application: str) -> list[str]:
    marker = f"{application}: LOG:  statement: "
    return [line for line in server.log_since(offset).splitlines() if marker in line]


def published_article(pair) -> int:
    return pair.primary.sql(
        "SELECT id FROM articles_article WHERE status = 'published' ORDER BY id LIMIT 1"
    )[0][0]


def detail(site, pk: int, opener=None):
    """The article's page, following its redirect to the address with the slug."""
    answer = site.get(f"/articles/{pk}/", opener=opener)
    if answer.status in (301, 302):
        answer = site.get(urllib.parse.urlsplit(answer.headers["Location"]).path, opener=opener)
    return answer


def readiness(site) -> dict:
    """/readyz's checks; it answers 200 while the primary does (a replica is optional)."""
    answer = site.get("/readyz")
    assert answer.status == 200, answer.body[:500]
    return json.loads(answer.body)["checks"]


def test_list_and_search_queries_run_on_the_standby(pair, site):
    standby_mark, primary_mark = pair.standby.log_size(), pair.primary.log_size()
    for path in ("/articles/", SEARCH):
        assert site.get(path).status == 200
    time.sleep(0.3)  # the log is written after the statement
    on_standby = statements(pair.standby, standby_mark, "archive-replica_1")
    assert any(LIST_QUERY in line for line in on_standby), on_standby[:5]
    assert any("search_vector" in line for line in on_standby)
    on_primary = statements(pair.primary, primary_mark, "archive-primary")
    assert not [line for line in on_primary if LIST_QUERY in line], on_primary[:5]


def test_the_version_and_the_data_of_a_cached_page_come_from_one_server(pair, site, paused):
    """Replay paused, an article changed on the primary: the page through the replica
    shows the replica's old text (not the old text under the new version's key), and
    after replay resumes, the new text."""
    pk = published_article(pair)
    assert detail(site, pk).status == 200  # cached under its version
    marker = f"replica-test-{time.monotonic_ns()}"
    pair.primary.sql(
        "UPDATE articles_article SET summary = summary || %s WHERE id = %s", (f" {marker}", pk)
    )
    during = detail(site, pk)
    assert during.status == 200 and marker not in during.body
    paused.standby.resume_replay()
    pair.wait_caught_up()
    time.sleep(0.6)  # one health period
    after = detail(site, pk)
    assert after.status == 200 and marker in after.body


def company_count(site, slug: str) -> int:
    page = site.get("/companies/")
    assert page.status == 200
    found = re.search(rf'href="/articles/\?company={re.escape(slug)}">(\d+)</a>', page.body)
    return int(found.group(1)) if found else 0


def test_cached_counts_are_keyed_by_the_version_of_the_server_they_were_read_from(
    pair, site, paused
):
    """The same rule for the aggregate cache: a company's count on /companies/."""
    pk, slug = pair.primary.sql(
        "SELECT a.id, c.slug FROM articles_article a "
        "JOIN articles_articlecompany l ON l.article_id = a.id AND l.is_main "
        "JOIN articles_company c ON c.id = l.company_id "
        "WHERE a.status = 'published' ORDER BY a.id DESC LIMIT 1"
    )[0]
    before = company_count(site, slug)
    assert before > 0
    pair.primary.sql("UPDATE articles_article SET status = 'hidden' WHERE id = %s", (pk,))
    assert company_count(site, slug) == before  # the standby has not replayed it
    paused.standby.resume_replay()
    pair.wait_caught_up()
    time.sleep(0.6)
    assert company_count(site, slug) == before - 1


def test_a_standby_past_the_lag_bound_is_skipped(pair, site, base, paused):
    strict = Site(
        base,
        pair.primary.url,
        [pair.standby.url],
        **{**SITE_ENV, "DATABASE_REPLICA_MAX_LAG_SECONDS": "1"},
    )
    try:
        strict.start(workers=1)
        pk = published_article(pair)
        assert detail(strict, pk).status == 200
        marker = f"lag-test-{time.monotonic_ns()}"
        pair.primary.sql(
            "UPDATE articles_article SET summary = summary || %s WHERE id = %s",
            (f" {marker}", pk),
        )
        time.sleep(2.5)  # past the 1 s bound
        assert marker in detail(strict, pk).body  # read on the primary
        assert marker not in detail(site, pk).body  # 60 s bound: still the standby
    finally:
        strict.stop()


def login(site) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.jar = jar
    form = site.get("/admin/login/", opener=opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1)
    data = {"username": "curator", "password": PASSWORD, "csrfmiddlewaretoken": token}
    answer = site.get(
        "/admin/login/?next=/admin/", opener=opener, data=urllib.parse.urlencode(data).encode()
    )
    assert answer.status == 302, answer.body[:500]
    return opener


def test_a_curators_edit_runs_on_the_primary_and_they_see_it_at_once(pair, site, paused):
    curator = login(site)
    pk = published_article(pair)
    assert detail(site, pk, opener=curator).status == 200
    changelist = site.get("/admin/articles/article/", opener=curator)
    assert changelist.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', changelist.body).group(1)
    form = {"action": "hide", "_selected_action": str(pk), "csrfmiddlewaretoken": token}
    primary_mark = pair.primary.log_size()
    answer = site.get(
        "/admin/articles/article/", opener=curator, data=urllib.parse.urlencode(form).encode()
    )
    assert answer.status == 302
    time.sleep(0.3)
    written = statements(pair.primary, primary_mark, "archive-primary")
    assert any("UPDATE" in line and "articles_article" in line for line in written)
    # Replay is paused: the standby still has the article published.
    assert pair.standby.sql("SELECT status FROM articles_article WHERE id = %s", (pk,)) == [
        ("published",)
    ]
    assert detail(site, pk, opener=curator).status == 404  # the curator reads the primary
    assert detail(site, pk).status == 200  # a visitor: the standby, not yet replayed
    paused.standby.resume_replay()
    pair.wait_caught_up()
    assert detail(site, pk).status == 404


def test_stopping_the_standby_changes_no_page_status(pair, site):
    pk = published_article(pair)
    paths = [*PAGES, f"/articles/{pk}/"]
    before = {path: site.get(path).status for path in paths}
    assert set(before.values()) <= {200, 301}, before
    pair.wait_caught_up()
    replica = readiness(site)["replica_1"]
    assert replica["ok"] and replica["up"] and replica["usable"], replica
    assert replica["lag_bytes"] == 0 and replica["lag_seconds"] == 0, replica
    pair.standby.stop("immediate")
    try:
        for path in paths:
            answer = site.get(path)
            assert answer.status == before[path], (path, answer.status, answer.body[:300])
            # A refused connection is immediate, an unreachable host 1 s; slack for CI load.
            assert answer.seconds < 5, (path, answer.seconds)
        # Reported by /readyz, which stays a 200: reads go to the primary.
        replica = readiness(site)["replica_1"]
        assert not replica["ok"] and not replica["up"], replica
        assert replica["error"] == "down: reads go to the primary"
    finally:
        pair.standby.start()
    pair.wait_caught_up()
    deadline = time.monotonic() + 20
    back = False
    while not back and time.monotonic() < deadline:
        mark = pair.standby.log_size()
        assert site.get("/articles/").status == 200
        time.sleep(0.3)
        back = any(
            LIST_QUERY in line for line in statements(pair.standby, mark, "archive-replica_1")
        )
    assert back, "reads did not come back to the restarted standby within 20 s"


def test_with_the_primary_down_public_pages_are_served_by_the_standby(pair, site):
    pk = published_article(pair)
    paths = [*PAGES, f"/articles/{pk}/"]
    before = {path: site.get(path).status for path in paths}
    pair.primary.stop("fast")
    try:
        for path in paths:
            answer = site.get(path)
            assert answer.status == before[path], (path, answer.status, answer.body[:300])
        assert site.get("/healthz").status == 503  # the primary is down indeed
    finally:
        pair.primary.start()
    pair.wait_caught_up()
