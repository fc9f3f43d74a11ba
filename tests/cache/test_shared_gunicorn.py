"""Two gunicorn processes sharing one Redis cache, and one gunicorn losing its Redis.

The servers read the test database through their own connections, so these tests are
transactional (committed data) and start real processes: slow.
"""

from __future__ import annotations

import pickle
import re
import time
from urllib.parse import quote

import pytest
from django.utils.safestring import SafeString

from articles.importing.service import import_paths
from articles.models import Article
from tests.site.conftest import write_records

from .conftest import SHARED_REDIS_URL, keys_under, wait_until
from .servers import Gunicorn

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MARK = "<!-- from the shared cache -->"
NEW_RECORD = (
    "标题: 百度发布文心大模型共享缓存版\n链接: https://news.test/baidu-shared-cache\n"
    "总结: 2024年3月1日，百度发布文心大模型共享缓存版。\n关键词: 文心一言, 大模型\n"
)


def pages(site) -> list[str]:
    return [
        "/",
        "/articles/",
        "/articles/?q=" + quote("大模型"),
        "/companies/baidu/",
        site["ernie"].get_absolute_url(),
    ]


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.fixture
def servers(tmp_path, prefix, site):
    """Servers started by the test through ``start``; all stopped afterwards."""
    started: list[Gunicorn] = []

    def start(name: str, cache_url: str = SHARED_REDIS_URL, **environ: str) -> Gunicorn:
        server = Gunicorn(tmp_path / f"{name}.log", cache_url, CACHE_KEY_PREFIX=prefix, **environ)
        started.append(server)
        return server.start()

    try:
        yield start
    finally:
        for server in started:
            server.stop()


def test_a_page_warmed_through_one_server_is_served_from_the_cache_by_the_other(
    servers, shared_redis, prefix, site
):
    a, b = servers("a"), servers("b")
    for path in pages(site):
        assert a.get(path)[0] == 200
    page_keys = keys_under(shared_redis, f"{prefix}:pages:")
    aggregate_keys = keys_under(shared_redis, f"{prefix}:aggregates:")
    assert len(page_keys) == 2 and aggregate_keys  # the article and the company page
    # Mark A's bodies, so that B's page shows whether it came from them.
    for key in page_keys:
        body = pickle.loads(shared_redis.get(key))
        assert isinstance(body, SafeString)
        shared_redis.set(key, pickle.dumps(SafeString(body + MARK)), keepttl=True)
    time.sleep(0.05)
    lifetimes = {key: shared_redis.pttl(key) for key in page_keys + aggregate_keys}

    for path in pages(site):
        status, html = b.get(path)
        assert status == 200
        if path in ("/companies/baidu/", site["ernie"].get_absolute_url()):
            assert MARK in html
    # B stored nothing new and rewrote nothing: a SET would have renewed the lifetime.
    assert keys_under(shared_redis, prefix) == sorted(page_keys + aggregate_keys)
    for key, lifetime in lifetimes.items():
        assert 0 < shared_redis.pttl(key) <= lifetime, key


def test_an_import_shows_on_the_other_servers_next_request(servers, site, tmp_path):
    a, b = servers("a"), servers("b")
    for server in (a, b):
        for path in pages(site):
            assert "百度发布文心大模型共享缓存版" not in server.get(path)[1]
    # An import into the same database, as a curator's upload through A runs it.
    report = import_paths([str(write_records(tmp_path / "new.txt", NEW_RECORD))])
    assert report.created == 1
    for path in ("/", "/articles/", "/companies/baidu/"):
        status, html = b.get(path)
        assert status == 200 and "百度发布文心大模型共享缓存版" in html, path
    new = Article.objects.get(title="百度发布文心大模型共享缓存版")
    status, html = b.get(new.get_absolute_url())
    assert status == 200 and "2024年3月1日，百度发布文心大模型共享缓存版。" in html


def test_redis_down_or_flushed_pages_are_served_and_the_outage_logged_once(
    servers, private_redis, site, tmp_path
):
    server = servers("alone", private_redis.url, CACHE_RETRY_AFTER="1")
    cached = {path: without_tokens(server.get(path)[1]) for path in pages(site)}
    assert len(keys_under(private_redis.client(), "")) > 2

    private_redis.kill()
    for _ in range(2):  # the second round after the back-off: the same outage
        for path in pages(site):
            status, html = server.get(path)
            assert status == 200, (path, html[-2000:])
            assert without_tokens(html) == cached[path]
        time.sleep(1.1)  # CACHE_RETRY_AFTER
    log = (tmp_path / "alone.log").read_text()
    assert log.count("unavailable") == 1, log[-3000:]
    assert "Traceback" not in log

    private_redis.start()  # empty, on the same port
    time.sleep(1.1)  # CACHE_RETRY_AFTER
    redis = private_redis.client()
    wait_until(lambda: server.get("/companies/baidu/")[0] == 200 and keys_under(redis, ""), 10,
               "the cache to be used again")  # fmt: skip
    assert "available again" in (tmp_path / "alone.log").read_text()

    redis.flushdb()  # the private server: no one else's keys
    for path in pages(site):
        status, html = server.get(path)
        assert status == 200 and without_tokens(html) == cached[path]
    assert len(keys_under(redis, "")) > 2  # filled again
