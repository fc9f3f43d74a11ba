"""Articles: full-text admin search, autocomplete everywhere, curated fields, actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles import curation
from articles.importing.urls import InvalidURL, canonical_url, source_domain
from articles.models import (
    Article,
    ArticleCompany,
    ArticleIndustry,
    ArticleKeyword,
    ArticleTechnology,
    Company,
    Event,
    Industry,
    Keyword,
    Technology,
)
from articles.search import compile_search

from .common import LinkedListFilter, confirmation

# Selections up to this size are re-enriched within the request; more in the background.
INLINE_REENRICH = 200
MAX_MOVE = 500
INLINE_CURATED = {
    ArticleKeyword: "keywords",
    ArticleTechnology: "technologies",
    ArticleIndustry: "industries",
    ArticleCompany: "companies",
}


# Inlines: one per link table, each with an autocomplete -------------------------------


class TagLinkInline(admin.TabularInline):
    fields = ["tag", "position"]
    autocomplete_fields = ["tag"]
    extra = 0
    ordering = ["position"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["position"].required = False
        formset.form.base_fields["position"].help_text = _("Empty: after the others.")
        return formset


class KeywordInline(TagLinkInline):
    model = ArticleKeyword
    verbose_name_plural = _("keywords")


class TechnologyInline(TagLinkInline):
    model = ArticleTechnology
    verbose_name_plural = _("AI technologies")


class IndustryInline(TagLinkInline):
    model = ArticleIndustry
    verbose_name_plural = _("industries")


class CompanyLinkInline(admin.TabularInline):
    model = ArticleCompany
    fields = ["company", "mentions", "in_title", "is_main"]
    readonly_fields = ["is_main"]
    autocomplete_fields = ["company"]
    extra = 0
    verbose_name_plural = _("companies")


# List filters ---------------------------------------------------------------------------


class CompanyFilter(LinkedListFilter):
    title = _("company")
    parameter_name = "company"
    link_model = ArticleCompany
    target_model = Company
    field = "company"


class IndustryFilter(LinkedListFilter):
    title = _("industry")
    parameter_name = "industry"
    link_model = ArticleIndustry
    target_model = Industry


class HiddenLinkedFilter(LinkedListFilter):
    """Accepts ``?keyword=<id>`` (links from the tag lists) without a sidebar list."""

    template = "admin/articles/hidden_filter.html"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True  # applied, though it shows nothing


class KeywordFilter(HiddenLinkedFilter):
    title = _("keyword")
    parameter_name = "keyword"
    link_model = ArticleKeyword
    target_model = Keyword


class TechnologyFilter(HiddenLinkedFilter):
    title = _("technology")
    parameter_name = "technology"
    link_model = ArticleTechnology
    target_model = Technology


# The form -------------------------------------------------------------------------------


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title",
            "url",
            "status",
            "summary",
            "event_summary",
            "extra_fields",
            "main_company",
            "event_type",
            "event_date",
            "event_date_precision",
            "event",
        ]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            canonical = canonical_url(url)
        except InvalidURL as exc:
            raise forms.ValidationError(str(exc)) from exc
        others = Article.objects.filter(canonical_url=canonical).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("Another article has this link."))
        return url


class MoveToEventForm(forms.Form):
    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        widget = admin.widgets.AutocompleteSelect(Article._meta.get_field("event"), admin_site)
        self.fields["event"] = forms.ModelChoiceField(
            queryset=Event.objects.all(),
            widget=widget,
            label=_("event"),
            help_text=_("Type a few words of its title, or its number."),
        )


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
        match = getattr(request, "resolver_match", None)
        if match and match.url_name == "articles_article_changelist":
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
        compiled = compile_search(term)
        if not compiled.is_empty:
            condition |= Q(search_vector=compiled.search_query())
        return queryset.filter(condition), False

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

    @admin.action(description=_("Publish selected articles"), permissions=["hide"])
    def publish(self, request, queryset):
        count = curation.publish_articles(queryset.values_list("pk", flat=True), user=request.user)
        self.message_user(request, _("%d article(s) published.") % count, messages.SUCCESS)

    @admin.action(description=_("Hide selected articles"), permissions=["hide"])
    def hide(self, request, queryset):
        count = curation.hide_articles(queryset.values_list("pk", flat=True), user=request.user)
        self.message_user(
            request,
            _("%d article(s) hidden: they no longer appear on any public page.") % count,
            messages.SUCCESS,
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
        count = curation.release_curated(ids, user=request.user)
        if len(ids) <= INLINE_REENRICH:
            curation.reenrich(ids)
        else:
            curation.reenrich_after_commit(ids)
        self.message_user(
            request, _("%d article(s) released and re-enriched.") % count, messages.SUCCESS
        )
