"""/readyz against real servers: the primary, the cache and the worker's heartbeat.

A replica's report is tested with a real standby (tests/replicas).

A part is made unreachable for real (a port nothing listens on), not mocked. The
checks run in threads of their own, on connections of their own, so these tests commit
what the checks must see (transactional database).
"""

from __future__ import annotations

import json
import socket

import pytest
from django.test import Client

from articles.jobs.recovery import beat

pytestmark = pytest.mark.django_db(transaction=True)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def readiness(client: Client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_ready_when_the_primary_cache_and_a_worker_answer(client):
    beat("readiness-test-worker")
    status, body = readiness(client)
    assert status == 200 and body["status"] == "ready", body
    checks = body["checks"]
    assert set(checks) == {"primary", "cache", "worker"}
    assert all(check["ok"] for check in checks.values())
    assert checks["primary"]["critical"] and not checks["cache"]["critical"]
    assert checks["worker"]["live_workers"] == 1
    assert checks["worker"]["ready"] == 0 and checks["worker"]["running"] == 0
    assert 0 <= checks["worker"]["newest_heartbeat_age_seconds"] < 60


def test_without_a_live_worker_it_is_degraded_not_unready(client):
    status, body = readiness(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["error"] == "no live worker: jobs wait in the queue"
    assert body["checks"]["primary"]["ok"] is True


def test_an_unreachable_primary_is_a_503_that_names_no_host(client, settings, monkeypatch):
    port = closed_port()
    monkeypatch.setitem(settings.DATABASES["default"], "HOST", "127.0.0.1")
    monkeypatch.setitem(settings.DATABASES["default"], "PORT", port)
    response = client.get("/readyz")
    body = json.loads(response.content)
    assert response.status_code == 503 and response["Retry-After"]
    assert body["status"] == "not ready"
    assert body["checks"]["primary"] == {**body["checks"]["primary"], "ok": False}
    assert body["checks"]["primary"]["error"] == "unavailable"
    assert str(port) not in response.content.decode()


def test_an_unreachable_cache_is_reported_and_pages_still_answer(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "archive.redis_cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        },
    }
    beat("readiness-test-worker")
    status, body = readiness(client)
    assert status == 200 and body["status"] == "degraded"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["backend"] == "ResilientRedisCache"
    assert client.get("/").status_code == 200
