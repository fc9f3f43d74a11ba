"""The site's URLs plus the naive baseline's list, CSV and feed under /baseline/."""

from django.urls import path

from archive.urls import urlpatterns as site_urlpatterns

from . import baseline

urlpatterns = [
    path("baseline/articles/", baseline.article_list, name="baseline-list"),
    path("baseline/articles.csv", baseline.article_csv, name="baseline-csv"),
    path("baseline/articles/feed/", baseline.ArticleFeed(), name="baseline-feed"),
    *site_urlpatterns,
]
