"""A new user's first run: an empty PostgreSQL, ``migrate``, ``import_articles``, and
the articles are linked to companies with no other step (migration 0010). An import
into an archive whose dictionary is empty says so, loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from articles.dictionary import load_company_dictionary
from articles.importing.service import EMPTY_DICTIONARY, import_paths
from articles.models import Company, CompanyName, DictionaryVersion, ImportBatch
from tests.helpers import database_url

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fixtures" / "articles"
COMPANIES = ROOT / "fixtures" / "companies.json"
ONE_FILE = CORPUS / "001_baidu_ernie_bot_launch.txt"


def manage(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def admin_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("options", None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture
def empty_database(django_db_setup):
    """A new, empty database on the suite's server; dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_first_run"[:63]
    identifier = psycopg.sql.Identifier(name)
    with admin_connection() as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(identifier))
    try:
        yield name
    finally:
        with admin_connection() as conn:
            conn.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier)
            )


@pytest.mark.slow
def test_migrate_then_import_links_companies(empty_database):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(empty_database),
        "DJANGO_SETTINGS_MODULE": "archive.settings_test",
    }
    migrated = manage("migrate", "--no-input", env=env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    imported = manage("import_articles", "--no-progress", str(CORPUS), env=env)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "WARNING" not in imported.stderr, imported.stderr

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params["dbname"] = empty_database
    with psycopg.connect(**params) as conn:
        companies = conn.execute("SELECT count(*) FROM articles_company").fetchone()[0]
        articles, with_main = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM"
            " articles_articlecompany l WHERE l.article_id = a.id AND l.is_main))"
            " FROM articles_article a"
        ).fetchone()
    assert companies == len(load_entries())
    assert articles >= 60
    assert with_main >= articles * 0.8, (with_main, articles)

    # The company facet of the article list, as a visitor sees it.
    page = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.test import Client; "
            "r = Client().get('/articles/'); print(r.status_code); "
            "print(r.content.decode().count('href=\"/articles/?company='))",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert page.returncode == 0, page.stderr
    status, company_links = page.stdout.split()
    assert status == "200"
    assert int(company_links) >= 5


def load_entries() -> list:
    import json

    return json.loads(COMPANIES.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_import_into_an_empty_dictionary_warns_loudly():
    assert not Company.objects.exists()
    out, err = StringIO(), StringIO()
    call_command("import_articles", "--no-progress", str(ONE_FILE), stdout=out, stderr=err)
    assert f"WARNING: {EMPTY_DICTIONARY}" in err.getvalue()
    assert "created 1," in out.getvalue()
    batch = ImportBatch.objects.get()
    assert batch.warnings == [EMPTY_DICTIONARY]
    assert batch.status == ImportBatch.Status.SUCCEEDED  # a warning, not a failed record

    report = import_paths([str(ONE_FILE)], dry_run=True)
    assert report.warnings == [EMPTY_DICTIONARY]


@pytest.mark.django_db
def test_import_with_a_dictionary_does_not_warn():
    load_company_dictionary(COMPANIES)
    err = StringIO()
    call_command("import_articles", "--no-progress", str(ONE_FILE), stdout=StringIO(), stderr=err)
    assert "WARNING" not in err.getvalue()
    assert ImportBatch.objects.get().warnings == []


def run_migration_0010():
    from importlib import import_module

    migration = import_module("articles.migrations.0010_load_company_dictionary")
    migration.load_curated_dictionary(apps, SimpleNamespace(connection=connection))


@pytest.mark.django_db
def test_migration_0010_loads_the_curated_dictionary_into_an_empty_archive():
    run_migration_0010()
    entries = load_entries()
    assert Company.objects.count() == len(entries)
    tencent = Company.objects.get(slug="tencent")
    entry = next(e for e in entries if e["slug"] == "tencent")
    assert tencent.name == entry["name"] and tencent.category == entry["category"]
    assert set(tencent.names.values_list("name", flat=True)) == {
        *entry["aliases"],
        *entry["products"],
    }
    assert DictionaryVersion.current() == 1
    # The command's loader finds nothing to add: the migration loaded the same thing.
    report = load_company_dictionary(COMPANIES)
    assert (report.created, report.updated, report.names_added, report.errors) == (0, 0, 0, [])
    assert report.unchanged == len(entries)


@pytest.mark.django_db
def test_migration_0010_leaves_an_archive_with_a_dictionary_alone():
    Company.objects.create(slug="tencent", name="腾讯")
    version = DictionaryVersion.current()
    run_migration_0010()
    assert list(Company.objects.values_list("slug", flat=True)) == ["tencent"]
    assert not CompanyName.objects.exists()
    assert DictionaryVersion.current() == version
