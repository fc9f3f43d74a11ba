"""Heartbeats and recovery: a RUNNING job whose worker stopped beating is queued again
(up to ARCHIVE_JOB_MAX_ATTEMPTS lost attempts, then failed); a live worker's is left."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.jobs.recovery import beat, recover_lost_jobs, worker_status
from articles.jobs.tasks import curation_job, import_upload
from articles.models import ImportBatch, Job, JobAttempt, WorkerHeartbeat

pytestmark = pytest.mark.django_db

STALE = 60


@pytest.fixture(autouse=True)
def _bounds(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ARCHIVE_JOB_STALE_SECONDS = STALE
    settings.ARCHIVE_JOB_MAX_ATTEMPTS = 2


def ago(seconds: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def running_job(worker_id: str, *, started: float, task=curation_job, args=None) -> Job:
    """A job claimed by ``worker_id`` ``started`` seconds ago, as the worker leaves it."""
    result = task.enqueue(*(args or ("reenrich", [[1, 2]], None)))
    job = Job.objects.get(pk=result.id)
    job.claim(worker_id)
    Job.objects.filter(pk=job.pk).update(started_at=ago(started))
    JobAttempt.objects.create(job=job, number=1, worker_id=worker_id, started_at=ago(started))
    return Job.objects.get(pk=job.pk)


def heartbeat(worker_id: str, *, seen: float) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="h", pid=1, started_at=ago(seen + 5), last_seen=ago(seen)
    )


def test_a_job_of_a_silent_worker_is_queued_again():
    heartbeat("dead", seen=STALE + 10)
    job = running_job("dead", started=STALE + 30)
    assert recover_lost_jobs() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == "READY" and job.worker_ids == ["dead"]
    attempt = job.attempts.get()
    assert attempt.outcome == JobAttempt.Outcome.LOST and attempt.ended_at is not None
    assert attempt.note.startswith("worker dead lost: no heartbeat since")
    assert recover_lost_jobs() == {"requeued": 0, "failed": 0}  # nothing twice


def test_a_live_worker_s_job_is_left_running():
    heartbeat("alive", seen=1)
    job = running_job("alive", started=STALE * 5)  # long, but its worker beats
    assert recover_lost_jobs() == {"requeued": 0, "failed": 0}
    job.refresh_from_db()
    assert job.status == "RUNNING"
    assert job.attempts.get().outcome == JobAttempt.Outcome.RUNNING


def test_a_just_claimed_job_is_not_judged_yet():
    job = running_job("no-beat-yet", started=1)  # no heartbeat row (yet)
    assert recover_lost_jobs() == {"requeued": 0, "failed": 0}
    assert Job.objects.get(pk=job.pk).status == "RUNNING"
    Job.objects.filter(pk=job.pk).update(started_at=ago(STALE + 1))
    assert recover_lost_jobs() == {"requeued": 1, "failed": 0}
    assert "never sent a heartbeat" in Job.objects.get(pk=job.pk).attempts.get().note


def test_past_the_maximum_of_lost_attempts_the_job_fails_and_its_batch_too():
    batch = ImportBatch.objects.create(sources=["big.txt"], status=ImportBatch.Status.RUNNING)
    heartbeat("first", seen=STALE * 3)
    job = running_job("first", started=STALE * 4, task=import_upload, args=(batch.pk,))
    assert recover_lost_jobs() == {"requeued": 1, "failed": 0}
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.QUEUED
    job.refresh_from_db()
    job.claim("second")  # the next worker takes it, and dies too
    Job.objects.filter(pk=job.pk).update(started_at=ago(STALE * 2))
    heartbeat("second", seen=STALE * 2)
    assert recover_lost_jobs() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == "FAILED" and job.exception_class_path.endswith("WorkerLost")
    assert "during each of its 2 attempts" in job.traceback
    assert list(job.attempts.values_list("number", "worker_id", "outcome")) == [
        (1, "first", "lost"),
        (2, "second", "lost"),
    ]
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and not batch.in_progress
    assert "during each of its 2 attempts" in batch.errors[0]["message"]


def test_worker_status_lists_live_workers_and_the_queue():
    beat("w-live")
    heartbeat("w-gone", seen=STALE + 1)
    running_job("w-live", started=3)
    curation_job.enqueue("reenrich", [[3]], None)
    curation_job.enqueue("reenrich", [[4]], None)
    status = worker_status()
    assert [w["worker_id"] for w in status["workers"]] == ["w-live"]
    assert 0 <= status["newest_heartbeat_age_seconds"] < 5
    assert (status["ready"], status["running"]) == (2, 1)
    assert status["stale_after_seconds"] == STALE
    WorkerHeartbeat.objects.all().delete()
    assert (
        worker_status()["workers"] == [] and worker_status()["newest_heartbeat_age_seconds"] is None
    )
