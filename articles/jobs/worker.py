"""The job worker: django_tasks_db's Worker, plus heartbeats, recovery and attempts.

``run_worker`` (the ``manage.py run_worker`` command) registers a heartbeat row,
starts a thread that refreshes it and recovers lost jobs (articles/jobs/recovery.py),
and runs the Worker loop in the main thread. Each claim of a job is recorded as a
``JobAttempt`` with its worker, times and outcome, so that the admin shows the
attempts that died.

Stopping: the first SIGINT/SIGTERM lets the running job finish (django_tasks_db's
behaviour); a second one interrupts it, and the job goes back to the queue instead
of failing. SIGKILL leaves it RUNNING until another worker's recovery finds it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from articles.models import JobAttempt, WorkerHeartbeat

from . import recovery
from .tasks import job_requeued

logger = logging.getLogger(__name__)

INTERRUPTIONS = {"builtins.SystemExit", "builtins.KeyboardInterrupt"}


def new_worker_id() -> str:
    host = socket.gethostname().split(".")[0][:32]
    return f"{host}-{os.getpid()}-{get_random_string(6)}"


class Heartbeat(threading.Thread):
    """Refreshes the worker's row and recovers lost jobs, on its own connection."""

    def __init__(self, worker_id: str, interval: float):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.interval):
                try:
                    recovery.beat(self.worker_id)
                    recovery.recover_lost_jobs()
                except DatabaseError:
                    # The database is down or restarting: try again on the next beat.
                    logger.warning("worker %s: heartbeat failed", self.worker_id, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's connection only

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.interval + 5)


def _default_signals_in_child() -> None:
    """A process forked by a job (the enrichment's pool) must not inherit the worker's
    stop handlers: they ignore the first SIGTERM, which is how a pool stops its
    processes, and the job would wait for them for ever."""
    if getattr(_default_signals_in_child, "active", False):
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
        _default_signals_in_child.active = False


os.register_at_fork(after_in_child=_default_signals_in_child)


class DurableWorker(Worker):
    """Records each attempt; an interrupted job is queued again rather than failed."""

    def configure_signals(self) -> None:
        super().configure_signals()
        _default_signals_in_child.active = True

    def reset_signals(self) -> None:
        super().reset_signals()
        _default_signals_in_child.active = False

    def run_task(self, db_task_result: DBTaskResult) -> None:
        attempt = JobAttempt.objects.create(
            job=db_task_result,
            number=len(db_task_result.worker_ids),
            worker_id=self.worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=db_task_result.started_at or timezone.now(),
        )
        super().run_task(db_task_result)
        attempt.ended_at = timezone.now()
        if (
            db_task_result.status == TaskResultStatus.FAILED
            and db_task_result.exception_class_path in INTERRUPTIONS
            and not self.running
        ):
            # Stopped by a second signal: the job did not fail, it was cut short.
            DBTaskResult.objects.filter(pk=db_task_result.pk).update(
                status=TaskResultStatus.READY,
                finished_at=None,
                exception_class_path="",
                traceback="",
            )
            job_requeued(db_task_result.task_path, db_task_result.args_kwargs.get("args", []))
            attempt.outcome = JobAttempt.Outcome.INTERRUPTED
            attempt.note = f"worker {self.worker_id} was stopped; the job was queued again"
        elif db_task_result.status == TaskResultStatus.SUCCESSFUL:
            attempt.outcome = JobAttempt.Outcome.SUCCEEDED
        else:
            attempt.outcome = JobAttempt.Outcome.FAILED
            attempt.note = db_task_result.exception_class_path
        attempt.save(update_fields=["ended_at", "outcome", "note"])


def run_worker(
    *,
    worker_id: str | None = None,
    batch: bool = False,
    interval: float = 1.0,
    max_tasks: int | None = None,
    queue_names: list[str] | None = None,
) -> str:
    """Run jobs until stopped (or, with ``batch``, until the queue is empty)."""
    worker_id = worker_id or new_worker_id()
    recovery.beat(worker_id, started_at=timezone.now())
    recovery.recover_lost_jobs()
    heartbeat = Heartbeat(worker_id, settings.ARCHIVE_JOB_HEARTBEAT_SECONDS)
    heartbeat.start()
    worker = DurableWorker(
        queue_names=queue_names or [DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        # A further stop signal must not cut this short: the row would look like a
        # dead worker's until it went stale.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
        heartbeat.stop()
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
        worker.reset_signals()
    return worker_id
