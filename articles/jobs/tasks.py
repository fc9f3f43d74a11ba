"""The background jobs, as Tasks-framework tasks, and how requests enqueue them.

Every job must be safe to run again: a worker killed mid-job leaves its job
"running" until recovery queues it again (articles/jobs/recovery.py), and a curator
may retry a failed one. The importer writes in one transaction and keys articles by
canonical URL; the curation jobs set values rather than toggle them.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_transaction(job_task, *args, then=None) -> None:
    """Enqueue a job that exists exactly when the current transaction commits.

    The database backend's queue row is written in the transaction itself: it commits
    with the rows the job acts on, or is rolled back with them, and no worker sees it
    before then. A job enqueued after the commit would be lost to a crash between the
    two (a batch queued for ever). Other backends (the tests' immediate one, which runs
    the job as it is enqueued) are called once the transaction has committed, so that
    the job sees everything its request wrote. ``then(result)`` is called with the
    enqueued result (e.g. to record its id), in the same transaction where possible.
    """

    def enqueue():
        result = job_task.enqueue(*args)
        if then is not None:
            then(result)

    if isinstance(job_task.get_backend(), DatabaseBackend):
        enqueue()
    else:
        transaction.on_commit(enqueue)


@task(takes_context=True)
def import_upload(context, batch_id: int) -> str:
    """Import an admin upload into its (existing) batch; see articles/importing/uploads."""
    from articles.importing.uploads import run_upload_import

    return run_upload_import(batch_id, job_id=context.task_result.id)


@task
def curation_job(job: str, args: list, user_id: int | None = None) -> None:
    """One of articles.curation.JOBS (re-enrich, hide/publish, merge…) on many rows."""
    from articles.curation.jobs import run_job

    run_job(job, args, user_id)


@task
def merge_search_index_entries() -> int:
    """Merge the search indexes' pending entries a large import left (importing.created)."""
    from articles.importing.created import merge_pending_entries

    return merge_pending_entries()


def retry_job(job):
    """Enqueue a failed job's task again with the same arguments; None if its code is gone."""
    try:
        job_task = job.task
    except (ImportError, SuspiciousOperation):
        return None
    return job_task.enqueue(*job.args_kwargs.get("args", []), **job.args_kwargs.get("kwargs", {}))


def describe_job(job) -> str:
    """A curator's name for a queued job: its task, and what it works on."""
    args = job.args_kwargs.get("args", [])
    name = job.task_path.rsplit(".", 1)[-1]
    if job.task_path == import_upload.module_path and args:
        return f"import of upload (batch #{args[0]})"
    if job.task_path == curation_job.module_path and args:
        return f"curation: {args[0]}"
    return name


def job_requeued(task_path: str, args: list) -> None:
    """A job goes back to the queue (its worker died or was stopped mid-job)."""
    if task_path == import_upload.module_path and args:
        from articles.importing.uploads import upload_job_requeued

        upload_job_requeued(args[0])


def job_gave_up(task_path: str, args: list, message: str) -> None:
    """A job failed for good without running its own error handling (its worker died)."""
    if task_path == import_upload.module_path and args:
        from articles.importing.uploads import upload_job_failed

        upload_job_failed(args[0], message)
