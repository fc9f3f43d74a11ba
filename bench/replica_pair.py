"""A throwaway primary and hot standby (streaming replication) on loopback, and
gunicorn serving the project against them: for tests/replicas and
bench/scaling_replica.py. Never touches the shared server.

PostgreSQL refuses to run as root: as root, the servers run as the ``postgres`` user
and the base directory is theirs. PG_BIN chooses the binaries (default: the newest of
/usr/lib/postgresql/*/bin, else those of the pgserver package).
"""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.gunicorn import Answer, Gunicorn, free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Every statement with its application_name (%a): where each page's queries ran.
LOG_SETTINGS = "-c log_statement=all -c log_line_prefix='%m [%p] %a: '"


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
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    return base


class Server:
    """One PostgreSQL server (data directory, port, log) run with pg_ctl."""

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

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=40 -c wal_level=replica -c max_wal_senders=5 "
            f"-c hot_standby=on {self.extra}"
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.run("pg_ctl", "-D", str(self.data), "status")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

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
        primary.run(
            "initdb", "-D", str(primary.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )
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
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "archive.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SSL_REDIRECT": "0",  # plain HTTP on loopback
            "DJANGO_SECURE_COOKIES": "0",
            "DATABASE_URL": primary_url,
            "DATABASE_REPLICA_URLS": ",".join(replica_urls),
            **env,
        }
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
