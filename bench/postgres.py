"""A throwaway PostgreSQL server of our own on a free loopback port, run with pg_ctl.

For scripts/db_fault_demo.py (one server it stops and starts under gunicorn) and
bench/replica_pair.py (a primary and its streaming standby). Never the shared server.

PostgreSQL refuses to run as root: as root, the server runs as the ``postgres`` user
and its base directory is that user's (:func:`make_base`). PG_BIN chooses the binaries
(default: the newest of /usr/lib/postgresql/*/bin, else those of the pgserver package).
"""

from __future__ import annotations

import os
import pwd
import subprocess
import tempfile
from pathlib import Path

from bench.gunicorn import free_port


class ClusterError(Exception):
    pass


def pg_bin() -> Path:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if system:
        return system[-1].parent
    from pgserver.postgres_server import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def server_user() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


def make_base(prefix: str) -> Path:
    """A directory the servers' user owns (pytest's tmp_path is root's, mode 0700)."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    if user := server_user():
        entry = pwd.getpwnam(user)  # KeyError: no such user
        os.chown(base, entry.pw_uid, entry.pw_gid)
    return base


class Server:
    """One PostgreSQL server: ``base/name`` holds its data, ``base/name.log`` its log.

    ``extra`` is added to the server's command-line settings at every start.
    """

    def __init__(self, base: Path, name: str, extra: str = ""):
        self.bin = pg_bin()
        self.base = base
        self.data = base / name
        self.log = base / f"{name}.log"
        self.port = free_port()
        self.extra = extra

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(  # noqa: S603 - our own binaries and arguments
            [str(self.bin / args[0]), *args[1:]],
            user=server_user(),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.base,
        )
        if result.returncode != 0:
            raise ClusterError(f"{args[0]} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def init(self, *options: str) -> None:
        self.run(
            "initdb",
            *("-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
            *options,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off {self.extra}"
        )
        self.run(
            "pg_ctl",
            *("-D", str(self.data), "-l", str(self.log), "-o", options),
            *("-w", "-t", "60", "start"),
        )

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")
