from django.db import DatabaseError, connection
from django.http import HttpResponse


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = HttpResponse("database unavailable", status=503, content_type="text/plain")
        response["Retry-After"] = "30"
        return response
    return HttpResponse("ok", content_type="text/plain")
