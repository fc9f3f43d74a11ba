from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from .events import DatePrecision, EventType


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED)

    def newest_first(self):
        return self.order_by(models.F("event_date").desc(nulls_last=True), "-id")

    def search(self, text: str):
        """Articles matching a user query (words, "phrases", OR, -exclusion), ranked.

        An empty query matches nothing; see articles.search.
        """
        from articles.search import apply_search, compile_search

        return apply_search(self, compile_search(text))


class Article(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("hidden")

    # The natural key: see articles.importing.urls.canonical_url.
    canonical_url = models.TextField(unique=True, editable=False)
    url = models.TextField(_("link"), help_text=_("The link as the record gave it."))
    source_domain = models.CharField(max_length=255, editable=False)
    title = models.TextField(_("title"))
    summary = models.TextField(_("summary"), blank=True)
    event_summary = models.TextField(_("major-event summary"), blank=True)
    extra_fields = models.JSONField(
        _("other fields"), default=dict, blank=True, help_text=_("Labelled fields not known.")
    )
    status = models.CharField(max_length=16, choices=Status, default=Status.PUBLISHED)
    content_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Provenance.
    import_batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    source_file = models.CharField(max_length=1024, blank=True)
    source_line = models.PositiveIntegerField(null=True, blank=True)

    keywords = models.ManyToManyField("Keyword", through="ArticleKeyword", related_name="articles")
    technologies = models.ManyToManyField(
        "Technology", through="ArticleTechnology", related_name="articles"
    )
    industries = models.ManyToManyField(
        "Industry", through="ArticleIndustry", related_name="articles"
    )
    companies = models.ManyToManyField("Company", through="ArticleCompany", related_name="articles")

    # Derived by enrichment (articles.enrichment); curators may override, see curated_fields.
    main_company = models.ForeignKey(
        "Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="main_articles"
    )
    event_type = models.CharField(
        _("event type"), max_length=32, choices=EventType, default=EventType.OTHER
    )
    event_date = models.DateField(_("event date"), null=True, blank=True)
    event_date_precision = models.CharField(max_length=8, choices=DatePrecision, blank=True)
    event_cues = models.JSONField(default=list, blank=True, editable=False)
    event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    curated_fields = models.JSONField(default=list, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    enriched_at = models.DateTimeField(null=True, blank=True, editable=False)
    dictionary_version = models.PositiveIntegerField(default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-event_date", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(
                models.F("event_date").desc(nulls_last=True),
                models.F("id").desc(),
                name="article_newest",
                condition=models.Q(status="published"),
            ),
            models.Index("event_type", "event_date", name="article_event_type_date"),
            models.Index("main_company", "event_date", name="article_main_company_date"),
            models.Index("source_domain", name="article_source_domain"),
            models.Index("import_batch", name="article_import_batch"),
            GinIndex("search_vector", name="article_search_vector"),
        ]

    def __str__(self) -> str:
        return self.title
