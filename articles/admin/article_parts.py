"""The article form's pieces: link inlines (autocomplete), list filters, forms."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.importing.urls import InvalidURL, canonical_url
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

from .common import LinkedListFilter

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
