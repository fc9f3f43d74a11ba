"""Settings of the background jobs (articles/jobs), read from the environment.

ARCHIVE_MEDIA_ROOT              where uploads wait for their job (default var/media)
ARCHIVE_JOB_HEARTBEAT_SECONDS   how often a worker records that it is alive (default 5)
ARCHIVE_JOB_STALE_SECONDS       a running job whose worker has been silent this long is
                                taken as lost and queued again (default 60)
ARCHIVE_JOB_MAX_ATTEMPTS        attempts lost to dead workers before the job fails (default 3)
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

APPS = ["django_tasks", "django_tasks_db"]

# One PostgreSQL queue (django_tasks_db), run by `manage.py run_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def media_root(base_dir: Path) -> Path:
    return Path(os.environ.get("ARCHIVE_MEDIA_ROOT") or base_dir / "var" / "media")


def positive_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = -1
    if not value > 0:
        raise ImproperlyConfigured(f"{name} must be a positive number of seconds or attempts.")
    return value


HEARTBEAT_SECONDS = positive_number("ARCHIVE_JOB_HEARTBEAT_SECONDS", 5)
STALE_SECONDS = positive_number("ARCHIVE_JOB_STALE_SECONDS", 60)
MAX_ATTEMPTS = int(positive_number("ARCHIVE_JOB_MAX_ATTEMPTS", 3))
