import sys

from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.views import defaults

from articles.middleware import UNAVAILABLE, service_unavailable


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = HttpResponse("database unavailable", status=503, content_type="text/plain")
        response["Retry-After"] = "30"
        return response
    return HttpResponse("ok", content_type="text/plain")


def server_error(request):
    """handler500: the 503 page when the error is the database being unavailable."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return service_unavailable(request)
    return defaults.server_error(request)
