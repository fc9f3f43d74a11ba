"""Routing rules and replica settings, in-process (no replica configured here; the real
standby is in test_streaming_replica.py)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from archive import replicas
from articles import replica_health, routing
from articles.models import Article

PRIMARY = settings.DATABASES["default"]


def test_each_replica_url_is_an_alias_with_the_primarys_options(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS", "postgres://u@10.0.0.2:5432/archive, postgres://u@10.0.0.3/archive"
    )
    monkeypatch.setenv("DATABASE_REPLICA_CONNECT_TIMEOUT", "2")
    databases = replicas.replica_databases(PRIMARY)
    assert list(databases) == ["replica_1", "replica_2"]
    first = databases["replica_1"]
    assert (first["HOST"], first["NAME"]) == ("10.0.0.2", "archive")
    assert databases["replica_2"]["HOST"] == "10.0.0.3"
    assert first["OPTIONS"]["options"] == PRIMARY["OPTIONS"]["options"]
    for needed in ("statement_timeout=", "work_mem=", "jit=off"):
        assert needed in first["OPTIONS"]["options"]
    assert first["OPTIONS"]["connect_timeout"] == 2
    assert first["OPTIONS"]["application_name"] == "archive-replica_1"
    assert databases["replica_2"]["OPTIONS"]["application_name"] == "archive-replica_2"
    assert first["TEST"] == {"MIRROR": "default"}
    assert first["CONN_MAX_AGE"] == PRIMARY["CONN_MAX_AGE"]
    assert first["CONN_HEALTH_CHECKS"] is True
    assert PRIMARY["OPTIONS"]["application_name"] == "archive-primary"  # not overwritten


def test_no_replica_urls_no_aliases(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)
    assert replicas.replica_databases(PRIMARY) == {}
    monkeypatch.setenv("DATABASE_REPLICA_URLS", " , ")
    assert replicas.replica_databases(PRIMARY) == {}


def test_a_replica_url_must_be_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "mysql://u@10.0.0.2/archive")
    with pytest.raises(ImproperlyConfigured):
        replicas.replica_databases(PRIMARY)


@pytest.fixture
def factory():
    return RequestFactory()


def signed_cookie_request(factory, value_from: HttpResponse | None, path="/articles/"):
    request = factory.get(path)
    if value_from is not None:
        request.COOKIES[routing.PRIMARY_COOKIE] = value_from.cookies[routing.PRIMARY_COOKIE].value
    return request


def written_response(factory) -> HttpResponse:
    """The cookie ReplicaReadsMiddleware sets after a signed-in user's POST."""
    request = factory.post("/admin/articles/article/")
    request.user = User(username="curator", is_staff=True)
    middleware = routing.ReplicaReadsMiddleware(lambda request: HttpResponse(status=302))
    middleware.enabled = True
    return middleware(request)


def test_only_public_gets_and_heads_may_read_a_replica(factory):
    assert routing.may_read_replica(factory.get("/articles/"))
    assert routing.may_read_replica(factory.head("/companies/"))
    assert not routing.may_read_replica(factory.post("/articles/"))
    assert not routing.may_read_replica(factory.get("/admin/"))
    assert not routing.may_read_replica(factory.get("/admin/articles/article/"))


def test_after_a_signed_in_users_write_their_pages_read_the_primary(factory):
    response = written_response(factory)
    cookie = response.cookies[routing.PRIMARY_COOKIE]
    assert cookie["max-age"] == replicas.primary_after_write_seconds()
    assert cookie["httponly"]
    assert not routing.may_read_replica(signed_cookie_request(factory, response))


def test_the_read_primary_cookie_is_signed_and_expires(factory, monkeypatch):
    forged = factory.get("/articles/")
    forged.COOKIES[routing.PRIMARY_COOKIE] = "1"
    assert routing.may_read_replica(forged)  # unsigned: ignored
    response = written_response(factory)
    monkeypatch.setenv("DATABASE_REPLICA_PRIMARY_SECONDS", "1")
    time.sleep(1.1)
    assert routing.may_read_replica(signed_cookie_request(factory, response))


@pytest.mark.parametrize(
    ("method", "user", "status", "expected"),
    [
        ("post", User(username="curator"), 302, True),
        ("post", User(username="curator"), 200, True),
        ("post", AnonymousUser(), 302, False),
        ("post", User(username="curator"), 403, False),
        ("get", User(username="curator"), 200, False),
    ],
)
def test_what_counts_as_a_write(factory, method, user, status, expected):
    request = getattr(factory, method)("/admin/articles/article/")
    request.user = user
    assert routing.wrote(request, HttpResponse(status=status)) is expected


def test_a_visitor_gets_no_read_primary_cookie(factory):
    request = factory.get("/articles/")
    request.user = AnonymousUser()
    middleware = routing.ReplicaReadsMiddleware(lambda request: HttpResponse())
    middleware.enabled = True
    assert routing.PRIMARY_COOKIE not in middleware(request).cookies


@pytest.mark.django_db(transaction=True)  # a test's own transaction would be one
def test_reads_outside_a_request_and_inside_a_transaction_go_to_the_primary(monkeypatch):
    router = routing.ReplicaRouter()
    monkeypatch.setattr(replica_health, "choose_replica", lambda: "replica_1")
    assert router.db_for_read(Article) == "default"  # a command, the worker, a test
    token = routing._reads.set(routing.RequestReads(replica_allowed=True))
    try:
        with transaction.atomic():
            assert router.db_for_read(Article) == "default"
        assert router.db_for_read(Article) == "replica_1"
        assert router.db_for_read(User) == "default"  # logins and sessions: fresh at once
        assert router.db_for_write(Article) == "default"
    finally:
        routing._reads.reset(token)
    token = routing._reads.set(routing.RequestReads(replica_allowed=False))
    try:
        assert router.db_for_read(Article) == "default"  # the admin, a POST
    finally:
        routing._reads.reset(token)


def test_a_request_reads_from_the_server_its_first_read_chose(monkeypatch):
    choices = iter(["replica_1", "replica_2"])
    monkeypatch.setattr(replica_health, "choose_replica", lambda: next(choices))
    token = routing._reads.set(routing.RequestReads(replica_allowed=True))
    try:
        assert {routing.read_alias() for _ in range(3)} == {"replica_1"}
    finally:
        routing._reads.reset(token)


def test_replicas_are_never_migrated():
    router = routing.ReplicaRouter()
    assert router.allow_migrate("default", "articles")
    assert not router.allow_migrate("replica_1", "articles")


def test_lag_is_the_time_since_the_newest_primary_position_the_replica_reached(monkeypatch):
    replica_health.forget()
    now = time.monotonic()
    for age, position in [(6.0, 100), (4.0, 200), (2.0, 300)]:
        replica_health._primary_positions.append((now - age, position))
    try:
        assert replica_health._lag_seconds(250, replay_age=100.0, now=now) == pytest.approx(4.0)
        assert replica_health._lag_seconds(300, replay_age=100.0, now=now) == pytest.approx(2.0)
        # Behind every sample this process took: the age of the last replayed commit.
        assert replica_health._lag_seconds(50, replay_age=9.5, now=now) == 9.5
        assert replica_health._lag_seconds(50, replay_age=None, now=now) == float("inf")
    finally:
        replica_health.forget()


def test_a_lagging_or_down_replica_is_not_usable(monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_MAX_LAG_SECONDS", "5")
    health = replica_health.ReplicaHealth
    assert health("replica_1", True, 0, 0.0, "", 0.0).usable
    assert health("replica_1", True, 10_000, 4.9, "", 0.0).usable
    assert not health("replica_1", True, 10_000, 5.1, "", 0.0).usable
    assert not health("replica_1", False, None, None, "refused", 0.0).usable
    # The primary is down: its lag is unknown, and serving reads beats a 503.
    assert health("replica_1", True, None, None, "primary unavailable", 0.0).usable


def test_without_replicas_the_status_is_empty_and_reads_use_the_primary():
    assert replica_health.replica_status() == []
    assert replica_health.choose_replica() == "default"
