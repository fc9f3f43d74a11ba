"""Uploading an import from the admin: same importer, run in the background."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from articles.importing import uploads
from articles.importing.service import EMPTY_DICTIONARY
from articles.models import Article, ImportBatch, Job

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/importbatch/add/"
RECORD = "标题: 上传的文章{n}\n链接: https://example.com/upload/{n}\n关键词: 上传, 测试\n"
JSONL = json.dumps({"title": "JSONL 文章", "link": "https://example.com/upload/jsonl"}) + "\n"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def upload(client, name, data, capture, **extra):
    with capture(execute=True):
        response = client.post(ADD, {"file": SimpleUploadedFile(name, data), **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.get(pk=response["Location"].rstrip("/").split("/")[-2])
    return response, batch


def stored_files(settings) -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_upload_form_says_it_runs_in_the_background(curator_client):
    response = curator_client.get(ADD)
    assert response.status_code == 200
    assert "in the background" in response.content.decode()


def shown_warning(response) -> str:
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return f'<li class="warning">{escape(translation.gettext(EMPTY_DICTIONARY))}</li>'


def test_upload_into_an_empty_dictionary_warns_on_the_form_and_the_batch(
    curator_client, django_capture_on_commit_callbacks
):
    form = curator_client.get(ADD)
    assert shown_warning(form) in form.content.decode()
    data = RECORD.format(n=1).encode()
    response, batch = upload(curator_client, "一篇.txt", data, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED and batch.created_count == 1
    assert batch.warnings == [EMPTY_DICTIONARY]
    page = curator_client.get(response["Location"])
    assert shown_warning(page) in page.content.decode()


def test_upload_form_has_no_warning_with_a_dictionary(curator_client, companies):
    form = curator_client.get(ADD)
    assert '<li class="warning">' not in form.content.decode()


def test_upload_txt_imports_and_shows_the_batch(
    curator_client, curator, companies, settings, django_capture_on_commit_callbacks
):
    data = (RECORD.format(n=1) + RECORD.format(n=2)).encode()
    response, batch = upload(curator_client, "两篇.txt", data, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("admin:articles_importbatch_change", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert (batch.created_count, batch.updated_count, batch.failed_count) == (2, 0, 0)
    assert batch.created_by == curator and batch.sources == ["两篇.txt"]
    assert set(Article.objects.values_list("source_file", flat=True)) == {"两篇.txt"}
    assert Article.objects.filter(import_batch=batch).count() == 2
    assert not batch.upload and stored_files(settings) == []  # the stored upload is removed
    page = curator_client.get(response["Location"])
    assert page.status_code == 200
    assert batch.warnings == [] and '<li class="warning">' not in page.content.decode()
    assert 'http-equiv="refresh"' not in page.content.decode()
    assert "2 article(s) last written by this batch" in page.content.decode()


def test_running_batch_page_refreshes_itself(curator_client, curator):
    batch = ImportBatch.objects.create(sources=["big.zip"], created_by=curator)
    page = curator_client.get(reverse("admin:articles_importbatch_change", args=[batch.pk]))
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "running in the background" in html


def test_queued_batch_page_says_so_and_refreshes(
    curator_client, curator, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    data = RECORD.format(n=3).encode()
    response, batch = upload(curator_client, "later.txt", data, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED and batch.job_id
    assert stored_files(settings) == [settings.MEDIA_ROOT / batch.upload.name]
    assert (settings.MEDIA_ROOT / batch.upload.name).read_bytes() == data
    job = Job.objects.get(pk=batch.job_id)
    assert job.args_kwargs == {"args": [batch.pk], "kwargs": {}}  # ids only, never the bytes
    html = curator_client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html and "is queued" in html
    assert reverse("admin:articles_job_change", args=[job.pk]) in html


def test_upload_zip_imports_members_and_lists_every_error(
    curator_client, companies, django_capture_on_commit_callbacks
):
    archive = zip_bytes(
        {
            "batch/a.txt": RECORD.format(n=1).encode(),
            "batch/b.jsonl": JSONL.encode(),
            "batch/broken.txt": "标题: 没有链接\n".encode(),
            "../evil.txt": RECORD.format(n=9).encode(),
            "README.md": b"not records",
            "__MACOSX/batch/._a.txt": b"\x00\x01",
        }
    )
    _response, batch = upload(
        curator_client, "records.zip", archive, django_capture_on_commit_callbacks
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PARTIAL
    assert batch.created_count == 2
    assert set(Article.objects.values_list("url", flat=True)) == {
        "https://example.com/upload/1",
        "https://example.com/upload/jsonl",
    }
    assert set(Article.objects.values_list("source_file", flat=True)) == {
        "records.zip/batch/a.txt",
        "records.zip/batch/b.jsonl",
    }
    sources = {(error["source"], error["message"]) for error in batch.errors}
    assert ("records.zip/../evil.txt", "unsafe file name; skipped") in sources
    assert any(source == "records.zip/batch/broken.txt" for source, _ in sources)
    assert batch.failed_count == len(batch.errors) == 2
    page = curator_client.get(reverse("admin:articles_importbatch_change", args=[batch.pk]))
    html = page.content.decode()
    for error in batch.errors:
        assert error["message"] in html


def test_zip_bombs_and_wrong_files_are_refused(
    curator_client, companies, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(uploads, "MAX_ZIP_UNCOMPRESSED_BYTES", 10_000)
    bomb = zip_bytes({"a.txt": RECORD.format(n=1).encode() + b" " * 50_000})
    assert len(bomb) < 10_000
    _response, batch = upload(curator_client, "bomb.zip", bomb, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "expands to" in batch.errors[0]["message"]
    assert Article.objects.count() == 0

    monkeypatch.setattr(uploads, "MAX_ZIP_MEMBERS", 2)
    many = zip_bytes({f"{n}.txt": RECORD.format(n=n).encode() for n in range(3)})
    _response, batch = upload(curator_client, "many.zip", many, django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "3 files" in batch.errors[0]["message"]

    _response, batch = upload(
        curator_client, "bad.zip", b"PK not a zip", django_capture_on_commit_callbacks
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED

    response = curator_client.post(ADD, {"file": SimpleUploadedFile("report.pdf", b"%PDF")})
    assert (
        response.status_code == 200 and "Upload a .txt, .jsonl or .zip" in response.content.decode()
    )
    assert ImportBatch.objects.count() == 3


def test_strict_upload_with_errors_imports_nothing(
    curator_client, companies, django_capture_on_commit_callbacks
):
    data = (RECORD.format(n=1) + "标题: 没有链接\n").encode()
    _response, batch = upload(
        curator_client, "strict.txt", data, django_capture_on_commit_callbacks, strict="on"
    )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and batch.strict
    assert Article.objects.count() == 0 and batch.failed_count == 1


@pytest.mark.django_db(transaction=True)
def test_upload_is_run_by_the_worker(client, django_user_model, companies, settings):
    """The real queue: the request only enqueues; `run_worker --batch` imports."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "x-long-pass-1")
    client.force_login(user)
    response = client.post(ADD, {"file": SimpleUploadedFile("bg.txt", RECORD.format(n=7).encode())})
    assert response.status_code == 302
    batch_id = int(response["Location"].rstrip("/").split("/")[-2])
    assert ImportBatch.objects.get(pk=batch_id).status == ImportBatch.Status.QUEUED
    assert Article.objects.count() == 0
    call_command("run_worker", "--batch", "--interval", "0")
    batch = ImportBatch.objects.get(pk=batch_id)
    assert batch.status == ImportBatch.Status.SUCCEEDED and batch.created_count == 1
    assert Article.objects.get().import_batch_id == batch_id
    assert not batch.upload and stored_files(settings) == []
    job = Job.objects.get(pk=batch.job_id)
    assert job.status == "SUCCESSFUL"
    assert list(job.attempts.values_list("number", "outcome")) == [(1, "succeeded")]
