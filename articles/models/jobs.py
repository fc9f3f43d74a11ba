"""Background jobs as curators see them, the workers that run them, and each attempt.

The queue itself is django_tasks_db's ``DBTaskResult`` table; ``Job`` is a proxy of
it in this app, so that its admin and its permissions (``retry_job``) sit with the
archive's. ``WorkerHeartbeat`` and ``JobAttempt`` are what django_tasks_db lacks to
notice a worker that died mid-job (articles/jobs/recovery.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult


class Job(DBTaskResult):
    class Meta:
        proxy = True
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        permissions = [("retry_job", _("Can retry a failed background job"))]


class WorkerHeartbeat(models.Model):
    """One row per running worker process, refreshed every few seconds."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}, pid {self.pid})"


class JobAttempt(models.Model):
    """One claim of a job by a worker, and how it ended."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")
        LOST = "lost", _("worker lost")
        INTERRUPTED = "interrupted", _("interrupted; queued again")

    job = models.ForeignKey(DBTaskResult, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    worker_id = models.CharField(max_length=64)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome, default=Outcome.RUNNING)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="job_attempt_number_unique")
        ]
        verbose_name = _("job attempt")
        verbose_name_plural = _("job attempts")

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.job_id} ({self.outcome})"
