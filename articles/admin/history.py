"""Read-only records of curation: merges, old slugs that redirect, merged tag names."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.models import MergeRecord, SlugRedirect, TagAlias


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MergeRecord)
class MergeRecordAdmin(ReadOnlyAdmin):
    list_display = ["merged_at", "kind", "merged_name", "survivor_name", "merged_by", "articles"]
    list_filter = ["kind", "merged_at"]
    list_select_related = ["merged_by"]
    search_fields = ["merged_name", "survivor_name", "merged_slug"]
    date_hierarchy = "merged_at"
    fields = [
        "merged_at",
        "merged_by",
        "kind",
        ("merged_name", "merged_slug"),
        ("survivor_name", "survivor_id"),
        "articles",
        "article_ids",
    ]
    readonly_fields = [
        name for item in fields for name in (item if isinstance(item, tuple) else (item,))
    ]

    @admin.display(description=_("articles affected"))
    def articles(self, obj):
        ids = obj.article_ids or []
        if not ids:
            return 0
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?id__in={}">{}</a>', url, ",".join(map(str, ids)), len(ids))


@admin.register(SlugRedirect)
class SlugRedirectAdmin(ReadOnlyAdmin):
    list_display = ["kind", "old_slug", "target_id", "created_at"]
    list_filter = ["kind"]
    search_fields = ["old_slug"]


@admin.register(TagAlias)
class TagAliasAdmin(ReadOnlyAdmin):
    list_display = ["kind", "normalized_name", "target_id", "created_at"]
    list_filter = ["kind"]
    search_fields = ["normalized_name"]
