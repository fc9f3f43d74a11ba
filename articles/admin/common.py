"""Pieces the archive's admin screens share: counts, list filters, the merge action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from articles import curation

MAX_MERGE = 10
FILTER_CHOICES = 40
FILTER_CACHE_SECONDS = 300


def link_count(link_model, field: str = "tag"):
    """The number of ``link_model`` rows pointing at the outer row, as an annotation.

    A correlated subquery rather than a JOIN + GROUP BY: PostgreSQL computes it only
    for the rows on the page, unless the list is sorted by it.
    """
    rows = (
        link_model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def is_changelist(request, model) -> bool:
    """Whether this request is the model's list page (or an action posted to it).

    Article counts are annotated there only: autocomplete and change pages skip them.
    """
    match = getattr(request, "resolver_match", None)
    return (
        bool(match)
        and match.url_name == f"{model._meta.app_label}_{model._meta.model_name}_changelist"
    )


def has_model_perm(request, model, action: str) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


class LinkedListFilter(admin.SimpleListFilter):
    """Articles linked to one company or tag, chosen among the most linked ones.

    Lists at most FILTER_CHOICES choices (cached), never the whole table; any id
    works in the URL (``?company=12``), and the company and tag lists link there.
    """

    link_model = None
    target_model = None
    field = "tag"

    def lookups(self, request, model_admin):
        key = f"admin-filter:{self.parameter_name}"
        choices = cache.get(key)
        if choices is None:
            top = list(
                self.link_model.objects.order_by()
                .values_list(self.field)
                .annotate(n=Count("pk"))
                .order_by("-n", self.field)[:FILTER_CHOICES]
            )
            names = dict(
                self.target_model.objects.filter(pk__in=[pk for pk, _ in top]).values_list(
                    "pk", "name"
                )
            )
            choices = [(str(pk), f"{names[pk]} ({n})") for pk, n in top if pk in names]
            cache.set(key, choices, FILTER_CACHE_SECONDS)
        value = self.value()
        if value and value.isdigit() and value not in {pk for pk, _ in choices}:
            chosen = self.target_model.objects.filter(pk=value).values_list("name", flat=True)
            choices = [*[(value, name) for name in chosen], *choices]
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        links = self.link_model.objects.filter(article=OuterRef("pk"), **{self.field: value})
        return queryset.filter(Exists(links))


class SurvivorForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        label=_("Keep this one"),
        help_text=_("The others are merged into it and deleted."),
        empty_label=None,
    )

    def __init__(self, *args, objects, label, **kwargs):
        super().__init__(*args, **kwargs)
        model = type(objects[0])
        field = self.fields["survivor"]
        field.queryset = model.objects.filter(pk__in=[obj.pk for obj in objects])
        by_pk = {obj.pk: obj for obj in objects}
        field.label_from_instance = lambda obj: label(by_pk.get(obj.pk, obj))


def confirmation(request, modeladmin, queryset, *, action, title, intro, form, submit):
    """The intermediate page of an action that needs a choice before it runs."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "media": modeladmin.media + form.media,
        "action": action,
        "submit_label": submit,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/articles/action_confirmation.html", context)


def merge_action(service, *, describe):
    """An admin action: pick the survivor among the selected rows, merge the others into it.

    ``service(survivor, merged, user=...)`` is a function of ``articles.curation``;
    ``describe(obj)`` labels a choice. The merged rows' articles are re-enriched in
    the background once the merge has committed.
    """

    @admin.action(description=_("Merge selected…"), permissions=["merge"])
    def merge_selected(modeladmin, request, queryset):
        objects = list(queryset.order_by("pk")[: MAX_MERGE + 1])
        if not 2 <= len(objects) <= MAX_MERGE:
            modeladmin.message_user(
                request, _("Select between 2 and %d rows to merge.") % MAX_MERGE, messages.WARNING
            )
            return None
        form = SurvivorForm(
            request.POST if request.POST.get("post") else None, objects=objects, label=describe
        )
        if form.is_bound and form.is_valid():
            survivor = form.cleaned_data["survivor"]
            merged = [obj for obj in objects if obj.pk != survivor.pk]
            if sum(getattr(obj, "article_count", 0) for obj in merged) > curation.INLINE_LIMIT:
                opts = modeladmin.model._meta
                curation.later(
                    "merge",
                    opts.label,
                    survivor.pk,
                    [obj.pk for obj in merged],
                    user=request.user,
                )
                modeladmin.message_user(
                    request,
                    _(
                        "Many articles are affected: the merge into “%s” runs in the "
                        "background. It appears under Merge records when it is done."
                    )
                    % survivor,
                    messages.SUCCESS,
                )
                return None
            try:
                with transaction.atomic():
                    records = [service(survivor, obj, user=request.user) for obj in merged]
            except curation.CurationError as exc:
                modeladmin.message_user(request, str(exc), messages.ERROR)
                return None
            touched = {pk for record in records for pk in record.article_ids}
            curation.reenrich_after_commit(touched)
            modeladmin.message_user(
                request,
                _("Merged %(merged)s into “%(survivor)s”; %(count)d article(s) moved.")
                % {
                    "merged": ", ".join(f"“{record.merged_name}”" for record in records),
                    "survivor": survivor,
                    "count": len(touched),
                },
                messages.SUCCESS,
            )
            return None
        opts = modeladmin.model._meta
        return confirmation(
            request,
            modeladmin,
            objects,
            action="merge_selected",
            title=_("Merge %s") % opts.verbose_name_plural,
            intro=_(
                "Every link moves to the one you keep; no link is duplicated. The other "
                "names become its aliases (future imports map to it), their old pages "
                "redirect to it, and the merge is recorded with its articles."
            ),
            form=form,
            submit=_("Merge"),
        )

    return merge_selected


class MergeMixin:
    """``has_merge_permission`` for ``@admin.action(permissions=["merge"])``."""

    def has_merge_permission(self, request):
        return has_model_perm(request, self.model, "merge")
