"""Tag tables (keywords, technologies, industries) and their ordered links to articles."""

from __future__ import annotations

import hashlib
import unicodedata

from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


def normalize_tag_name(name: str) -> str:
    """The key two spellings of one tag share: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def tag_slug(name: str) -> str:
    """A stable URL slug; names that slugify lossily get a short hash so slugs stay unique."""
    normalized = normalize_tag_name(name)
    slug = slugify(normalized, allow_unicode=True)[:80]
    if slug != normalized.replace(" ", "-") or not slug:
        digest = hashlib.sha1(normalized.encode("utf-8"), usedforsecurity=False).hexdigest()[:6]
        slug = f"{slug}-{digest}" if slug else digest
    return slug


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100)
    normalized_name = models.CharField(max_length=100, unique=True, editable=False)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalized_name = normalize_tag_name(self.name)
        if not self.slug:
            self.slug = tag_slug(self.name)
        super().save(*args, **kwargs)


class Keyword(Tag):
    class Meta(Tag.Meta):
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        permissions = [("merge_keyword", "Can merge keywords")]


class Technology(Tag):
    class Meta(Tag.Meta):
        verbose_name = _("technology")
        verbose_name_plural = _("technologies")
        permissions = [("merge_technology", "Can merge technologies")]


class Industry(Tag):
    class Meta(Tag.Meta):
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        permissions = [("merge_industry", "Can merge industries")]


class TagLink(models.Model):
    """An article's link to one tag; `position` keeps the order the record gave."""

    position = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.tag_id} #{self.position}"


class ArticleKeyword(TagLink):
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="keyword_links")
    tag = models.ForeignKey(Keyword, on_delete=models.CASCADE, related_name="article_links")

    class Meta(TagLink.Meta):
        constraints = [models.UniqueConstraint("article", "tag", name="uniq_article_keyword")]
        indexes = [models.Index("tag", "article", name="articlekeyword_tag_article")]


class ArticleTechnology(TagLink):
    article = models.ForeignKey(
        "Article", on_delete=models.CASCADE, related_name="technology_links"
    )
    tag = models.ForeignKey(Technology, on_delete=models.CASCADE, related_name="article_links")

    class Meta(TagLink.Meta):
        constraints = [models.UniqueConstraint("article", "tag", name="uniq_article_technology")]
        indexes = [models.Index("tag", "article", name="articletech_tag_article")]


class ArticleIndustry(TagLink):
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="industry_links")
    tag = models.ForeignKey(Industry, on_delete=models.CASCADE, related_name="article_links")

    class Meta(TagLink.Meta):
        constraints = [models.UniqueConstraint("article", "tag", name="uniq_article_industry")]
        indexes = [models.Index("tag", "article", name="articleindustry_tag_article")]


# (field on ParsedRecord, tag model, link model, related name of links on Article)
TAG_KINDS = (
    ("keywords", Keyword, ArticleKeyword),
    ("technologies", Technology, ArticleTechnology),
    ("industries", Industry, ArticleIndustry),
)
