"""Production settings: `check --deploy` is clean, and each requirement can fail it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import database_url

from .conftest import ROOT

SECRET = "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP"  # 54 chars
# Variables the test settings set for the test process; a production run has none.
TEST_ONLY = (
    "DJANGO_SECURE_COOKIES",
    "DJANGO_SSL_REDIRECT",
    "DJANGO_HSTS_SECONDS",
    "DATABASE_STATEMENT_TIMEOUT_MS",
)


def production_env(**changes: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    env.update(
        DJANGO_SETTINGS_MODULE="archive.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="archive.example.org",
        # The suite's own server (the embedded one's socket when DATABASE_URL is unset).
        DATABASE_URL=os.environ.get("DATABASE_URL") or database_url(),
    )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, **changes: str | None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=production_env(**changes),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def deploy_check(**changes: str | None) -> subprocess.CompletedProcess:
    return manage("check", "--deploy", "--fail-level", "WARNING", **changes)


def setting(name: str, **changes: str | None) -> str:
    """A setting's repr, as a web process (not a manage.py command) sees it."""
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += f"print(repr(s.{name}))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=production_env(**changes),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_pass_the_deploy_check():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        ({"DJANGO_SSL_REDIRECT": "0"}, "security.W008"),
        ({"DJANGO_SECURE_COOKIES": "0"}, "security.W012"),
        ({"DJANGO_HSTS_SECONDS": "0"}, "security.W004"),
        ({"DJANGO_SECRET_KEY": "short-key"}, "security.W009"),
    ],
)
def test_weakened_settings_fail_it(changes, warning):
    result = deploy_check(**changes)
    assert result.returncode != 0
    assert warning in result.stderr


def test_the_secret_key_is_required():
    result = deploy_check(DJANGO_SECRET_KEY=None)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_hosts_and_hsts_come_from_the_environment():
    assert setting("ALLOWED_HOSTS") == "['archive.example.org']"
    assert setting("ALLOWED_HOSTS", DJANGO_ALLOWED_HOSTS="a.test, b.test") == "['a.test', 'b.test']"
    assert setting("SECURE_HSTS_SECONDS") == "31536000"
    assert setting("SECURE_HSTS_SECONDS", DJANGO_HSTS_SECONDS="600") == "600"
    assert setting("SECURE_HSTS_PRELOAD", DJANGO_HSTS_PRELOAD="1") == "True"
    # With preloading on, nothing is silenced any more.
    assert setting("SILENCED_SYSTEM_CHECKS", DJANGO_HSTS_PRELOAD="1") == "[]"


def test_database_timeouts_are_set():
    options = setting("DATABASES['default']['OPTIONS']")
    assert "'connect_timeout': 3" in options
    assert "statement_timeout=5000" in options
    assert "statement_timeout=250" in setting(
        "DATABASES['default']['OPTIONS']", DATABASE_STATEMENT_TIMEOUT_MS="250"
    )
    # manage.py commands (migrations, imports) may run long statements: no limit by default.
    code = "from django.db import connection as c; print(c.settings_dict['OPTIONS'])"
    command = manage("shell", "--no-imports", "-c", code)
    assert command.returncode == 0, command.stderr
    assert "connect_timeout" in command.stdout and "statement_timeout" not in command.stdout
    command = manage("shell", "--no-imports", "-c", code, DATABASE_STATEMENT_TIMEOUT_MS="9000")
    assert "statement_timeout=9000" in command.stdout


def test_database_work_mem_and_jit_are_set(db):
    from django.db import connection

    assert "work_mem=64MB" in setting("DATABASES['default']['OPTIONS']")
    assert "work_mem" not in setting("DATABASES['default']['OPTIONS']", DATABASE_WORK_MEM="")
    assert "work_mem=8MB" in setting("DATABASES['default']['OPTIONS']", DATABASE_WORK_MEM="8MB")
    result = deploy_check(DATABASE_WORK_MEM="64MB; DROP TABLE x")
    assert result.returncode != 0 and "DATABASE_WORK_MEM" in result.stderr
    with connection.cursor() as cursor:  # the test process's own connection
        cursor.execute("SHOW work_mem")
        assert cursor.fetchone()[0] == "64MB"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
