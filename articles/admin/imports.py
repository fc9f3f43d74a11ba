"""Import batches: read-only results, and the upload form (its "add" page).

An upload runs as a background job: the request stores the file with a new batch
(status "queued"), and redirects to the batch's page, which reloads itself every
few seconds (a plain ``<meta http-equiv="refresh">``, no JavaScript) until the
import has finished. See ``articles.jobs`` and ``articles.importing.uploads``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.admin.jobs import job_link
from articles.importing import uploads
from articles.importing.service import dictionary_warnings
from articles.models import ImportBatch

REFRESH_SECONDS = 3


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_("A .txt file of records, a .jsonl file, or a .zip of them (at most 200 MB)."),
    )
    strict = forms.BooleanField(
        label=_("strict"),
        required=False,
        help_text=_("Import all records or none: any error leaves the archive unchanged."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePosixPath(upload.name).suffix.lower()
        if suffix not in uploads.UPLOAD_SUFFIXES:
            raise forms.ValidationError(
                _("Upload a .txt, .jsonl or .zip file, not “%s”.") % (suffix or upload.name)
            )
        if upload.size > uploads.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "created_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "created_by",
        "source_list",
    ]
    list_filter = ["status", "started_at"]
    list_select_related = ["created_by"]
    date_hierarchy = "started_at"
    fields = [
        "status",
        "warning_list",
        ("started_at", "finished_at"),
        "created_by",
        "source_list",
        "strict",
        ("created_count", "updated_count", "unchanged_count", "failed_count"),
        "job",
        "article_link",
        "error_list",
    ]
    readonly_fields = [
        name for item in fields for name in (item if isinstance(item, tuple) else (item,))
    ]

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened

    @admin.display(description=_("sources"))
    def source_list(self, obj):
        return ", ".join(obj.sources or [])

    @admin.display(description=_("background job"))
    def job(self, obj):
        return job_link(obj.job_id) if obj.job_id else "–"

    @admin.display(description=_("articles"))
    def article_link(self, obj):
        url = reverse("admin:articles_article_changelist")
        count = obj.articles.count()
        return format_html(
            '<a href="{}?import_batch__id__exact={}">{} article(s) last written by this batch</a>',
            url,
            obj.pk,
            count,
        )

    @admin.display(description=_("warnings"))
    def warning_list(self, obj):
        if not obj.warnings:
            return _("none")
        return format_html_join(
            "", "<p><strong>{}</strong></p>", ((gettext(w),) for w in obj.warnings)
        )

    @admin.display(description=_("errors"))
    def error_list(self, obj):
        if not obj.errors:
            return _("none")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (e.get("source", ""), e.get("line") or "", e.get("field") or "", e.get("message"))
                for e in obj.errors
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("file"),
            _("line"),
            _("field"),
            _("problem"),
            rows,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        waiting = batch is not None and batch.in_progress
        extra_context = {
            **(extra_context or {}),
            "refresh_seconds": REFRESH_SECONDS if waiting else None,
            "queued": waiting and batch.status == ImportBatch.Status.QUEUED,
            "batch_warnings": batch.warnings if batch is not None else [],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        """The upload form: store the file, start the import, show the batch."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            batch = uploads.start_upload_import(
                upload, strict=form.cleaned_data["strict"], user=request.user
            )
            self.message_user(
                request,
                _(
                    "The import of “%s” runs in the background. This page shows its "
                    "result and refreshes itself until it has finished."
                )
                % upload.name,
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:articles_importbatch_change", args=[batch.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Upload an import"),
            "opts": self.model._meta,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
            "dictionary_warnings": dictionary_warnings(),
        }
        return TemplateResponse(request, "admin/articles/importbatch/upload.html", context)
