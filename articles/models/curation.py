"""Records of curators' structural changes: merges, and the old slugs they leave behind."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SlugKind(models.TextChoices):
    COMPANY = "company", _("company")
    KEYWORD = "keyword", _("keyword")
    TECHNOLOGY = "technology", _("technology")
    INDUSTRY = "industry", _("industry")
    EVENT = "event", _("event")


class SlugRedirect(models.Model):
    """An old slug of a merged or renamed company or tag, pointing at the survivor.

    Filter URLs and entity pages that use the old slug answer 301 to the new one,
    so bookmarks keep working.
    """

    kind = models.CharField(max_length=16, choices=SlugKind)
    old_slug = models.CharField(max_length=100)
    target_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("slug redirect")
        verbose_name_plural = _("slug redirects")
        constraints = [
            models.UniqueConstraint("kind", "old_slug", name="uniq_slug_redirect"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.old_slug} → {self.target_id}"


class MergeRecord(models.Model):
    """Who merged what into what, when, and which articles it touched."""

    kind = models.CharField(max_length=16, choices=SlugKind)
    survivor_id = models.BigIntegerField()
    survivor_name = models.CharField(max_length=200)
    merged_name = models.CharField(max_length=200)
    merged_slug = models.CharField(max_length=100)
    article_ids = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("merge record")
        verbose_name_plural = _("merge records")

    def __str__(self) -> str:
        return f"{self.merged_name} → {self.survivor_name}"


class TagAlias(models.Model):
    """A merged tag's normalised name, pointing at the tag it was merged into.

    The importer upserts tags by normalised name; it consults these first, so that a
    record still tagged with the merged name links to the survivor.
    """

    kind = models.CharField(max_length=16, choices=SlugKind)
    normalized_name = models.CharField(max_length=100)
    target_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tag alias")
        verbose_name_plural = _("tag aliases")
        constraints = [
            models.UniqueConstraint("kind", "normalized_name", name="uniq_tag_alias"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.normalized_name} → {self.target_id}"
