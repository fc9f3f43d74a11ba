"""Articles: full-text admin search, autocomplete everywhere, curated fields, actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles import curation
from articles.dictionary import search_for
from articles.importing.urls import InvalidURL, canonical_url, source_domain
from articles.models import (
    Article,
    ArticleCompany,
    ArticleIndustry,
    ArticleKeyword,
    ArticleTechnology,
)

from .article_parts import (
    ArticleForm,
    CompanyFilter,
    CompanyLinkInline,
    IndustryFilter,
    IndustryInline,
    KeywordFilter,
    KeywordInline,
    MoveToEventForm,
    TechnologyFilter,
    TechnologyInline,
)
from .common import confirmation, is_changelist

# Selections up to this size are re-enriched within the request; more in the background.
INLINE_REENRICH = 50  # about a second; enrichment is CPU-bound (segmentation)
MAX_MOVE = 500
INLINE_CURATED = {
    ArticleKeyword: "keywords",
    ArticleTechnology: "technologies",
    ArticleIndustry: "industries",
    ArticleCompany: "companies",
}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    list_display = ["title", "main_company", "event_type", "event_date", "status", "updated_at"]
    list_filter = [
        "status",
        "event_type",
        CompanyFilter,
        IndustryFilter,
        ("event_date", admin.DateFieldListFilter),
        KeywordFilter,
        TechnologyFilter,
    ]
    list_select_related = ["main_company"]
    # Newest first by id: a backward scan of the primary key, whatever the table size
    # (event-date order, the public pages' default, is a click on that column).
    ordering = ["-id"]
    date_hierarchy = "event_date"
    search_fields = ["title"]  # replaced by full-text search, see get_search_results
    search_help_text = _(
        'Full-text search, as on the site: words, "a phrase", OR, -exclusion. '
        "An article id or a link finds that article."
    )
    autocomplete_fields = ["main_company", "event"]
    inlines = [CompanyLinkInline, KeywordInline, TechnologyInline, IndustryInline]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = [
        "curated",
        "last_change",
        "canonical_url",
        "source_domain",
        "import_batch",
        "source_file",
        "source_line",
        "created_at",
        "updated_at",
        "enriched_at",
        "dictionary_version",
    ]
    fieldsets = [
        (None, {"fields": ["title", "url", "status", "summary", "event_summary", "extra_fields"]}),
        (
            _("Company and event (a change here is kept by imports and enrichment)"),
            {
                "fields": [
                    "main_company",
                    "event_type",
                    ("event_date", "event_date_precision"),
                    "event",
                    "curated",
                ]
            },
        ),
        (
            _("History and provenance"),
            {
                "fields": [
                    "last_change",
                    ("created_at", "updated_at"),
                    "canonical_url",
                    "source_domain",
                    "import_batch",
                    ("source_file", "source_line"),
                    ("enriched_at", "dictionary_version"),
                ]
            },
        ),
    ]
    actions = ["publish", "hide", "reenrich", "move_to_event", "release_curated"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_changelist(request, Article):
            # The list shows none of the long columns.
            queryset = queryset.defer(
                "summary", "event_summary", "extra_fields", "event_cues", "search_vector"
            )
        return queryset

    def get_search_results(self, request, queryset, search_term):
        """The archive's own full-text search (the GIN index), not icontains everywhere."""
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(pk__in=[])
        if term.lstrip("#").isdigit():
            condition |= Q(pk=int(term.lstrip("#")))
        if term.startswith(("http://", "https://")):
            try:
                return queryset.filter(canonical_url=canonical_url(term)), False
            except InvalidURL:
                pass
        compiled = search_for(term)
        if not compiled.is_empty:
            condition |= compiled.condition()
        return queryset.filter(condition), False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if changelist.query:
            # The date drill-down runs two more queries over every match: for a broad
            # word on a large archive that doubles the page's time. Dates still filter
            # from the sidebar.
            changelist.date_hierarchy = None
        return changelist

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_hide_permission(request):
            fields.append("status")
        return fields

    def has_hide_permission(self, request):
        return request.user.has_perm("articles.hide_article")

    # Read-only displays ---------------------------------------------------------------

    @admin.display(description=_("curated fields"))
    def curated(self, obj):
        if not obj or not obj.curated_fields:
            return _("none: imports and enrichment may change every field")
        return ", ".join(obj.curated_fields)

    @admin.display(description=_("last changed"))
    def last_change(self, obj):
        if not obj or not obj.pk:
            return "—"
        entry = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Article), object_id=str(obj.pk)
            )
            .select_related("user")
            .order_by("-action_time")
            .first()
        )
        history = reverse("admin:articles_article_history", args=[obj.pk])
        if entry is None:
            return format_html('never in the admin (<a href="{}">history</a>)', history)
        return format_html(
            '{} by {}: {} (<a href="{}">history</a>)',
            entry.action_time.strftime("%Y-%m-%d %H:%M"),
            entry.user.get_username(),
            entry.get_change_message() or "—",
            history,
        )

    # Saving: mark curated fields, then re-derive the rest ------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            obj.canonical_url = canonical_url(obj.url)
            obj.source_domain = source_domain(obj.url)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model in (ArticleKeyword, ArticleTechnology, ArticleIndustry):
            instances = formset.save(commit=False)
            last = formset.model.objects.filter(article=form.instance).aggregate(
                last=Max("position")
            )["last"]
            next_position = -1 if last is None else last
            for instance in instances:
                if instance.position is None:
                    next_position += 1
                    instance.position = next_position
                instance.save()
            for deleted in formset.deleted_objects:
                deleted.delete()
            formset.save_m2m()
        else:
            super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = {
            curation.CURATED_FORM_FIELDS[name]
            for name in form.changed_data
            if name in curation.CURATED_FORM_FIELDS
        }
        changed |= {
            INLINE_CURATED[formset.model]
            for formset in formsets
            if formset.model in INLINE_CURATED and formset.has_changed()
        }
        previous_event = form.initial.get("event") if "event" in form.changed_data else None
        curation.apply_curator_edit(form.instance, changed, previous_event=previous_event)

    # Actions --------------------------------------------------------------------------

    def _set_status(self, request, queryset, status, done):
        ids = list(queryset.values_list("pk", flat=True))
        if len(ids) > curation.INLINE_LIMIT:
            curation.later("set_status", ids, status, user=request.user)
            message = _("%d article(s) selected: the change runs in the background.") % len(ids)
        else:
            message = done % curation.set_status(ids, status, user=request.user)
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Publish selected articles"), permissions=["hide"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Article.Status.PUBLISHED, _("%d article(s) published."))

    @admin.action(description=_("Hide selected articles"), permissions=["hide"])
    def hide(self, request, queryset):
        self._set_status(
            request,
            queryset,
            Article.Status.HIDDEN,
            _("%d article(s) hidden: they no longer appear on any public page."),
        )

    @admin.action(
        description=_("Re-enrich selected articles with the current dictionaries"),
        permissions=["change"],
    )
    def reenrich(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        if len(ids) <= INLINE_REENRICH:
            curation.reenrich(ids, user=request.user)
            message = _("%d article(s) re-enriched.") % len(ids)
        else:
            curation.reenrich_after_commit(ids, user=request.user)
            message = _("%d article(s) are being re-enriched in the background.") % len(ids)
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(description=_("Move selected articles to another event…"), permissions=["change"])
    def move_to_event(self, request, queryset):
        articles = list(queryset.select_related(None).only("pk", "title")[: MAX_MOVE + 1])
        if len(articles) > MAX_MOVE:
            self.message_user(
                request, _("Move at most %d articles at a time.") % MAX_MOVE, messages.WARNING
            )
            return None
        form = MoveToEventForm(
            request.POST if request.POST.get("post") else None, admin_site=self.admin_site
        )
        if form.is_bound and form.is_valid():
            event = form.cleaned_data["event"]
            count = curation.move_articles_to_event(
                [a.pk for a in articles], event, user=request.user
            )
            self.message_user(
                request,
                _("%(count)d article(s) moved to “%(event)s”.") % {"count": count, "event": event},
                messages.SUCCESS,
            )
            return None
        return confirmation(
            request,
            self,
            articles,
            action="move_to_event",
            title=_("Move articles to another event"),
            intro=_(
                "The articles join the event you choose; their event is then curated, "
                "so enrichment will not move them back. An event left without "
                "articles is deleted."
            ),
            form=form,
            submit=_("Move"),
        )

    @admin.action(
        description=_("Release curated fields (let imports and enrichment decide)"),
        permissions=["change"],
    )
    def release_curated(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        if len(ids) > INLINE_REENRICH:
            curation.later("release_curated", ids, user=request.user)
            message = _("%d article(s) are being released and re-enriched in the background.")
            self.message_user(request, message % len(ids), messages.SUCCESS)
            return
        count = curation.release_and_reenrich(ids, user=request.user)
        self.message_user(
            request, _("%d article(s) released and re-enriched.") % count, messages.SUCCESS
        )
