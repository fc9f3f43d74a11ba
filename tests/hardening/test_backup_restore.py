"""Backup and restore as docs/OPERATIONS.md describes them: ``pg_dump -Fc`` of a database
with sample data, ``pg_restore`` into a scratch database, then a checksum over every row
of every table (and every sequence) must match."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from articles.importing.service import import_paths
from articles.models import Article

from .conftest import ROOT
from .test_round_trip import AWKWARD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MICROSECONDS = dt.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=dt.UTC)


def _version(path: Path) -> int | None:
    output = subprocess.run([str(path), "--version"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(found.group(1)) if found else None


def _candidates(name: str, major: int):
    yield Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if shutil.which(name):
        yield Path(shutil.which(name))
    with warnings.catch_warnings():  # platformdirs complains about XDG_RUNTIME_DIR
        warnings.simplefilter("ignore")
        try:
            from pgserver.postgres_server import POSTGRES_BIN_PATH
        except ImportError:
            return
    yield Path(POSTGRES_BIN_PATH) / name


def client_binary(name: str, major: int) -> Path | None:
    """A PostgreSQL client program of the server's major version, or None."""
    for path in _candidates(name, major):
        if path.exists() and _version(path) == major:
            return path
    return None


def libpq_env() -> dict[str, str]:
    # The connection's own parameters: the embedded server's socket directory is
    # an option of its URL (?host=…), not HOST.
    params = connection.get_connection_params()
    env = {**os.environ}
    for key, name in (
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
    ):
        if params.get(key):
            env[name] = str(params[key])
    return env


def connect(dbname: str) -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("options", None)  # no statement_timeout: CREATE DATABASE may take a while
    params["dbname"] = dbname
    return psycopg.connect(**params, autocommit=True)


def checksums(dbname: str) -> dict[str, str]:
    """md5 of every table's rows (in text form, sorted) and every sequence's position."""
    result = {}
    with connect(dbname) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
        for (table,) in tables:
            quoted = psycopg.sql.Identifier(table)
            query = psycopg.sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                " FROM {} t"
            ).format(quoted)
            count, digest = conn.execute(query).fetchone()
            result[table] = f"{count}:{digest}"
        for name, value in conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ):
            result[f"sequence {name}"] = str(value)
    return result


@pytest.fixture
def sample_data(dictionary, tmp_path):
    import json

    (tmp_path / "awkward.jsonl").write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in AWKWARD),
        encoding="utf-8",
    )
    corpus = sorted((ROOT / "fixtures" / "articles").glob("*.txt"))[:10]
    report = import_paths([*map(str, corpus), str(tmp_path / "awkward.jsonl")])
    assert report.errors == []
    Article.objects.filter(url="https://news.test/rtl").update(created_at=MICROSECONDS)
    get_user_model().objects.create_superuser("curator", "c@example.com", "x" * 20)


def test_a_restored_dump_has_every_row(sample_data, tmp_path):
    major = connection.pg_version // 10000
    pg_dump, pg_restore = client_binary("pg_dump", major), client_binary("pg_restore", major)
    if not (pg_dump and pg_restore):
        pytest.skip(f"no pg_dump/pg_restore of the server's major version {major}")
    source = connection.settings_dict["NAME"]
    scratch = f"{source}_restore"[:63]
    env = libpq_env()
    dump = tmp_path / "archive.dump"
    subprocess.run(
        [str(pg_dump), "-Fc", "--no-owner", "-f", str(dump), "-d", source],
        env=env,
        check=True,
        capture_output=True,
    )
    with connect(source) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {}").format(psycopg.sql.Identifier(scratch))
        )
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(scratch)))
    try:
        subprocess.run(
            [str(pg_restore), "--no-owner", "--exit-on-error", "-d", scratch, str(dump)],
            env=env,
            check=True,
            capture_output=True,
        )
        before, after = checksums(source), checksums(scratch)
        assert int(before["articles_article"].split(":")[0]) >= 14
        assert after == before
        with connect(scratch) as conn:
            created = conn.execute(
                "SELECT created_at FROM articles_article WHERE url = %s", ["https://news.test/rtl"]
            ).fetchone()[0]
            matches = conn.execute(
                "SELECT count(*) FROM articles_article WHERE search_vector @@ %s::tsquery",
                ["'腾讯'"],
            ).fetchone()[0]
        assert created == MICROSECONDS  # microseconds survive
        assert matches > 0  # the restored search vectors and index work
    finally:
        with connect(source) as conn:
            conn.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {}").format(
                    psycopg.sql.Identifier(scratch)
                )
            )


def test_the_checksum_sees_a_changed_row(sample_data):
    source = connection.settings_dict["NAME"]
    before = checksums(source)
    Article.objects.filter(url="https://news.test/rtl").update(
        created_at=MICROSECONDS + dt.timedelta(microseconds=1)
    )
    after = checksums(source)
    # Every write also stores a new data version (articles.denormalized).
    version = {"articles_dataversion", "sequence articles_data_version_seq"}
    changed = [table for table in before if before[table] != after[table]]
    assert [table for table in changed if table not in version] == ["articles_article"]
    assert version <= set(changed)
