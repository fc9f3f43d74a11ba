"""The site's URLs plus the naive baseline's pages under /baseline/."""

from django.urls import path

from archive.urls import urlpatterns as site_urlpatterns

from . import baseline

urlpatterns = [
    path("baseline/articles/", baseline.article_list, name="baseline-list"),
    path("baseline/articles.csv", baseline.article_csv, name="baseline-csv"),
    path("baseline/articles/feed/", baseline.ArticleFeed(), name="baseline-feed"),
    path("baseline/articles/<int:pk>-<str:slug>/", baseline.article_detail, name="baseline-detail"),
    path("baseline/companies/<str:slug>/", baseline.company_detail, name="baseline-company"),
    *site_urlpatterns,
]
