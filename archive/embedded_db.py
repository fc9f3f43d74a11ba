"""An embedded PostgreSQL for machines without a database service.

When DATABASE_URL is unset, settings call :func:`embedded_database_url`, which
starts (or reuses) a private PostgreSQL under ``var/pgdata`` via the pgserver
package. The server keeps running after the process exits so that runserver's
autoreloader, later commands and test runs all share it; ``make db-stop`` ends it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "var" / "pgdata"


def embedded_database_url(data_dir: Path | None = None) -> str:
    data_dir = Path(os.environ.get("EMBEDDED_PGDATA", data_dir or DEFAULT_DATA_DIR))
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset; /tmp is fine for the socket.
        warnings.simplefilter("ignore")
        # Imported lazily: deployments with DATABASE_URL never load pgserver.
        import pgserver

        server = pgserver.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()


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
