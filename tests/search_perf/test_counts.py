"""Result counts: exact up to LISTING_EXACT_COUNT_LIMIT, labelled estimates above it."""

import re
from urllib.parse import quote

import pytest
from django.test import Client

from articles.dictionary import search_for
from articles.pagination import ResultCount, capped_count, count_results, planner_estimate

from .conftest import CORPUS_SIZE, term_matching

LIMIT = 30


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.LISTING_EXACT_COUNT_LIMIT = LIMIT


def title(response) -> str:
    return re.search(r'<h1 id="listing-title">(.*?)</h1>', response.content.decode(), re.S).group(1)


def card_links(response) -> list[str]:
    return re.findall(r'class="card-title"><a href="([^"]+)"', response.content.decode())


def next_link(response) -> str | None:
    found = re.search(r'<a rel="next" href="([^"]+)"', response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else None


def english_client() -> Client:
    english = Client()
    english.cookies["django_language"] = "en"
    return english


def test_exact_count_at_or_below_the_limit(client, corpus):
    word, found = term_matching(corpus, 2, LIMIT)
    assert count_results(corpus.search(search_for(word))) == ResultCount(found)
    response = client.get(f"/articles/?q={quote(word)}")
    assert title(response).endswith(f"— {found} 篇")
    assert "约" not in title(response)
    english = english_client().get(f"/articles/?q={quote(word)}")
    assert title(english).endswith(f"— {found} articles")


def test_estimated_count_above_the_limit_is_labelled(client, corpus):
    word, found = term_matching(corpus, LIMIT * 2, CORPUS_SIZE)
    counted = count_results(corpus.search(search_for(word)))
    assert counted.estimated and counted.value > LIMIT
    assert found / 3 <= counted.value <= found * 3  # the planner's estimate, not a guess
    response = client.get(f"/articles/?q={quote(word)}")
    assert re.search(rf"— 约 {counted.shown:,} 篇$", title(response))
    english = english_client().get(f"/articles/?q={quote(word)}")
    assert re.search(rf"— about {counted.shown:,} articles$", title(english))
    assert "第 1 页，约" in response.content.decode()


def test_unfiltered_list_is_estimated_and_close(client, corpus):
    estimate = planner_estimate(corpus)
    assert CORPUS_SIZE / 2 <= estimate <= CORPUS_SIZE * 2
    assert "约" in title(client.get("/articles/"))


def test_estimates_round_to_two_significant_digits():
    assert ResultCount(297_431, estimated=True).shown == 300_000
    assert ResultCount(12_345, estimated=True).shown == 12_000
    assert ResultCount(12_345).shown == 12_345


def test_pages_of_an_estimated_count_reach_every_match_once(client, corpus):
    word, found = term_matching(corpus, LIMIT * 2, CORPUS_SIZE)
    url, seen, pages = f"/articles/?q={quote(word)}", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += card_links(response)
        pages += 1
        url = next_link(response) and "/articles/" + next_link(response)
    assert len(seen) == len(set(seen)) == found
    assert pages == -(-found // 20)
    assert title(response).endswith(f"— {found} 篇")  # the last page knows the count


def test_a_page_past_the_end_shows_the_real_last_page(client, corpus):
    word, found = term_matching(corpus, LIMIT * 2, CORPUS_SIZE)
    response = client.get(f"/articles/?q={quote(word)}&page=999")
    last = -(-found // 20)
    assert len(card_links(response)) == found - (last - 1) * 20
    assert f"第 {last} 页，共 {last} 页" in response.content.decode()
    assert next_link(response) is None


def test_json_says_whether_its_count_is_an_estimate(client, corpus):
    rare, rare_found = term_matching(corpus, 2, LIMIT)
    exact = client.get(f"/articles.json?q={quote(rare)}").json()
    assert exact["count"] == rare_found and exact["count_is_estimate"] is False
    common, _found = term_matching(corpus, LIMIT * 2, CORPUS_SIZE)
    estimated = client.get(f"/articles.json?q={quote(common)}").json()
    assert estimated["count_is_estimate"] is True and estimated["count"] > LIMIT
    assert "about" in estimated["title"] or "约" in estimated["title"]


def test_the_bitmap_only_count_leaves_the_planner_settings_as_they_were(corpus):
    from django.db import connection

    word, found = term_matching(corpus, 2, LIMIT)
    assert capped_count(corpus.search(search_for(word)), LIMIT, bitmap_only=True) == found
    assert capped_count(corpus, LIMIT, bitmap_only=True) == LIMIT + 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        seqscan = cursor.fetchone()[0]
        cursor.execute("SHOW enable_indexscan")
        assert (seqscan, cursor.fetchone()[0]) == ("on", "on")
