"""Event types and events: the real-world happenings articles report."""

from __future__ import annotations

from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """The controlled taxonomy; slugs are stable and used in URLs."""

    LAUNCH = "launch", _("Product launch")
    OPEN_SOURCE = "open_source", _("Open source")
    FUNDING = "funding", _("Funding")
    INVESTMENT = "investment", _("Investment")
    ACQUISITION = "acquisition", _("Acquisition")
    PARTNERSHIP = "partnership", _("Partnership")
    PRICING = "pricing", _("Pricing")
    REGULATION = "regulation", _("Regulation")
    EARNINGS = "earnings", _("Earnings and market value")
    CONFERENCE = "conference", _("Conference")
    PERSONNEL = "personnel", _("Personnel change")
    RESEARCH = "research", _("Research")
    LEGAL = "legal", _("Lawsuit")
    OTHER = "other", _("Other")


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class EventQuerySet(models.QuerySet):
    def with_published_counts(self):
        """These events with ``article_count`` of their published articles, newest first.

        Events without one are left out. The count is a subquery per event, so with a
        slice only the events shown are counted (see the event_company_newest index).
        """
        from .article import Article

        published = (
            Article.objects.published()
            .filter(event=OuterRef("pk"))
            .order_by()
            .values("event")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            self.annotate(article_count=Coalesce(Subquery(published), 0))
            .filter(article_count__gt=0)
            .order_by(models.F("date").desc(nulls_last=True), "-id")
        )


class Event(models.Model):
    """Articles about one real event: same type, same main company, dates close together."""

    title = models.CharField(_("title"), max_length=500)
    event_type = models.CharField(_("event type"), max_length=32, choices=EventType)
    date = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(max_length=8, choices=DatePrecision, blank=True)
    main_company = models.ForeignKey(
        "Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="main_events"
    )
    companies = models.ManyToManyField("Company", blank=True, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        permissions = [("merge_event", "Can merge events")]
        indexes = [
            models.Index("event_type", "main_company", "date", name="event_grouping"),
            models.Index(
                models.F("main_company"),
                models.F("date").desc(nulls_last=True),
                models.F("id").desc(),
                name="event_company_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:event", args=[self.pk])
