"""Real-browser tests: Debian's Chromium driven by Playwright against ``live_server``.

No browser is ever downloaded (never run ``playwright install``): the tests drive the
system Chromium at /usr/bin/chromium (``make browser-deps`` installs it). Without it
the tests are skipped, except under ``CI=true``, where a missing browser is a failure
so CI can never silently skip them.

The data: the company dictionary, the sample corpus and one record with a script tag
in its title are loaded once per session the project's own way (``load_company_
dictionary``, ``import_paths``), copied out with COPY and rolled back. Each test (they
are transactional: the live server reads through its own connection) copies the rows
back in, which takes milliseconds instead of the ~10 s of loading them again.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

from articles.dictionary import load_company_dictionary
from articles.importing.service import import_paths
from articles.models import Article

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

SEED_TITLE = "腾讯混元大模型来了"
XSS_TITLE = "<script>window.__xss=1</script>脚本标题测试"
XSS_LINK = "https://news.test/browser-xss-title"
XSS_RECORD = f"""\
标题: {XSS_TITLE}
链接: {XSS_LINK}
总结: 2026年10月1日，腾讯发布一个测试用的产品。<script>window.__xss=2</script>
关键词: 脚本测试
AI技术: 大模型
行业: 金融
"""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _cannot_run(reason: str):
    if _in_ci():
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; each test makes fresh contexts.

    Per module, not per session: while Playwright's sync API is open it keeps an asyncio
    loop running in this thread, which Django's async-safety check takes for async code.
    The tests' ORM calls are all synchronous, so DJANGO_ALLOW_ASYNC_UNSAFE is set, but
    only while a browser module runs: tests elsewhere (and the processes they start, such
    as `manage.py check --deploy`) must never see it.
    """
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _cannot_run(f"{CHROMIUM} is missing; `make browser-deps` installs Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _cannot_run("playwright is missing; `pip install -e '.[dev]'` installs it")

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # launch() starts from a fresh temporary user-data dir and removes it on close.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser, live_server):
    """Make a browser context on the live server: its own cookies, another "browser".

    Any dialog (alert, confirm, prompt), uncaught page error, console error (a script
    or style the Content-Security-Policy blocked, say) or failed response (HTTP >= 400)
    in any of its pages fails the test.
    """
    contexts = []
    problems: list[str] = []

    def make(*, javascript: bool = True, locale: str = "zh-CN"):
        context = browser.new_context(
            base_url=live_server.url,
            java_script_enabled=javascript,
            locale=locale,  # Accept-Language; the site's default language is zh-hans anyway
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)

        def watch(page):
            def on_dialog(dialog):
                problems.append(f"dialog {dialog.type} {dialog.message!r} on {page.url}")
                dialog.dismiss()

            def on_response(response):
                if response.status >= 400 and not response.url.endswith("/favicon.ico"):
                    problems.append(f"HTTP {response.status} for {response.url}")

            def on_console(message):
                # Blocked scripts or styles (Content-Security-Policy) and script errors
                # show here; a missing favicon is the one error a page may have.
                if message.type == "error" and "favicon.ico" not in message.location["url"]:
                    problems.append(f"console error {message.text!r} on {page.url}")

            page.on("dialog", on_dialog)
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("response", on_response)

        context.on("page", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert problems == [], problems


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def any_page(request, new_context):
    """A page with JavaScript on, then one with it off: the site must work without it."""
    return new_context(javascript=request.param).new_page()


# Data ---------------------------------------------------------------------------------


# Written by the database's triggers from the other tables (articles.denormalized).
DERIVED = {"articles_articlefacetrow", "articles_facetcount", "articles_dataversion"}


def _tables() -> list[str]:
    """The articles app's tables, many-to-many ones included, derived ones not."""
    tables = []
    for model in apps.get_app_config("articles").get_models(include_auto_created=True):
        if not model._meta.proxy and model._meta.managed and model._meta.db_table not in DERIVED:
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def _copyable_columns(cursor, table: str) -> str:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s AND is_generated = 'NEVER'"
        " ORDER BY ordinal_position",
        [table],
    )
    return ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())


@pytest.fixture(scope="session")
def corpus_rows(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, tuple]:
    """Load the data once, the project's way; keep its rows (COPY text) and roll back."""
    xss_file = tmp_path_factory.mktemp("browser") / "xss.txt"
    xss_file.write_text(XSS_RECORD, encoding="utf-8")
    rows: dict[str, tuple] = {}
    with django_db_blocker.unblock(), transaction.atomic():
        load_company_dictionary(ROOT / "fixtures" / "companies.json")
        report = import_paths([str(ROOT / "fixtures" / "articles")])
        assert report.errors == [] and report.created >= 64, report.summary()
        report = import_paths([str(xss_file)])
        assert report.errors == [] and report.created == 1, report.summary()
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            for table in _tables():
                columns = _copyable_columns(cursor, table)
                data = bytearray()
                with raw.copy(
                    f"COPY {connection.ops.quote_name(table)} ({columns}) TO STDOUT"
                ) as copy:
                    for block in copy:
                        data += block
                if data:
                    rows[table] = (columns, bytes(data))
        transaction.set_rollback(True)
    return rows


@pytest.fixture
def corpus(corpus_rows, live_server) -> dict[str, Article]:
    """The loaded data, back in the (transactional) test database for this test."""
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        for table, (columns, data) in corpus_rows.items():
            with raw.copy(
                f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN"
            ) as copy:
                copy.write(data)
        # Foreign keys are deferred to here (commit); sequences must pass the copied ids.
        models = apps.get_app_config("articles").get_models(include_auto_created=True)
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)
    return {
        "seed": Article.objects.get(title=SEED_TITLE),
        "xss": Article.objects.get(title=XSS_TITLE),
    }
