"""Events: their articles, merging two events (moving an article: see the article list)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles import curation
from articles.models import Article, Event

from .common import MergeMixin, is_changelist, link_count, merge_action


def describe_event(event) -> str:
    count = getattr(event, "article_count", None)
    suffix = "" if count is None else f" — {count} article(s)"
    date = f"{event.date:%Y-%m-%d}, " if event.date else ""
    return f"#{event.pk} {event.title} ({date}{event.get_event_type_display()}){suffix}"


class EventArticleInline(admin.TabularInline):
    """The event's articles, read-only; change an article's event on its own page."""

    model = Article
    fk_name = "event"
    fields = ["title", "event_date", "main_company", "status"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("articles of this event")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("main_company")
            .only("pk", "title", "event_date", "main_company__name", "status", "event_id")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(MergeMixin, admin.ModelAdmin):
    list_display = ["title", "event_type", "date", "main_company", "article_count"]
    list_filter = ["event_type", ("date", admin.DateFieldListFilter)]
    list_select_related = ["main_company"]
    search_fields = ["title"]
    autocomplete_fields = ["main_company", "companies"]
    readonly_fields = ["created_at"]
    date_hierarchy = "date"
    inlines = [EventArticleInline]
    show_full_result_count = False
    actions = [merge_action(curation.merge_events, describe=describe_event)]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_changelist(request, self.model):
            queryset = queryset.annotate(article_count=link_count(Article, "event"))
        return queryset

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            return queryset.filter(pk=int(term)), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("articles"), ordering="article_count")
    def article_count(self, obj):
        count = getattr(obj, "article_count", 0)
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?event__id__exact={}">{}</a>', url, obj.pk, count)
