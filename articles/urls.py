from django.urls import path

from .views import health, listing, pages, system

app_name = "articles"

urlpatterns = [
    path("", pages.home, name="home"),
    path("articles/", listing.article_list, name="list"),
    path("articles/feed/", listing.ArticleFeed(), name="feed"),
    path("articles.csv", listing.article_csv, name="csv"),
    path("articles.json", listing.article_json, name="json"),
    path("articles/<int:pk>-<str:slug>/", pages.article_detail, name="detail"),
    path("articles/<int:pk>/", pages.article_detail, name="detail_no_slug"),
    path("companies/", pages.company_index, name="company_index"),
    path("companies/<str:slug>/", pages.company_detail, name="company"),
    path("industries/", pages.tag_index, {"kind": "industry"}, name="industry_index"),
    path("technologies/", pages.tag_index, {"kind": "technology"}, name="technology_index"),
    path("keywords/", pages.tag_index, {"kind": "keyword"}, name="keyword_index"),
    path("event-types/", pages.event_type_index, name="event_type_index"),
    path("events/<int:pk>/", pages.event_detail, name="event"),
    path("healthz", system.healthz, name="healthz"),
    path("readyz", health.ReadinessView.as_view(), name="readyz"),
]
