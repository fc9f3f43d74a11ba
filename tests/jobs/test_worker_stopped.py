"""Stopping a worker (Ctrl-C in `make run`, a deploy's TERM): the first signal lets the
job finish; a second one interrupts it, and the job goes back to the queue, not FAILED."""

from __future__ import annotations

import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Article, ImportBatch, Job, WorkerHeartbeat

from .conftest import wait_for
from .records import records_text
from .test_worker_killed import import_lock_holders

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RECORDS = 2000


def test_an_interrupted_job_is_queued_again_and_finished_by_the_next_worker(
    client, django_user_model, workers
):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "x-long-pass-1")
    client.force_login(user)
    data = records_text(RECORDS).encode()
    response = client.post(
        "/admin/articles/importbatch/add/", {"file": SimpleUploadedFile("stop.txt", data)}
    )
    batch = ImportBatch.objects.get(pk=response["Location"].rstrip("/").split("/")[-2])

    first = workers.start("worker-stopped")
    wait_for(lambda: import_lock_holders() == 1, timeout=120, what="the import's transaction")
    first.send_signal(signal.SIGTERM)  # graceful: would finish the job…
    time.sleep(0.3)
    assert first.poll() is None
    first.send_signal(signal.SIGTERM)  # …until the second signal interrupts it
    first.wait(timeout=30)  # exits once the interrupted attempt is recorded
    job = Job.objects.get(pk=batch.job_id)
    assert job.status == "READY" and not job.traceback
    assert list(job.attempts.values_list("number", "outcome")) == [(1, "interrupted")]
    assert Article.objects.count() == 0
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.QUEUED
    assert not WorkerHeartbeat.objects.filter(worker_id="worker-stopped").exists()

    second = workers.start("worker-next", extra=["--batch"])
    assert second.wait(timeout=240) == 0, workers.log("worker-next")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED and batch.created_count == RECORDS
    assert Article.objects.count() == RECORDS
    job.refresh_from_db()
    assert job.status == "SUCCESSFUL"
    assert list(job.attempts.values_list("worker_id", "outcome")) == [
        ("worker-stopped", "interrupted"),
        ("worker-next", "succeeded"),
    ]
