"""Workers' heartbeats, jobs lost with their worker, and the workers' status.

django_tasks_db marks a job RUNNING when a worker claims it and leaves it so if the
worker dies (SIGKILL, out of memory, a lost host). Each worker here refreshes a
heartbeat row every ``ARCHIVE_JOB_HEARTBEAT_SECONDS``; a RUNNING job whose worker has
been silent for ``ARCHIVE_JOB_STALE_SECONDS`` is lost: it goes back to READY for
another worker, until ``ARCHIVE_JOB_MAX_ATTEMPTS`` attempts have been lost, when it
fails with ``WorkerLost``. Every worker runs :func:`recover_lost_jobs` on each beat.
"""

from __future__ import annotations

import datetime
import os
import socket

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles.models import JobAttempt, WorkerHeartbeat


class WorkerLost(Exception):
    """Recorded as a job's error when its workers died too often."""


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ARCHIVE_JOB_STALE_SECONDS)


def beat(worker_id: str, *, started_at: datetime.datetime | None = None) -> None:
    """Record that this worker is alive (creating its row on the first beat)."""
    now = timezone.now()
    defaults = {"last_seen": now, "host": socket.gethostname()[:255], "pid": os.getpid()}
    if started_at is not None:
        defaults["started_at"] = started_at
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults=defaults, create_defaults={**defaults, "started_at": now}
    )


def live_worker_ids(now: datetime.datetime) -> set[str]:
    fresh = WorkerHeartbeat.objects.filter(last_seen__gte=now - stale_after())
    return set(fresh.values_list("worker_id", flat=True))


def recover_lost_jobs(now: datetime.datetime | None = None) -> dict[str, int]:
    """Queue again, or fail, the RUNNING jobs whose worker has stopped beating."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    live = live_worker_ids(now)
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        # A job another recoverer holds is skipped; one claimed after the cutoff is
        # too young to judge (its worker may not have beaten yet).
        running = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
        for job in running.select_for_update(skip_locked=True).order_by("started_at"):
            worker_id = job.worker_ids[-1] if job.worker_ids else ""
            if worker_id in live:
                continue
            counts[_give_up_or_requeue(job, worker_id, now)] += 1
    WorkerHeartbeat.objects.filter(last_seen__lt=now - 100 * stale_after()).delete()
    return counts


def _give_up_or_requeue(job: DBTaskResult, worker_id: str, now: datetime.datetime) -> str:
    heartbeat = WorkerHeartbeat.objects.filter(worker_id=worker_id).first()
    last_seen = heartbeat.last_seen if heartbeat else None
    note = (
        f"worker {worker_id} lost: no heartbeat since {last_seen:%Y-%m-%d %H:%M:%S %Z}"
        if last_seen
        else f"worker {worker_id} lost: it never sent a heartbeat"
    )
    JobAttempt.objects.update_or_create(
        job=job,
        number=len(job.worker_ids),
        defaults={"outcome": JobAttempt.Outcome.LOST, "ended_at": now, "note": note},
        create_defaults={
            "worker_id": worker_id,
            "started_at": job.started_at or now,
            "outcome": JobAttempt.Outcome.LOST,
            "ended_at": now,
            "note": note,
        },
    )
    lost = job.attempts.filter(outcome=JobAttempt.Outcome.LOST).count()
    from articles.jobs.tasks import job_gave_up, job_requeued

    if lost < settings.ARCHIVE_JOB_MAX_ATTEMPTS:
        job.status = TaskResultStatus.READY
        job.save(update_fields=["status"])
        job_requeued(job.task_path, job.args_kwargs.get("args", []))
        return "requeued"
    message = (
        f"The job's worker died during each of its {lost} attempts (the last: {note}); "
        f"it is not tried again (ARCHIVE_JOB_MAX_ATTEMPTS = {settings.ARCHIVE_JOB_MAX_ATTEMPTS})."
    )
    job.set_failed(WorkerLost(message))
    job_gave_up(job.task_path, job.args_kwargs.get("args", []), message)
    return "failed"


def worker_status(now: datetime.datetime | None = None) -> dict:
    """For a readiness check: the live workers, their heartbeats' age, and the queue."""
    now = now or timezone.now()
    workers = [
        {
            "worker_id": row.worker_id,
            "host": row.host,
            "pid": row.pid,
            "started_at": row.started_at.isoformat(),
            "heartbeat_age_seconds": round((now - row.last_seen).total_seconds(), 3),
        }
        for row in WorkerHeartbeat.objects.filter(last_seen__gte=now - stale_after()).order_by(
            "-last_seen"
        )
    ]
    return {
        "workers": workers,
        "newest_heartbeat_age_seconds": workers[0]["heartbeat_age_seconds"] if workers else None,
        "ready": DBTaskResult.objects.ready().count(),
        "running": DBTaskResult.objects.running().count(),
        "stale_after_seconds": settings.ARCHIVE_JOB_STALE_SECONDS,
    }
