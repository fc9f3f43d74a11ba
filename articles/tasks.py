"""Work too long for one admin request: run in a thread of the web process.

An admin upload or a large re-enrichment must not hold the request open until a
proxy times it out. The request records what it started (an ``ImportBatch`` row in
status "running"), starts a daemon thread once its transaction has committed, and
answers at once; the batch page refreshes itself until the thread has finished.

No queue or broker: a job dies with its process (a restart or deploy). A batch left
"running" that way stays visible as such in the admin; import the file again.

Setting ``ARCHIVE_TASKS_INLINE = True`` runs jobs in the caller's thread instead,
still after the commit (tests: ``django_capture_on_commit_callbacks(execute=True)``).
Either way a job sees what its request committed, in order: a merge's dictionary
change is committed (and the version bumped) before its articles are re-enriched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction

logger = logging.getLogger(__name__)


def run_in_background(function: Callable, *args) -> None:
    if getattr(settings, "ARCHIVE_TASKS_INLINE", False):
        transaction.on_commit(lambda: function(*args))
    else:
        transaction.on_commit(lambda: _start(function, args))


def _start(function: Callable, args: tuple) -> threading.Thread:
    def target():
        close_old_connections()
        try:
            with connection.cursor() as cursor:
                # Web processes cancel long statements (settings.statement_timeout_ms);
                # a background job is expected to take long, like a command.
                cursor.execute("SET statement_timeout = 0")
            function(*args)
        except Exception:
            logger.exception("background job %s failed", getattr(function, "__name__", function))
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(
        target=target, name=f"archive-{getattr(function, '__name__', 'job')}", daemon=True
    )
    thread.start()
    return thread
