"""Background jobs for curators: status, every attempt (the ones that died too), errors.

Replaces django_tasks_db's read-only admin of its queue table with one on the
``Job`` proxy, whose permissions curators hold: ``view_job`` and ``retry_job`` (the
"Retry" action enqueues a failed job again with the same arguments).
"""

from __future__ import annotations

import json
import uuid

from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.jobs.tasks import describe_job, retry_job
from articles.models import Job


def replace_task_result_admin() -> None:
    """Called once apps are ready (django_tasks_db's admin module has registered)."""
    if admin.site.is_registered(DBTaskResult):
        admin.site.unregister(DBTaskResult)


def when(value) -> str:
    return formats.localize(timezone.localtime(value)) if value else "–"


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "short_id",
        "description",
        "status",
        "attempt_count",
        "enqueued_at",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "enqueued_at"]
    ordering = ["-enqueued_at"]
    actions = ["retry_selected"]
    fields = [
        "id",
        "description",
        "status",
        "arguments",
        ("enqueued_at", "started_at", "finished_at"),
        "attempt_list",
        "error",
    ]
    readonly_fields = [
        name for item in fields for name in (item if isinstance(item, tuple) else (item,))
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(attempt_total=Count("attempts"))

    def has_add_permission(self, request):
        return False  # jobs are enqueued by what needs them

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened

    def has_delete_permission(self, request, obj=None):
        return False  # `manage.py prune_db_task_results` prunes finished ones

    def has_retry_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.retry_{opts.model_name}")

    @admin.display(description=_("job"))
    def short_id(self, obj):
        return str(obj.pk)[:8]

    @admin.display(description=_("what"))
    def description(self, obj):
        return describe_job(obj)

    @admin.display(description=_("attempts"), ordering="attempt_total")
    def attempt_count(self, obj):
        return obj.attempt_total

    @admin.display(description=_("arguments"))
    def arguments(self, obj):
        return format_html("<code>{}</code>", json.dumps(obj.args_kwargs, ensure_ascii=False))

    @admin.display(description=_("attempts"))
    def attempt_list(self, obj):
        attempts = list(obj.attempts.order_by("number"))
        if not attempts:
            return _("none yet")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{} (pid {})</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>",
            (
                (
                    a.number,
                    a.worker_id,
                    a.host or "?",
                    a.pid or "?",
                    when(a.started_at),
                    when(a.ended_at),
                    a.get_outcome_display(),
                    a.note,
                )
                for a in attempts
            ),
        )
        return format_html(
            '<table class="job-attempts"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("attempt"),
            _("worker"),
            _("host"),
            _("started"),
            _("ended"),
            _("outcome"),
            _("note"),
            rows,
        )

    @admin.display(description=_("error"))
    def error(self, obj):
        if not obj.traceback:
            return _("none")
        return format_html("<p>{}</p><pre>{}</pre>", obj.exception_class_path, obj.traceback)

    @admin.action(description=_("Retry the selected failed jobs"), permissions=["retry"])
    def retry_selected(self, request, queryset):
        retried = 0
        for job in queryset.filter(status=TaskResultStatus.FAILED):
            new = retry_job(job)
            if new is None:
                continue
            self.log_change(request, job, f"Retried: enqueued again as job {new.id}.")
            retried += 1
        skipped = queryset.count() - retried
        self.message_user(
            request,
            _("%(retried)d job(s) queued again; %(skipped)d skipped (not failed).")
            % {"retried": retried, "skipped": skipped},
            messages.SUCCESS if retried else messages.WARNING,
        )


def job_link(job_id: str) -> str:
    """The batch page's link to its job, with the job's status and attempts."""
    try:
        uuid.UUID(job_id)
    except ValueError:
        job = None  # not a queue row (e.g. run by an immediate backend)
    else:
        job = Job.objects.filter(pk=job_id).annotate(attempt_total=Count("attempts")).first()
    if job is None:
        return _("queued (the job is enqueued when the upload has been saved)")
    return format_html(
        '<a href="{}">{}</a> · {} · {}',
        reverse("admin:articles_job_change", args=[job.pk]),
        str(job.pk)[:8],
        job.get_status_display(),
        _("%d attempt(s)") % job.attempt_total,
    )
