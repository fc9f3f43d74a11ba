from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    IntegerField,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .events import DatePrecision, EventType
from .sampling import sample_bucket


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED)

    def newest_first(self):
        return self.order_by(models.F("event_date").desc(nulls_last=True), "-id")

    def sampled(self):
        """The articles of the fixed sample (articles.models.sampling)."""
        return self.alias(sample_bucket=sample_bucket("id")).filter(sample_bucket=0)

    def search(self, query):
        """Articles matching a compiled query, ranked; an empty query matches nothing.

        ``query``: a user's text compiled with a company dictionary, usually
        ``articles.dictionary.search_for(text)`` (articles.search).
        """
        from articles.search import apply_search

        return apply_search(self, query)

    # Pages: every method below runs one query (for_cards: one plus the cards' tags),
    # and each aggregate is computed in the database over the articles in ``self``.

    def for_cards(self):
        """What ``articles/_article_card.html`` shows: each article with ``card_tags``.

        One query, plus one for the tags of each batch of cards (``articles.models.cards``).
        """
        from .cards import CardIterable

        queryset = self.select_related("main_company").defer("search_vector")
        queryset._iterable_class = CardIterable  # as values() sets its own
        return queryset

    def with_tag_links(self):
        """Each article's keyword, technology and industry links, with their tags."""
        from .tags import ArticleIndustry, ArticleKeyword, ArticleTechnology

        return self.prefetch_related(
            *(
                Prefetch(related, queryset=model.objects.select_related("tag"))
                for related, model in (
                    ("industry_links", ArticleIndustry),
                    ("technology_links", ArticleTechnology),
                    ("keyword_links", ArticleKeyword),
                )
            )
        )

    def monthly_counts(self) -> list[tuple]:
        """``[(first day of month, article count), …]`` in date order; undated skipped."""
        rows = (
            self.filter(event_date__isnull=False)
            .annotate(month=TruncMonth("event_date"))
            .order_by()
            .values_list("month")
            .annotate(count=Count("pk"))
            .order_by("month")
        )
        return list(rows)

    def company_counts(self, limit: int | None = None, *, exclude=None, include_empty=False):
        """Companies mentioned by these articles, with ``article_count``, most first.

        With ``include_empty``, every company (zero-count ones last).
        """
        from .companies import Company

        companies = Company.objects.all()
        if include_empty:
            count = Count("article_links", filter=Q(article_links__article__in=self))
        else:
            # Filtering before annotating makes Count() count only the matching links.
            companies = companies.filter(article_links__article__in=self)
            count = Count("article_links")
        if exclude is not None:
            companies = companies.exclude(pk=exclude.pk)
        companies = companies.annotate(article_count=count).order_by("-article_count", "name")
        return companies[:limit] if limit else companies

    def tag_counts(self, kind: str, limit: int | None = None):
        """Tags of ``kind`` (keyword, technology, industry) on these articles, most used first."""
        from .tags import Industry, Keyword, Technology

        model = {"keyword": Keyword, "technology": Technology, "industry": Industry}[kind]
        tags = (
            model.objects.filter(article_links__article__in=self)
            .annotate(article_count=Count("article_links"))
            .order_by("-article_count", "name")
        )
        return tags[:limit] if limit else tags

    def event_type_counts(self) -> dict[str, int]:
        """``{event type: article count}`` for the types these articles have."""
        rows = self.order_by().values_list("event_type").annotate(count=Count("pk"))
        return dict(rows)

    def events(self):
        """The events of these articles, each with ``article_count`` (of these), newest first."""
        from .events import Event

        return (
            Event.objects.filter(articles__in=self)
            .annotate(article_count=Count("articles"))
            .order_by(models.F("date").desc(nulls_last=True), "-id")
        )

    def related_to(self, article: Article, limit: int = 6):
        """Up to ``limit`` articles sharing ``article``'s event, main company or keywords.

        Candidates are a few of each kind, each read from an index and bounded: the
        newest of the event and of the main company, the last added of each keyword
        (by id, from the keyword's (tag, article) index: walking the date index until
        enough articles shared a keyword of 1 % of articles visited thousands of rows,
        up to 76 ms at 1M). They are ranked by shared event, then shared keywords, then
        shared main company. ``article.keyword_links`` should be prefetched. One query.
        """
        from .tags import ArticleKeyword

        others = self.exclude(pk=article.pk)
        keyword_ids = [link.tag_id for link in article.keyword_links.all()]
        bound = limit * 5
        candidates = [
            others.filter(**{field: value}).newest_first().values("pk")[:bound]
            for field, value in (
                ("event_id", article.event_id),
                ("main_company_id", article.main_company_id),
            )
            if value
        ]
        candidates += [
            ArticleKeyword.objects.filter(tag_id=tag_id)
            .exclude(article_id=article.pk)
            .order_by("-article_id")
            .values("article_id")[:bound]
            for tag_id in keyword_ids
        ]
        if not candidates:
            return self.none()
        union = candidates[0].union(*candidates[1:]) if len(candidates) > 1 else candidates[0]
        # Shared event 100, same main company 5, each shared keyword 2.
        score = Value(0)
        if keyword_ids:
            score = Count("keyword_links", filter=Q(keyword_links__tag_id__in=keyword_ids)) * 2
        for field, value, weight in (
            ("event_id", article.event_id, 100),
            ("main_company_id", article.main_company_id, 5),
        ):
            if value:
                score = score + Case(When(**{field: value}, then=Value(weight)), default=Value(0))
        return (
            self.filter(pk__in=union)
            .select_related("main_company")
            .only("title", "event_date", "event_date_precision", "main_company__name")
            .annotate(related_score=ExpressionWrapper(score, output_field=IntegerField()))
            .order_by("-related_score", models.F("event_date").desc(nulls_last=True), "-id")[:limit]
        )


class Article(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("published")
        HIDDEN = "hidden", _("hidden")

    # The natural key: see articles.importing.urls.canonical_url.
    canonical_url = models.TextField(editable=False)  # unique: see Meta.constraints
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
        permissions = [("hide_article", "Can publish or hide articles")]
        constraints = [
            # A constraint, not unique=True on the field: that would add a second
            # (text_pattern_ops) index for LIKE, which nothing runs, to every insert.
            models.UniqueConstraint(fields=["canonical_url"], name="article_canonical_url_unique"),
        ]
        # The import batch needs no index of its own here: its foreign key has one.
        indexes = [
            models.Index(
                models.F("event_date").desc(nulls_last=True),
                models.F("id").desc(),
                name="article_newest",
                condition=models.Q(status="published"),
            ),
            models.Index("event_type", "event_date", name="article_event_type_date"),
            # A company's newest articles (related articles) without walking every date.
            models.Index(
                "main_company",
                models.F("event_date").desc(nulls_last=True),
                models.F("id").desc(),
                name="article_company_newest",
            ),
            models.Index("source_domain", name="article_source_domain"),
            GinIndex("search_vector", name="article_search_vector"),
            models.Index(sample_bucket("id"), name="article_sample_bucket"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"pk": self.pk, "slug": article_slug(self.title)})


def article_slug(title: str) -> str:
    """The slug part of an article's URL; only decorative, the id finds the article."""
    return slugify(title, allow_unicode=True)[:60] or "article"
