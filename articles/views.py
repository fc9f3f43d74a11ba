from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render

from articles.models import Article


def home(request):
    latest = Article.objects.published().newest_first()[:20]
    return render(request, "articles/home.html", {"latest": latest})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
