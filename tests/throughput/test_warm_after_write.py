"""Warm after write (articles/warming.py): the pages read first are cached after a write.

A file-based cache stands for a cache shared between processes (Redis in production):
what matters is that it is not the per-process LocMem, which the job must skip.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_tasks import default_task_backend
from django_tasks.signals import task_enqueued

from articles import company_page, curation, warming
from articles.filters import FACETS
from articles.importing.service import import_paths
from articles.models import ArticleCompany, Company
from tests.site.conftest import write_records

pytestmark = pytest.mark.django_db

NEW_RECORD = """\
标题: 百度发布文心一言5.0
链接: https://news.test/baidu-ernie-5
总结: 2024年3月1日，百度发布文心一言5.0，阿里巴巴也在关注。
关键词: 文心一言
AI技术: 大语言模型
行业: 金融
"""

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def shared_caches(tmp_path) -> dict:
    files = "django.core.cache.backends.filebased.FileBasedCache"
    return {
        "default": {"BACKEND": LOCMEM},
        "aggregates": {"BACKEND": files, "LOCATION": str(tmp_path / "aggregates")},
        "pages": {"BACKEND": files, "LOCATION": str(tmp_path / "pages")},
    }


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    """Jobs run as they are enqueued (the suite's settings queue them in PostgreSQL)."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def enqueued():
    """The warming jobs enqueued while the test runs (the TaskResults)."""
    results = []

    def record(sender, task_result, **kwargs):
        if task_result.task.func is warming.warm_pages_task.func:
            results.append(task_result)

    task_enqueued.connect(record)
    yield results
    task_enqueued.disconnect(record)


def import_new(tmp_path, text: str = NEW_RECORD):
    report = import_paths([str(write_records(tmp_path / "new.txt", text))])
    assert report.errors == []
    return report


def company_body_cached(slug: str, language: str) -> bool:
    with translation.override(language):
        key = company_page.cache_key(company_page.current_version(slug))
    return caches["pages"].get(key) is not None


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_after_an_import_the_pages_read_first_are_cached_under_the_new_version(
    client, site, tmp_path, enqueued, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with override_settings(ARCHIVE_WARM_AFTER_WRITE=True, CACHES=shared_caches(tmp_path)):
        with django_capture_on_commit_callbacks(execute=True):
            import_new(tmp_path)
        [result] = enqueued
        assert result.status == "SUCCESSFUL", result.errors
        report = result.return_value
        warmed = {(page["url"], page["language"]) for page in report["pages"]}
        assert {("/", None), ("/articles/", None), ("/articles/?company=baidu", None)} <= warmed
        assert {("/companies/baidu/", "zh-hans"), ("/companies/baidu/", "en")} <= warmed
        assert {page["status"] for page in report["pages"]} == {200}
        # The company page's body is there, in both languages: one query (its version).
        assert company_body_cached("baidu", "zh-hans") and company_body_cached("baidu", "en")
        with django_assert_num_queries(1):
            assert client.get("/companies/baidu/").status_code == 200


@pytest.mark.parametrize("url", ["/", "/articles/", "/articles/?company=baidu"])
def test_a_warmed_page_costs_its_first_reader_fewer_queries_than_a_cold_one(
    url, client, site, tmp_path, django_capture_on_commit_callbacks
):
    with override_settings(ARCHIVE_WARM_AFTER_WRITE=True, CACHES=shared_caches(tmp_path)):
        with django_capture_on_commit_callbacks(execute=True):
            import_new(tmp_path)
        warm = queries_of(client, url)
        caches["aggregates"].clear()
        caches["pages"].clear()
        cold = queries_of(client, url)
    assert warm < cold


def test_with_per_process_caches_the_job_is_skipped_and_says_why(
    site, tmp_path, enqueued, caplog, django_capture_on_commit_callbacks
):
    caches["pages"].clear()
    caplog.set_level(logging.INFO, logger="articles.warming")
    # The default caches: LocMem.
    with (
        override_settings(ARCHIVE_WARM_AFTER_WRITE=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        import_new(tmp_path)
    [result] = enqueued
    assert "no cache is shared" in result.return_value["skipped"]
    assert "LocMemCache" in caplog.text and "page warming skipped" in caplog.text
    assert not company_body_cached("baidu", "zh-hans")


def test_with_the_setting_off_nothing_is_enqueued(
    site, tmp_path, django_capture_on_commit_callbacks
):
    with override_settings(ARCHIVE_WARM_AFTER_WRITE=False, TASKS=DUMMY_TASKS):
        with django_capture_on_commit_callbacks(execute=True):
            import_new(tmp_path)
        assert default_task_backend.results == []


def test_an_import_that_writes_nothing_enqueues_nothing(
    site, tmp_path, django_capture_on_commit_callbacks
):
    import_new(tmp_path)
    with override_settings(ARCHIVE_WARM_AFTER_WRITE=True, TASKS=DUMMY_TASKS):
        with django_capture_on_commit_callbacks(execute=True):
            report = import_new(tmp_path)  # the same record again: unchanged
        assert report.unchanged == 1 and default_task_backend.results == []
        with django_capture_on_commit_callbacks(execute=True):
            import_new(tmp_path, NEW_RECORD.replace("5.0，", "5.0版，"))  # updated
        assert len(default_task_backend.results) == 1


def test_a_merge_enqueues_the_job_once_it_commits(site, django_capture_on_commit_callbacks):
    curator = get_user_model().objects.create_superuser("curator", "c@example.com", "x" * 20)
    baidu, alibaba = Company.objects.get(slug="baidu"), Company.objects.get(slug="alibaba")
    with override_settings(ARCHIVE_WARM_AFTER_WRITE=True, TASKS=DUMMY_TASKS):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            curation.merge_companies(baidu, alibaba, user=curator)
        assert default_task_backend.results == []  # not before the commit
        for callback in callbacks:
            callback()
        [result] = default_task_backend.results
        assert result.task.func is warming.warm_pages_task.func


@pytest.mark.parametrize(
    ("aggregates", "pages", "shared"),
    [
        (LOCMEM, LOCMEM, False),
        ("django.core.cache.backends.dummy.DummyCache", LOCMEM, False),
        ("django.core.cache.backends.filebased.FileBasedCache", LOCMEM, True),
        (LOCMEM, "django.core.cache.backends.db.DatabaseCache", True),
    ],
)
def test_warming_runs_when_a_cache_it_fills_is_shared(aggregates, pages, shared, tmp_path):
    backends = {"default": {"BACKEND": LOCMEM}}
    for alias, backend in (("aggregates", aggregates), ("pages", pages)):
        backends[alias] = {"BACKEND": backend, "LOCATION": str(tmp_path / alias)}
    with override_settings(CACHES=backends):
        assert (warming.skip_reason() is None) is shared


def test_without_an_aggregates_cache_the_default_one_is_what_counts(tmp_path):
    files = "django.core.cache.backends.filebased.FileBasedCache"
    backends = {
        "default": {"BACKEND": files, "LOCATION": str(tmp_path / "default")},
        "pages": {"BACKEND": LOCMEM},
    }
    with override_settings(CACHES=backends):
        assert warming.warmed_cache_aliases() == ["default", "pages"]
        assert warming.skip_reason() is None


@override_settings(ALLOWED_HOSTS=["archive.example"], SECURE_SSL_REDIRECT=True)
def test_pages_pass_the_hosts_check_and_the_https_redirect(site):
    report = warming.warm_pages(top_values=1, top_companies=1)
    assert report.pages and {page["status"] for page in report.pages} == {200}


def test_the_time_budget_bounds_the_run(site):
    report = warming.warm_pages(top_values=2, top_companies=2, max_seconds=0)
    assert report.pages == [] and report.not_reached > 4


def test_pages_come_most_read_first(site):
    urls = [page.url for page in warming.pages_to_warm(top_values=2, top_companies=2)]
    assert urls[:2] == ["/", "/articles/"]
    # By rank: every facet's first value (and the largest company) before any second.
    kinds = [url.split("=")[0] if "?" in url else url.split("/")[1] for url in urls[2:]]
    ranks = [kinds[: i + 1].count(kind) for i, kind in enumerate(kinds)]
    assert ranks == sorted(ranks) and ranks[-1] == 2
    assert set(kinds) == {f"/articles/?{spec.param}" for spec in FACETS} | {"companies"}
    most = Counter(
        link.company.slug for link in ArticleCompany.objects.filter(article__status="published")
    ).most_common()
    top = {slug for slug, n in most if n == most[0][1]}
    assert urls[2].removeprefix("/articles/?company=") in top
    assert next(url for url in urls if url.startswith("/companies/")).split("/")[2] in top
