"""/sitemap.xml: an index of article, company and event sitemaps (50,000 URLs a page)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef

from articles.models import Article, Company, Event


class ArticleSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Article.objects.published().only("pk", "title", "updated_at").order_by("pk")

    def lastmod(self, article):
        return article.updated_at


class CompanySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Company.objects.only("pk", "slug", "updated_at").order_by("pk")

    def lastmod(self, company):
        return company.updated_at


class EventSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        public = Article.objects.published().filter(event=OuterRef("pk"))
        return Event.objects.filter(Exists(public)).only("pk").order_by("pk")


SITEMAPS = {"articles": ArticleSitemap, "companies": CompanySitemap, "events": EventSitemap}
