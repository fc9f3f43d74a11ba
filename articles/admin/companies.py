"""Companies: aliases and products inline, article counts, merge, re-enrich after new names."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from articles import curation
from articles.models import Article, ArticleCompany, Company, CompanyName

from .common import MergeMixin, has_model_perm, is_changelist, link_count, merge_action


def describe_company(company) -> str:
    count = getattr(company, "article_count", None)
    suffix = "" if count is None else f" — {count} article(s)"
    english = f" / {company.name_en}" if company.name_en else ""
    return f"{company.name}{english} ({company.slug}){suffix}"


class CompanyNameInline(admin.TabularInline):
    model = CompanyName
    fields = ["name", "kind"]
    extra = 1
    verbose_name = _("alias or product")
    verbose_name_plural = _("aliases and products")


@admin.register(Company)
class CompanyAdmin(MergeMixin, admin.ModelAdmin):
    list_display = ["name", "name_en", "slug", "category", "article_count"]
    list_filter = ["category"]
    search_fields = ["name", "name_en", "slug", "names__name"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["name", "name_en", "slug", "category", "description", "created_at", "updated_at"]
    inlines = [CompanyNameInline]
    show_full_result_count = False
    actions = [merge_action(curation.merge_companies, describe=describe_company)]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_changelist(request, self.model):
            queryset = queryset.annotate(article_count=link_count(ArticleCompany, "company"))
        return queryset

    @admin.display(description=_("articles"), ordering="article_count")
    def article_count(self, obj):
        count = getattr(obj, "article_count", 0)
        if not count:
            return 0
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?company={}">{}</a>', url, obj.pk, count)

    # New names → offer to re-enrich -----------------------------------------------

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        request._new_company_names = [
            getattr(obj, field) for field in ("name", "name_en") if field in form.changed_data
        ]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is CompanyName:
            names = [obj.name for obj in formset.new_objects]
            names += [obj.name for obj, fields in formset.changed_objects if "name" in fields]
            request._new_company_names = [
                *getattr(request, "_new_company_names", []),
                *names,
            ]

    def _offer_reenrich(self, request, obj):
        names = [name for name in getattr(request, "_new_company_names", []) if name]
        if not names or not has_model_perm(request, Article, "change"):
            return
        url = reverse("admin:articles_company_reenrich", args=[obj.pk])
        query = urlencode([("name", name) for name in names])
        self.message_user(
            request,
            format_html(
                "New names for {}: {}. "
                '<a href="{}?{}">Re-enrich the articles that mention them</a>, '
                "so that they link to this company.",
                obj,
                "、".join(names),
                url,
                query,
            ),
            messages.INFO,
        )

    def response_add(self, request, obj, post_url_continue=None):
        self._offer_reenrich(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self._offer_reenrich(request, obj)
        return super().response_change(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view(self.reenrich_view)
        return [
            path("<path:object_id>/reenrich/", view, name="articles_company_reenrich"),
            *super().get_urls(),
        ]

    def reenrich_view(self, request, object_id):
        """Confirm, then re-enrich the articles that mention a company's new names."""
        if not (self.has_change_permission(request) and has_model_perm(request, Article, "change")):
            raise PermissionDenied
        company = self.get_object(request, object_id)
        if company is None:
            raise Http404
        own = {company.name, company.name_en, *company.names.values_list("name", flat=True)}
        names = [name for name in request.GET.getlist("name") if name and name in own]
        if request.method == "POST" and names:
            curation.later("reenrich_mentioning", names, user=request.user)
            self.message_user(
                request,
                _("The articles that mention %s are being re-enriched in the background.")
                % "、".join(names),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:articles_company_change", args=[company.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Re-enrich articles mentioning %s") % "、".join(names),
            "opts": self.model._meta,
            "original": company,
            "names": names,
        }
        return TemplateResponse(request, "admin/articles/company/reenrich.html", context)
