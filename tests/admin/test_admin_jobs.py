"""Background jobs in the admin: curators see them and retry failed ones (with the
permission); the retry runs the same task with the same arguments on the real queue."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command

from articles.jobs.tasks import curation_job
from articles.models import Job, Keyword, MergeRecord

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/admin/articles/job/"
MISSING_SURVIVOR = 987654


@pytest.fixture(autouse=True)
def _real_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def failed_merge(curator):
    """A merge job that failed: its survivor did not exist when it ran."""
    merged = Keyword.objects.create(name="将被合并")
    result = curation_job.enqueue(
        "merge", ["articles.Keyword", MISSING_SURVIVOR, [merged.pk]], curator.pk
    )
    call_command("run_worker", "--batch", "--interval", "0")
    job = Job.objects.get(pk=result.id)
    assert job.status == "FAILED" and "DoesNotExist" in job.exception_class_path
    return job, merged


def retry(client, job):
    return client.post(
        LIST, {"action": "retry_selected", "_selected_action": [str(job.pk)]}, follow=True
    )


def test_a_curator_sees_the_job_its_attempt_and_its_error(curator_client, failed_merge):
    job, _merged = failed_merge
    listing = curator_client.get(LIST).content.decode()
    assert "curation: merge" in listing and str(job.pk)[:8] in listing
    page = curator_client.get(f"{LIST}{job.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Keyword matching query does not exist" in html  # the traceback
    assert job.worker_ids[0] in html and "failed" in html  # attempt 1, its worker


def test_a_curator_retries_a_failed_job_with_the_same_arguments(
    curator_client, curator, failed_merge
):
    job, merged = failed_merge
    Keyword.objects.create(pk=MISSING_SURVIVOR, name="幸存者")  # what it lacked
    response = retry(curator_client, job)
    assert "1 job(s) queued again" in response.content.decode()
    again = Job.objects.exclude(pk=job.pk).get()
    assert again.status == "READY" and again.task_path == job.task_path
    assert again.args_kwargs == job.args_kwargs
    assert LogEntry.objects.filter(user=curator, object_id=str(job.pk)).exists()
    call_command("run_worker", "--batch", "--interval", "0")
    assert Job.objects.get(pk=again.pk).status == "SUCCESSFUL"
    assert not Keyword.objects.filter(pk=merged.pk).exists()
    assert MergeRecord.objects.get().survivor_name == "幸存者"
    response = retry(curator_client, Job.objects.get(pk=again.pk))  # not failed: skipped
    assert "0 job(s) queued again; 1 skipped" in response.content.decode()
    assert Job.objects.count() == 2


def test_retrying_needs_the_permission(client, django_user_model, failed_merge):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user(
        "viewer", password="x-long-pass-1", is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_job"))
    client.force_login(viewer)
    job, _merged = failed_merge
    assert client.get(LIST).status_code == 200
    response = retry(client, job)
    assert "queued again" not in response.content.decode()
    assert Job.objects.count() == 1


def test_the_job_admin_replaces_django_tasks_db_s(superuser_client):
    assert superuser_client.get("/admin/django_tasks_database/dbtaskresult/").status_code == 404
    index = superuser_client.get("/admin/").content.decode()
    assert "/admin/articles/job/" in index
