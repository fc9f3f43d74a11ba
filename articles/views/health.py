"""Liveness and readiness for a load balancer or an orchestrator.

``/healthz`` (articles.views.system) says the process answers and reaches its primary.
``/readyz`` says what the process depends on, as JSON: the primary, each replica with
its lag, the shared cache, and the job worker's heartbeat with the queue's depth. It is
a 503 ("not ready") only when the primary cannot be reached, since that is the one
part without which no page is served: a replica that is down or behind is skipped, a
cache that is down is a miss, and jobs wait in the queue for a worker. Those are
reported as "degraded", with a 200.

The checks are django-health-check's (the primary's ``SELECT 1``, the cache's set and
get) and three of ours on its ``HealthCheck`` base; each runs in a thread of its own
with a time budget, so one hung server does not hold the others' answers. Error texts
are kept generic: the endpoint is public and a driver's message names hosts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView

from articles import replica_health
from articles.routing import primary_reads

CHECK_SECONDS = datetime.timedelta(seconds=3)


@dataclasses.dataclass
class Primary(Database):
    """The primary answers ``SELECT 1`` (django-health-check's database check)."""

    name = "primary"
    critical = True
    timeout = CHECK_SECONDS

    def details(self) -> dict:
        return {}


@dataclasses.dataclass
class Replica(HealthCheck):
    """A read replica: up, in recovery and within the lag bound, or skipped."""

    alias: str = "replica_1"
    critical = False
    timeout = CHECK_SECONDS

    def __post_init__(self):
        self.name = self.alias
        self._state: dict = {}

    def run(self):
        try:
            health = replica_health.check(self.alias)  # also this process's routing state
        finally:
            connections.close_all()  # this check's thread's connections
        self._state = {**dataclasses.asdict(health), "usable": health.usable}
        if not self._state["up"]:
            raise ServiceWarning("down: reads go to the primary")
        if not self._state["usable"]:
            raise ServiceWarning("behind the lag bound: reads go to the primary")

    def details(self) -> dict:
        return {key: self._state.get(key) for key in ("up", "usable", "lag_seconds", "lag_bytes")}


@dataclasses.dataclass
class SharedCache(Cache):
    """The pages cache stores and returns a value (django-health-check's cache check)."""

    alias: str = "pages"
    name = "cache"
    critical = False

    def details(self) -> dict:
        return {"backend": type(caches[self.alias]).__name__}


@dataclasses.dataclass
class Worker(HealthCheck):
    """A job worker has beaten its heart lately; how many jobs wait and run."""

    name = "worker"
    critical = False
    timeout = CHECK_SECONDS

    def __post_init__(self):
        self._status: dict = {}

    def run(self):
        from articles.jobs.recovery import worker_status

        try:
            with primary_reads():  # heartbeats are written on the primary: read them there
                self._status = worker_status()
        finally:
            connections.close_all()
        if not self._status["workers"]:
            raise ServiceWarning("no live worker: jobs wait in the queue")

    def details(self) -> dict:
        keys = ("newest_heartbeat_age_seconds", "ready", "running", "stale_after_seconds")
        return {
            **{key: self._status.get(key) for key in keys},
            "live_workers": len(self._status.get("workers", [])),
        }


class ReadinessView(HealthCheckView):
    def get_checks(self):
        yield Primary()
        for alias in replica_health.replica_aliases():
            yield Replica(alias=alias)
        yield SharedCache()
        if getattr(settings, "READYZ_CHECK_WORKER", True):
            yield Worker()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        return readiness_response(self.results)


def readiness_response(results) -> JsonResponse:
    checks = {}
    for result in results:
        check, error = result.check, result.error
        try:
            details = check.details()
        except Exception:  # a check that failed before it learnt anything
            details = {}
        checks[check.name] = {
            "ok": error is None,
            "critical": check.critical,
            "error": None if error is None else _public_message(error),
            "ms": round(result.time_taken * 1000, 1),
            **details,
        }
    failed = [name for name, check in checks.items() if not check["ok"]]
    if any(checks[name]["critical"] for name in failed):
        status, code = "not ready", 503
    else:
        status, code = ("degraded" if failed else "ready"), 200
    response = JsonResponse({"status": status, "checks": checks}, status=code)
    if code == 503:
        response["Retry-After"] = "10"
    return response


def _public_message(error) -> str:
    # Our own checks' messages are ours; a driver's (the primary's) may name a host.
    if isinstance(error, ServiceWarning):
        return error.message
    if isinstance(error, ServiceUnavailable):
        return "unavailable"
    return "unexpected result"
