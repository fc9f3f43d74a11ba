"""Which database a query goes to: the primary, or a read replica for public pages.

- Writes, and every read outside a web request (management commands, imports, the
  task worker, tests), go to the primary.
- ``ReplicaReadsMiddleware`` lets a request's reads use a replica when it is a GET or
  HEAD of a public page (not the admin), and the visitor has not just written: after a
  signed-in user's write, a signed cookie sends their pages to the primary for
  DATABASE_REPLICA_PRIMARY_SECONDS, so a curator sees their own edit at once.
- Reads inside a transaction, and of sessions, users and login records, go to the
  primary.
- A request reads from one server: the first read picks a usable replica
  (articles.replica_health) or the primary, and the rest follow it. So a cache entry's
  version and its data come from the same server, version first (docs/OPERATIONS.md).
- A replica that fails during a GET is marked down and the view runs again on the
  primary (``DatabaseUnavailableMiddleware`` calls :func:`replica_failed`).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connections
from django.urls import reverse

from archive import replicas
from articles import replica_health

PRIMARY = "default"
# Apps whose rows must be fresh at once (a login, a lockout) or belong to the worker.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "axes", "django_tasks", "django_tasks_database"})
PRIMARY_COOKIE = "read_primary"
_COOKIE_SALT = "articles.routing.read-primary"


@dataclass
class RequestReads:
    replica_allowed: bool
    alias: str | None = None  # the server of this request's reads, set by the first read


_reads: ContextVar[RequestReads | None] = ContextVar("replica_reads", default=None)


def read_alias() -> str:
    state = _reads.get()
    if state is None or not state.replica_allowed or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if state.alias is None:
        state.alias = replica_health.choose_replica()
    return state.alias


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias is the same database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


@cache
def admin_prefix() -> str:
    return reverse("admin:index")


def may_read_replica(request) -> bool:
    if request.method not in ("GET", "HEAD") or request.path.startswith(admin_prefix()):
        return False
    recent_write = request.get_signed_cookie(
        PRIMARY_COOKIE,
        default=None,
        salt=_COOKIE_SALT,
        max_age=replicas.primary_after_write_seconds(),
    )
    return recent_write is None


def wrote(request, response) -> bool:
    """A signed-in user's successful write: their next pages should see it."""
    if request.method in ("GET", "HEAD", "OPTIONS") or response.status_code >= 400:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = bool(replica_health.replica_aliases())

    def __call__(self, request):
        if not self.enabled:
            return self.get_response(request)
        token = _reads.set(RequestReads(replica_allowed=may_read_replica(request)))
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if wrote(request, response):
            response.set_signed_cookie(
                PRIMARY_COOKIE,
                "1",
                salt=_COOKIE_SALT,
                max_age=replicas.primary_after_write_seconds(),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


@contextmanager
def primary_reads():
    """Reads inside the block go to the primary, even in a request that may use a replica."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


def replica_failed(request, error: BaseException) -> bool:
    """The request was reading a replica when ``error`` (a lost connection) came.

    Marks that replica down and sends the rest of the request to the primary; the
    caller then runs the view again (a GET is idempotent). False when the request was
    on the primary already: the error is the primary's.
    """
    state = _reads.get()
    if state is None or state.alias in (None, PRIMARY):
        return False
    replica_health.mark_down(state.alias, error)
    state.alias = PRIMARY
    state.replica_allowed = False
    return True


def run_view_again(request):
    """The request's view, run again now and rendered (its reads on the primary)."""
    match = request.resolver_match
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response
