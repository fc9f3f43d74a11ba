"""A job's forked helper processes (the enrichment's pool) get default signal handlers,
not the worker's: those ignore a first SIGTERM, which is how a pool stops its
processes (a worker's log once showed its pool's processes "shutting down gracefully"
and the job waiting for them for ever)."""

from __future__ import annotations

import multiprocessing
import signal

from articles.jobs.worker import DurableWorker


def stop_handlers() -> tuple:
    return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)


def test_processes_forked_inside_a_job_have_default_stop_handlers():
    worker = DurableWorker(
        queue_names=["default"],
        interval=1,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="signals-test",
        excluded_queue_names=[],
    )
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    worker.configure_signals()
    try:
        assert signal.getsignal(signal.SIGTERM) == worker.shutdown  # the worker's own
        with multiprocessing.get_context("fork").Pool(1) as pool:
            in_child = pool.apply(stop_handlers)
        assert in_child == (signal.SIG_DFL, signal.default_int_handler)
    finally:
        worker.reset_signals()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
