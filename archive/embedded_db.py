"""An embedded PostgreSQL for machines without a database service.

When DATABASE_URL is unset, settings call :func:`embedded_database_url`, which
starts (or reuses) a private PostgreSQL under ``var/pgdata`` via the pgserver
package. The server keeps running after the process exits so that runserver's
autoreloader, later commands and test runs all share it; ``make db-stop`` ends it.

A server that died without a shutdown (SIGKILL, the OOM killer, power loss) leaves
its ``postmaster.pid`` behind. pgserver trusts that file whenever a process with its
pid exists, and one often does: the dead postmaster itself as a zombie (a container
whose init reaps no orphans), or an unrelated process that got the pid after a
reboot. It then hands out the socket of a server that is not there ("Connection
refused"). :func:`clear_dead_server` checks the file first: the pid must be a live
postgres working in this data directory and answer on its socket; otherwise the
dead server's leftovers go and pgserver starts PostgreSQL again, whose crash
recovery replays the write-ahead log: every committed transaction is kept.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import time
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "var" / "pgdata"
# Bounds for a server that is starting (crash recovery) or shutting down, for the
# dead server's last processes to exit, and for another process starting it.
READY_TIMEOUT_SECONDS = 120
ORPHAN_EXIT_SECONDS = 10
LOCK_TIMEOUT_SECONDS = 180


def data_directory(data_dir: Path | None = None) -> Path:
    """The argument, else EMBEDDED_PGDATA, else var/pgdata."""
    return Path(data_dir or os.environ.get("EMBEDDED_PGDATA") or DEFAULT_DATA_DIR).resolve()


def _repair_handle_list(data_dir: Path) -> None:
    handles = data_dir / ".handle_pids.json"
    try:
        json.loads(handles.read_text())
    except FileNotFoundError:
        pass
    except ValueError:
        handles.write_text("[]")  # a list left half-written; it only counts users


def embedded_database_url(data_dir: Path | None = None) -> str:
    data_dir = data_directory(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset; /tmp is fine for the socket.
        warnings.simplefilter("ignore")
        # Imported lazily: deployments with DATABASE_URL never load pgserver.
        import pgserver
        from pgserver.postgres_server import PostgresServer

        with _starting(data_dir):
            clear_dead_server(data_dir)
            _repair_handle_list(data_dir)
            try:
                server = pgserver.get_server(data_dir, cleanup_mode=None)
            except subprocess.TimeoutExpired:
                # pgserver waits 10 s for pg_ctl; crash recovery of a large log takes
                # longer. The server goes on starting: wait for it, then ask again.
                PostgresServer._instances.pop(data_dir, None)
                _wait_until_ready(data_dir)
                server = pgserver.get_server(data_dir, cleanup_mode=None)
        if server not in _serialised:  # its bookkeeping at exit, under the lock too
            _serialised.append(server)
            atexit.unregister(server._cleanup)
            atexit.register(_locked_cleanup, server, data_dir)
    return server.get_uri()


_serialised: list = []


def _locked_cleanup(server, data_dir: Path) -> None:
    with _starting(data_dir):
        _repair_handle_list(data_dir)
        server._cleanup()


def stop_embedded_database(data_dir: Path | None = None) -> bool:
    """Stop the embedded server if one runs; returns whether one was running."""
    data_dir = data_directory(data_dir)
    if _live_postmaster(data_dir) is None:
        return False
    result = _pg_ctl(data_dir, "-m", "fast", "-w", "-t", "60", "stop")
    return result.returncode == 0


@contextlib.contextmanager
def _starting(data_dir: Path):
    """One process at a time checks and starts the server of a data directory.

    pgserver's own bookkeeping (``.handle_pids.json``, the processes using the server,
    rewritten at each start and exit) is done under it too: `make run` starts and
    stops the web server and the job worker together, and two processes rewriting it
    at once left it empty, after which no process could start.
    """
    lock_path = data_dir.with_name(f".{data_dir.name}.start-lock")
    deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
    with lock_path.open("a") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{lock_path} stayed locked") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def clear_dead_server(data_dir: Path) -> str:
    """Make sure that ``postmaster.pid`` describes a server that answers, or is gone.

    Returns what it found: "none" (no pid file), "running", or "dead" (the leftovers
    were cleared, for pgserver to start a new server).
    """
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return "none"
    postmaster = _live_postmaster(data_dir)
    if postmaster is not None:
        if _wait_until_ready(data_dir, raise_on_timeout=False):
            return "running"
        # Alive but never answering (its socket deleted, or wedged): an immediate
        # shutdown is a crash as far as the data goes, and recovery replays the log.
        _end(postmaster, signal.SIGQUIT)
    for process in _processes_in(data_dir):  # the dead server's children, exiting
        _end(process, signal.SIGTERM)
    # PostgreSQL replaces a stale lock file (the pid file, the socket's .lock) itself
    # only when no process has the pid written in it, and a zombie or a stranger may
    # have it. Nothing uses the directory any more: they can go.
    lines = _read_pid_file(data_dir)
    if len(lines) >= 5 and lines[3].strip().isdigit() and lines[4].strip():
        socket = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}"
        Path(f"{socket}.lock").unlink(missing_ok=True)
        socket.unlink(missing_ok=True)
    pid_file.unlink(missing_ok=True)
    return "dead"


def _read_pid_file(data_dir: Path) -> list[str]:
    try:
        return (data_dir / "postmaster.pid").read_text().splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return []


def _live_postmaster(data_dir: Path):
    """The postmaster of ``postmaster.pid`` if it is a live postgres of this directory."""
    import psutil

    lines = _read_pid_file(data_dir)
    if not lines or not lines[0].strip().isdigit():
        return None
    try:
        process = psutil.Process(int(lines[0]))
        if process.status() == psutil.STATUS_ZOMBIE or process.name() != "postgres":
            return None
        if Path(process.cwd()).resolve() != data_dir:  # postgres works in its data dir
            return None
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return None
    return process


def _processes_in(data_dir: Path) -> list:
    """Live postgres processes whose working directory is this data directory."""
    import psutil

    found = []
    for process in psutil.process_iter(["name"]):
        if process.info["name"] != "postgres":
            continue
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            if Path(process.cwd()).resolve() == data_dir:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


def _end(process, first_signal: signal.Signals) -> None:
    """Signal a process, wait a bounded time for it to exit, then kill it."""
    import psutil

    try:
        process.send_signal(first_signal)
        process.wait(ORPHAN_EXIT_SECONDS)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
            process.wait(ORPHAN_EXIT_SECONDS)


def _wait_until_ready(data_dir: Path, *, raise_on_timeout: bool = True) -> bool:
    """Wait (bounded) until the server of ``postmaster.pid`` accepts connections."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        lines = _read_pid_file(data_dir)
        if len(lines) >= 5 and _accepts_connections(socket_dir=lines[4], port=lines[3]):
            return True
        if _live_postmaster(data_dir) is None or time.monotonic() > deadline:
            break  # nothing is starting (any more), or it took too long
        time.sleep(0.5)
    if raise_on_timeout:
        raise TimeoutError(f"the embedded PostgreSQL in {data_dir} did not become ready")
    return False


def _bin(name: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, as above
        from pgserver.postgres_server import POSTGRES_BIN_PATH
    return str(POSTGRES_BIN_PATH / name)


def _accepts_connections(*, socket_dir: str, port: str) -> bool:
    if not socket_dir.strip() or not port.strip().isdigit():
        return False
    result = subprocess.run(  # noqa: S603 - fixed binary, values from our own pid file
        [_bin("pg_isready"), "-q", "-U", "postgres", "-h", socket_dir, "-p", port, "-t", "3"],
        check=False,
        capture_output=True,
        timeout=10,
    )
    return result.returncode == 0


def _pg_ctl(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # pg_ctl refuses to run as root; pgserver then runs the server as the owner of
    # the data directory (user "pgserver"), and so must we.
    owner = data_dir.stat().st_uid if os.geteuid() == 0 else None
    return subprocess.run(  # noqa: S603 - fixed binary, our own data dir
        [_bin("pg_ctl"), "-D", str(data_dir), *args],
        check=False,
        capture_output=True,
        user=owner,
        timeout=120,
    )
