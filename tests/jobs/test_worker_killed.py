"""THE kill test: a worker SIGKILLed in the middle of a 5,000-record upload.

The job must not stay "running" for ever (django_tasks_db's own worker leaves it so):
a second worker finds that the first one stopped beating, runs the job again, and
the import ends with every record exactly once; the admin shows the attempt that died.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count

from articles.importing.service import IMPORT_LOCK_KEY
from articles.models import Article, ImportBatch, Job

from .conftest import wait_for
from .records import records_text

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

RECORDS = 5000
STALE_SECONDS = 3


def import_lock_holders() -> int:
    """Backends holding the importer's advisory lock: inside the import's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s "
            "AND a.datname = current_database() AND a.pid <> pg_backend_pid()",
            [IMPORT_LOCK_KEY],
        )
        return cursor.fetchone()[0]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_a_killed_worker_s_import_is_finished_by_the_next_worker(
    client, django_user_model, workers, settings
):
    started = time.monotonic()
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "x-long-pass-1")
    client.force_login(user)
    data = records_text(RECORDS).encode()
    response = client.post(
        "/admin/articles/importbatch/add/", {"file": SimpleUploadedFile("big.txt", data)}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get(pk=response["Location"].rstrip("/").split("/")[-2])
    assert batch.status == ImportBatch.Status.QUEUED and batch.job_id
    job = Job.objects.get(pk=batch.job_id)
    assert job.args_kwargs == {"args": [batch.pk], "kwargs": {}}

    first = workers.start("worker-doomed")
    wait_for(
        lambda: import_lock_holders() == 1 and Job.objects.get(pk=job.pk).status == "RUNNING",
        timeout=120,
        what="the first worker to be inside the import's transaction",
    )
    time.sleep(1.0)  # well into the writes (the whole import takes tens of seconds)
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.RUNNING
    helpers = children(first.pid)  # e.g. the enrichment's process pool
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    wait_for(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in helpers),
        timeout=30,
        what=f"the killed worker's child processes {helpers} to die with it",
    )
    wait_for(lambda: import_lock_holders() == 0, timeout=60, what="PostgreSQL to roll back")
    assert Article.objects.count() == 0  # the killed attempt left nothing half-written
    assert Job.objects.get(pk=job.pk).status == "RUNNING"  # stuck, until recovered
    assert batch.upload.storage.exists(batch.upload.name)  # the file waits for a retry

    second = workers.start("worker-rescuer", stale_seconds=STALE_SECONDS)
    wait_for(
        lambda: Job.objects.get(pk=job.pk).worker_ids[-1] == "worker-rescuer",
        timeout=60,
        what="the second worker to find the lost job and take it",
    )
    wait_for(
        lambda: not ImportBatch.objects.get(pk=batch.pk).in_progress,
        timeout=240,
        what=f"the second worker to finish the import; its log:\n{workers.log('worker-rescuer')}",
        every=0.5,
    )

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED, batch.errors
    assert (batch.created_count, batch.updated_count, batch.failed_count) == (RECORDS, 0, 0)
    assert Article.objects.count() == RECORDS
    assert not Article.objects.values("canonical_url").annotate(n=Count("pk")).filter(n__gt=1)
    assert set(Article.objects.values_list("url", flat=True)) == {
        f"https://example.com/jobs/{n}" for n in range(RECORDS)
    }
    assert not Article.objects.exclude(import_batch=batch).exists()
    assert not batch.upload and not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))

    job = Job.objects.get(pk=job.pk)
    assert job.status == "SUCCESSFUL" and job.worker_ids == ["worker-doomed", "worker-rescuer"]
    attempts = list(job.attempts.values_list("number", "worker_id", "outcome"))
    assert attempts == [(1, "worker-doomed", "lost"), (2, "worker-rescuer", "succeeded")]
    page = client.get(f"/admin/articles/job/{job.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "worker worker-doomed lost: no heartbeat since" in html and "worker-rescuer" in html

    second.send_signal(signal.SIGTERM)  # graceful: it stops and removes its heartbeat
    assert second.wait(timeout=30) == 0
    seconds = time.monotonic() - started
    print(f"\nkill test: {seconds:.1f} s; attempts {attempts}; its children {helpers} gone")
