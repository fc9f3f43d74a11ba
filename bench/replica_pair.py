"""A throwaway primary and hot standby (streaming replication) on loopback, and
gunicorn serving the project against them: for tests/replicas and
bench/scaling_replica.py. Never touches the shared server.

The servers are bench/postgres.py's (as root, they run as the ``postgres`` user).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench import postgres
from bench.gunicorn import Answer, Gunicorn, free_port, production_env
from bench.postgres import ClusterError

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Every statement with its application_name (%a): where each page's queries ran.
LOG_SETTINGS = "-c log_statement=all -c log_line_prefix='%m [%p] %a: '"


# Streaming replication: the primary sends WAL, the standby answers read-only queries.
REPLICATION_SETTINGS = (
    "-c max_connections=40 -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on"
)


class Server(postgres.Server):
    """A primary or a hot standby: a PostgreSQL server that can pause its replay."""

    def __init__(self, base: Path, name: str, extra: str = ""):
        super().__init__(base, name, f"{REPLICATION_SETTINGS} {extra}")

    def pause_replay(self, timeout: float = 10) -> None:
        """Stop replaying WAL (a standby); returns once replay is paused."""
        self.sql("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + timeout
        while self.sql("SELECT pg_get_wal_replay_pause_state()")[0][0] != "paused":
            if time.monotonic() > deadline:
                raise ClusterError(f"replay not paused within {timeout} s")
            time.sleep(0.05)

    def resume_replay(self) -> None:
        self.sql("SELECT pg_wal_replay_resume()")


class ReplicaPair:
    """A primary and a hot standby made from it with ``pg_basebackup -R``."""

    def __init__(self, base: Path, log_statements: bool = True, extra: str = ""):
        settings = f"{LOG_SETTINGS if log_statements else ''} {extra}"
        self.primary = Server(base, "primary", settings)
        self.standby = Server(base, "standby", settings)
        # On the command line, so that a reused standby follows the primary's new port.
        self.standby.extra += (
            f" -c primary_conninfo='host=127.0.0.1 port={self.primary.port} user=postgres'"
        )

    @property
    def exists(self) -> bool:
        return (self.primary.data / "PG_VERSION").exists() and (
            self.standby.data / "standby.signal"
        ).exists()

    def start(self) -> None:
        """Start the pair, making it first unless the base directory has one."""
        primary = self.primary
        if self.exists:
            primary.start()
            self.standby.start()
            self.wait_caught_up()
            return
        primary.init()
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(self.standby.data), "-R", "-X", "stream", "--checkpoint=fast"),
        )
        self.standby.start()
        self.wait_caught_up()

    def stop(self, mode: str = "immediate") -> None:
        for server in (self.standby, self.primary):
            try:
                server.stop(mode)
            except (ClusterError, subprocess.TimeoutExpired) as error:
                print(f"warning: {error}", file=sys.stderr)

    def wait_caught_up(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary had written now."""
        (target,) = self.primary.sql("SELECT pg_current_wal_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                done = self.standby.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[
                    0
                ][0]
            except Exception:  # noqa: BLE001 - still starting
                done = False
            if done:
                return
            time.sleep(0.1)
        raise ClusterError(f"the standby did not reach {target} within {timeout} s")


class Site:
    """gunicorn serving the project: DATABASE_URL the primary, replicas as given."""

    def __init__(self, base: Path, primary_url: str, replica_urls: list[str], **env: str):
        self.base = base
        self.port = free_port()
        self.log = base / f"gunicorn-{self.port}.log"
        self.env = production_env(primary_url, DATABASE_REPLICA_URLS=",".join(replica_urls), **env)
        self.server: Gunicorn | None = None

    def manage(self, *args: str, timeout: float = 900, **env: str) -> str:
        env = {**self.env, "DATABASE_REPLICA_URLS": "", **env}  # commands: the primary only
        result = subprocess.run(  # noqa: S603
            [PYTHON, str(ROOT / "manage.py"), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise ClusterError(f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}")
        return result.stdout

    def start(self, workers: int = 1, threads: int = 1) -> None:
        self.server = Gunicorn(
            self.env,
            self.log,
            workers=workers,
            threads=threads,
            port=self.port,
            args=["--timeout=30", "--graceful-timeout=5", f"--error-logfile={self.log}"],
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(timeout=15)

    def get(self, path: str, opener=None, data: bytes | None = None, timeout=40) -> Answer:
        return self.server.get(path, opener=opener, data=data, timeout=timeout)


def load_sample(site: Site) -> None:
    """The schema, the company dictionary and the sample articles, on the primary."""
    site.manage("migrate", "--no-input")
    site.manage("load_companies", str(ROOT / "fixtures" / "companies.json"))
    site.manage("import_articles", "--no-progress", str(ROOT / "fixtures" / "articles"))
