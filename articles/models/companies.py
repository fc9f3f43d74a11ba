"""The curated company dictionary and article↔company links."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Company(models.Model):
    class Category(models.TextChoices):
        CN_BIG_TECH = "cn_big_tech", _("Chinese big tech")
        CN_AI_STARTUP = "cn_ai_startup", _("Chinese AI start-up")
        CHIP = "chip", _("Chips")
        INTL_AI_LAB = "intl_ai_lab", _("International AI lab")
        INTL_BIG_TECH = "intl_big_tech", _("International big tech")
        CLOUD = "cloud", _("Cloud")
        ROBOTICS = "robotics", _("Robotics")
        AUTONOMOUS_DRIVING = "autonomous_driving", _("Autonomous driving")
        INVESTOR = "investor", _("Investor")
        OTHER = "other", _("Other")

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.CharField(max_length=32, choices=Category, default=Category.OTHER)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        permissions = [("merge_company", "Can merge companies")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:company", args=[self.slug])


class CompanyName(models.Model):
    """Another name that identifies a company: an alias (阿里云) or a product (通义千问)."""

    class Kind(models.TextChoices):
        ALIAS = "alias", _("alias")
        PRODUCT = "product", _("product")

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=100)
    # A string may identify one company only, whatever its case or width.
    normalized_name = models.CharField(max_length=100, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.ALIAS)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("company name")
        verbose_name_plural = _("aliases and products")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from articles.text.normalize import normalize

        self.normalized_name = normalize(self.name).strip()
        super().save(*args, **kwargs)


class ArticleCompany(models.Model):
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="company_links")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="article_links")
    mentions = models.PositiveIntegerField(default=1)
    in_title = models.BooleanField(default=False)
    is_main = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_main", "-mentions", "company__name"]
        constraints = [models.UniqueConstraint("article", "company", name="uniq_article_company")]
        indexes = [models.Index("company", "article", name="articlecompany_company_article")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.company_id}"


class DictionaryVersion(models.Model):
    """A counter bumped whenever the company dictionary changes.

    Articles record the version they were enriched with, so `enrich_articles
    --changed-dictionary` finds the stale ones, and each process knows when to
    reload its segmenter's company words.
    """

    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dictionary version")

    def __str__(self) -> str:
        return str(self.version)

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("version", flat=True).first() or 0

    @classmethod
    def fingerprint(cls) -> tuple[int, str]:
        """The version plus the row's transaction id (xmin).

        A rolled-back change can leave the same version number with another
        dictionary behind it (tests do this all the time); xmin tells them apart.
        """
        row = (
            cls.objects.filter(pk=1)
            .extra(select={"row_xmin": "xmin::text"})  # noqa: S610 - constant SQL
            .values_list("version", "row_xmin")
            .first()
        )
        return row if row else (0, "")

    @classmethod
    def bump(cls) -> int:
        from django.db.models import F

        updated = cls.objects.filter(pk=1).update(version=F("version") + 1)
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"version": 1})
        return cls.current()
