"""Keywords, technologies and industries: counts, search and merge."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles import curation
from articles.models import (
    ArticleIndustry,
    ArticleKeyword,
    ArticleTechnology,
    Industry,
    Keyword,
    Technology,
)

from .common import MergeMixin, is_changelist, link_count, merge_action


def describe_tag(tag) -> str:
    count = getattr(tag, "article_count", None)
    suffix = "" if count is None else f" — {count} article(s)"
    return f"{tag.name} ({tag.slug}){suffix}"


class TagForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Leave empty to derive it from the name.")


class TagAdmin(MergeMixin, admin.ModelAdmin):
    link_model = None
    article_filter = None  # the article list's filter parameter for this tag kind

    form = TagForm
    list_display = ["name", "slug", "article_count", "created_at"]
    search_fields = ["name", "normalized_name", "slug"]
    readonly_fields = ["normalized_name", "created_at"]
    fields = ["name", "slug", "normalized_name", "created_at"]
    show_full_result_count = False
    actions = [merge_action(curation.merge_tags, describe=describe_tag)]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_changelist(request, self.model):
            queryset = queryset.annotate(article_count=link_count(self.link_model))
        return queryset

    @admin.display(description=_("articles"), ordering="article_count")
    def article_count(self, obj):
        count = getattr(obj, "article_count", 0)
        if not count or self.article_filter is None:
            return count
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?{}={}">{}</a>', url, self.article_filter, obj.pk, count)


@admin.register(Keyword)
class KeywordAdmin(TagAdmin):
    link_model = ArticleKeyword
    article_filter = "keyword"


@admin.register(Technology)
class TechnologyAdmin(TagAdmin):
    link_model = ArticleTechnology
    article_filter = "technology"


@admin.register(Industry)
class IndustryAdmin(TagAdmin):
    link_model = ArticleIndustry
    article_filter = "industry"
