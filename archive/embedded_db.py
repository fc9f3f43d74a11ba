"""An embedded PostgreSQL for machines without a database service.

When DATABASE_URL is unset, settings call :func:`embedded_database_url`, which
starts (or reuses) a private PostgreSQL under ``var/pgdata`` via the pgserver
package. The server keeps running after the process exits so that runserver's
autoreloader, later commands and test runs all share it; ``make db-stop`` ends it.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import warnings
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "var" / "pgdata"


@contextmanager
def _exclusive(data_dir: Path):
    """One process at a time in pgserver's bookkeeping of this data directory.

    pgserver rewrites a JSON list of the processes using the server
    (``.handle_pids.json``) at each start and exit; `make run` starts and stops the
    web server and the job worker together, and two processes rewriting it at once
    left it empty, after which no process could start.
    """
    with (data_dir.parent / f".{data_dir.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _repair_handle_list(data_dir: Path) -> None:
    handles = data_dir / ".handle_pids.json"
    try:
        json.loads(handles.read_text())
    except FileNotFoundError:
        pass
    except ValueError:
        handles.write_text("[]")  # a list left half-written; it only counts users


def embedded_database_url(data_dir: Path | None = None) -> str:
    data_dir = Path(os.environ.get("EMBEDDED_PGDATA", data_dir or DEFAULT_DATA_DIR))
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), _exclusive(data_dir):
        # platformdirs warns that XDG_RUNTIME_DIR is unset; /tmp is fine for the socket.
        warnings.simplefilter("ignore")
        # Imported lazily: deployments with DATABASE_URL never load pgserver.
        import pgserver

        _repair_handle_list(data_dir)
        server = pgserver.get_server(data_dir, cleanup_mode=None)
        if server not in _serialised:  # its bookkeeping at exit, under the lock too
            _serialised.append(server)
            atexit.unregister(server._cleanup)
            atexit.register(_locked_cleanup, server, data_dir)
    return server.get_uri()


_serialised: list = []


def _locked_cleanup(server, data_dir: Path) -> None:
    with _exclusive(data_dir):
        _repair_handle_list(data_dir)
        server._cleanup()


def stop_embedded_database(data_dir: Path | None = None) -> bool:
    """Stop the embedded server if one runs; returns whether one was running."""
    import subprocess

    from pgserver.postgres_server import POSTGRES_BIN_PATH

    data_dir = Path(os.environ.get("EMBEDDED_PGDATA", data_dir or DEFAULT_DATA_DIR))
    if not (data_dir / "postmaster.pid").exists():
        return False
    subprocess.run(  # noqa: S603 - fixed binary, our own data dir
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"],
        check=False,
        capture_output=True,
    )
    return True
