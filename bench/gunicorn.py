"""A real gunicorn on a loopback port: start, wait for /healthz, fetch pages, stop.

Shared by the benches (bench/throughput.py, bench/scaling_cache.py,
bench/replica_pair.py), scripts/db_fault_demo.py and tests/cache. The process leads
its own process group, so stopping it ends its workers too.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
APP = "archive.wsgi:application"


class GunicornError(RuntimeError):
    """gunicorn exited, or did not answer /healthz in time (the message ends with its log)."""


@dataclass
class Answer:
    path: str
    status: int
    body: str
    seconds: float
    headers: Message  # case-insensitive: headers["Location"], "retry-after" in headers

    def __str__(self) -> str:
        retry = self.headers.get("retry-after")
        extra = f", Retry-After: {retry}" if retry else ""
        return f"{self.status} in {self.seconds:.2f} s{extra}  {self.path}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def no_redirect_opener(*handlers) -> urllib.request.OpenerDirector:
    """An opener that hands back 3xx answers as they are (plus ``handlers``: cookies…)."""
    return urllib.request.build_opener(_NoRedirect, *handlers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, **environ: str) -> dict[str, str]:
    """The environment of the project in production mode, served over plain HTTP on
    loopback (no HTTPS redirect, no secure-only cookies), with a throwaway key."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "archive.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": database_url,
        **environ,
    }


def log_tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


class Gunicorn:
    """``gunicorn archive.wsgi`` with ``env``; its stdout and stderr appended to ``log``."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        workers: int = 1,
        threads: int = 1,
        args: tuple[str, ...] | list[str] = (),
        port: int | None = None,
    ) -> None:
        self.env = env
        self.log = Path(log)
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.command = [
            str(GUNICORN),
            APP,
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={workers}",
            f"--threads={threads}",
            *args,
        ]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Gunicorn:
        """Start it and wait until /healthz answers 200."""
        self.launch()
        self.wait_healthy(timeout)
        return self

    def launch(self) -> None:
        """Start it without waiting (to start several at once, then wait for each)."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                self.command, env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
            )

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise GunicornError(f"gunicorn exited:\n{log_tail(self.log)}")
            try:
                if self.get("/healthz", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise GunicornError(
            f"gunicorn on port {self.port} did not answer /healthz within {timeout:.0f} s:\n"
            f"{log_tail(self.log)}"
        )

    def get(self, path: str, opener=None, data: bytes | None = None, timeout: float = 40) -> Answer:
        """``path`` over loopback, redirects not followed; error statuses are answers too."""
        opener = opener or no_redirect_opener()
        request = urllib.request.Request(self.base + path, data=data)  # noqa: S310 - loopback
        started = time.monotonic()
        try:
            with opener.open(request, timeout=timeout) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, error.headers, error.read()
        seconds = time.monotonic() - started
        return Answer(path, status, body.decode("utf-8", "replace"), seconds, headers)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the group (a graceful stop), then SIGKILL after ``timeout`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
