"""An unavailable or slow database: a site-styled 503 with Retry-After, never a 500.

These use the test client; scripts/db_fault_demo.py shows the same against gunicorn and
a PostgreSQL it stops and starts (CI runs it).
"""

from __future__ import annotations

import time

import psycopg
import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError, connection

from .conftest import english_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_client():
    return english_client(raise_request_exception=False)


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "/static/css/site.css" in html and 'class="site-header"' in html  # the site's style
    assert "temporarily unavailable" in html
    assert "Content-Security-Policy" in response  # headers still apply


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("/", "articles.views.pages.published"),
        ("/companies/", "articles.views.pages.published_counts"),
        ("/articles/", "articles.listing.resolve_listing"),
        ("/articles/feed/", "articles.views.listing.resolve_listing"),
    ],
)
def test_a_database_error_in_a_view_is_a_503(quiet_client, monkeypatch, error, url, target):
    def down(*args, **kwargs):
        raise error("connection refused")

    monkeypatch.setattr(target, down)
    if target == "articles.listing.resolve_listing":
        monkeypatch.setattr("articles.views.listing.resolve_listing", down)
    assert_unavailable_page(quiet_client.get(url))


def test_the_503_page_needs_no_database_or_request(django_assert_num_queries):
    from articles.middleware import service_unavailable

    with django_assert_num_queries(0):
        response = service_unavailable()
    assert response.status_code == 503 and b"site.css" in response.content


def test_a_database_error_outside_a_view_is_a_503(quiet_client, monkeypatch):
    """Raised in a middleware, it reaches handler500, which answers 503 too."""

    def down(self, request):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(SessionMiddleware, "process_request", down)
    assert_unavailable_page(quiet_client.get("/articles/"))


def test_other_errors_outside_a_view_stay_500(quiet_client, monkeypatch):
    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionMiddleware, "process_request", broken)
    response = quiet_client.get("/articles/")
    assert response.status_code == 500 and "Retry-After" not in response


def test_healthz_answers_503_when_the_database_is_down(quiet_client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    assert quiet_client.get("/healthz").status_code == 200
    monkeypatch.setattr(connection, "cursor", down)
    response = quiet_client.get("/healthz")
    assert response.status_code == 503 and response["Retry-After"]


@pytest.mark.django_db(transaction=True)
def test_a_statement_timeout_turns_a_stuck_query_into_a_503(quiet_client, xss):
    """A real cancelled statement: another session holds a lock the page waits for."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 300")
        with psycopg.connect(**params) as locker:
            locker.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            response = quiet_client.get("/articles/?q=%E6%B7%B7%E5%85%83")
            elapsed = time.monotonic() - started
            locker.rollback()
        assert_unavailable_page(response)
        assert elapsed < 5
        # The connection is usable at once for the next request.
        assert quiet_client.get("/articles/").status_code == 200
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


def test_connection_settings():
    database = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is True  # a restarted server costs no request
    assert database["CONN_MAX_AGE"] == 60
    assert database["OPTIONS"]["connect_timeout"] == 3
    assert "statement_timeout=" in database["OPTIONS"]["options"]
