"""The upload job is safe to run again, whatever point its previous attempt reached."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.importing.uploads import run_upload_import, start_upload_import
from articles.models import Article, ImportBatch, Job

from .records import records_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _queue(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def stored(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_a_rerun_after_the_import_committed_imports_nothing_twice(
    settings, django_capture_on_commit_callbacks
):
    data = records_text(3).encode()
    with django_capture_on_commit_callbacks(execute=True):
        batch = start_upload_import(SimpleUploadedFile("three.txt", data), strict=False, user=None)
    job = Job.objects.get(pk=batch.job_id)
    assert job.args_kwargs["args"] == [batch.pk] and len(stored(settings)) == 1
    assert run_upload_import(batch.pk) == ImportBatch.Status.SUCCEEDED
    assert stored(settings) == []
    # As if the worker had died after the import's commit, before removing the file.
    batch.refresh_from_db()
    batch.upload.save("three.txt", ContentFile(data))
    assert run_upload_import(batch.pk) == "already imported"
    batch.refresh_from_db()
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (3, 0, 0)
    assert Article.objects.filter(import_batch=batch).count() == 3
    assert stored(settings) == [] and not batch.upload


def test_an_unexpected_error_fails_the_batch_and_keeps_the_file_for_a_retry(
    settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = start_upload_import(
            SimpleUploadedFile("one.txt", records_text(1).encode()), strict=False, user=None
        )
    path = settings.MEDIA_ROOT / batch.upload.name
    path.unlink()
    path.mkdir()  # unreadable as a file: an OSError, not a refusal of the file's content
    with pytest.raises(OSError):
        run_upload_import(batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.upload
    assert batch.errors[0]["message"].startswith("import aborted:")
    path.rmdir()
    path.write_bytes(records_text(1).encode())
    assert run_upload_import(batch.pk) == ImportBatch.Status.SUCCEEDED  # the retry's run
    assert Article.objects.count() == 1 and stored(settings) == []


@pytest.mark.django_db(transaction=True)
def test_the_job_is_queued_with_its_batch_or_not_at_all(settings):
    """The queue row is written in the upload's transaction: no batch waits for no job."""
    from django.db import transaction

    data = records_text(2).encode()
    with pytest.raises(RuntimeError), transaction.atomic():
        start_upload_import(SimpleUploadedFile("two.txt", data), strict=False, user=None)
        assert Job.objects.count() == 1  # already queued, not yet visible to a worker
        raise RuntimeError("the request fails after the upload")
    assert Job.objects.count() == 0 and ImportBatch.objects.count() == 0
    batch = start_upload_import(SimpleUploadedFile("two.txt", data), strict=False, user=None)
    assert str(Job.objects.get().pk) == ImportBatch.objects.get(pk=batch.pk).job_id
