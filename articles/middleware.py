"""Requests the database cannot or should not serve.

``RejectNulMiddleware`` answers 400 to a NUL byte in the path, the query string or a
cookie: PostgreSQL text cannot hold NUL, so such a value would reach psycopg as a
``DataError`` (a 500) wherever a view used it in a query.

``DatabaseUnavailableMiddleware`` turns a database that is down, restarting or too slow
(a connection failure, or a statement cancelled by ``statement_timeout``) into a 503
page with ``Retry-After``, and a ``DataError`` (input the database refused) into a 400.
:func:`articles.views.system.server_error` (``handler500``) does the same for errors
raised outside a view. A lost read replica is not an outage: the view runs again on
the primary (articles.routing). See docs/OPERATIONS.md.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_to_bytes

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from articles import routing

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)


def service_unavailable(request=None) -> HttpResponse:
    """The site-styled 503 page. Renders without the database (no context processors)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def plain_bad_request(message: str) -> HttpResponse:
    return HttpResponse(render_to_string("400.html", {"message": message}), status=400)


def has_nul(request) -> bool:
    raw_path = request.META.get("PATH_INFO", "")
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in raw_path or b"\x00" in unquote_to_bytes(query):
        return True
    return any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            return plain_bad_request(_("This address contains a NUL character."))
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE) and routing.replica_failed(request, exception):
            logger.warning("replica lost for %s, reading the primary: %s", request.path, exception)
            try:
                return routing.run_view_again(request)
            except Exception as error:  # the primary's answer: handled as any other
                response = self.process_exception(request, error)
                if response is None:
                    raise
                return response
        if isinstance(exception, UNAVAILABLE):
            logger.warning("database unavailable for %s: %s", request.path, exception)
            return service_unavailable(request)
        if isinstance(exception, DataError):
            logger.warning("database refused the input of %s: %s", request.path, exception)
            return plain_bad_request(_("This address has values the archive cannot use."))
        return None
