"""Relevance over a bounded candidate set: the newest K matches ranked, then by date."""

import csv
import io
from urllib.parse import quote

import pytest

from articles.dictionary import search_for
from articles.search import RelevanceOrder

from .conftest import CORPUS_SIZE, term_matching

CANDIDATES = 50  # a multiple of the JSON page (50), not of the list page (20)


@pytest.fixture(autouse=True)
def small_candidate_set(settings):
    settings.SEARCH_RANK_CANDIDATES = CANDIDATES


def exactly_ranked(corpus, word: str) -> list[int]:
    """Every match by rank, then newest, then id: the order before bounded ranking."""
    return list(
        corpus.search(search_for(word))
        .order_by("-rank", "-event_date", "-id")
        .values_list("pk", flat=True)
    )


def expected_order(corpus, word: str) -> list[int]:
    """Independently of RelevanceOrder: the newest K ranked, then the rest newest first."""
    newest = list(corpus.search(search_for(word)).newest_first().values_list("pk", flat=True))
    head = set(newest[:CANDIDATES])
    ranked = [pk for pk in exactly_ranked(corpus.filter(pk__in=head), word)]
    return ranked + newest[CANDIDATES:]


def json_order(client, word: str) -> list[int]:
    url, seen = f"/articles.json?q={quote(word)}", []
    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["results"]]
        url = page["next"]
    return seen


def test_common_term_ranks_the_newest_candidates_then_continues_by_date(client, corpus):
    word, found = term_matching(corpus, CANDIDATES * 2, CORPUS_SIZE)
    expected = expected_order(corpus, word)
    assert len(expected) == found
    assert json_order(client, word) == expected
    assert json_order(client, word) == expected  # deterministic
    # The ranked head really is ordered by rank, and differs from plain date order.
    head = corpus.search(search_for(word)).filter(pk__in=expected[:CANDIDATES])
    ranks = dict(head.values_list("pk", "rank"))
    assert [ranks[pk] for pk in expected[:CANDIDATES]] == sorted(ranks.values(), reverse=True)


def test_pages_straddling_the_head_join_without_gaps(corpus):
    word, _found = term_matching(corpus, CANDIDATES * 2, CORPUS_SIZE)
    order = RelevanceOrder(corpus.search(search_for(word)).order_by(), search_for(word))
    expected = expected_order(corpus, word)
    straddling = [article.pk for article in order[CANDIDATES - 7 : CANDIDATES + 13]]
    assert straddling == expected[CANDIDATES - 7 : CANDIDATES + 13]
    assert [row.pk for row in order.iterator()] == expected


def test_rare_term_is_ranked_exactly_as_before(client, corpus):
    word, found = term_matching(corpus, 3, CANDIDATES - 1)
    before = exactly_ranked(corpus, word)
    assert json_order(client, word) == before
    order = RelevanceOrder(corpus.search(search_for(word)), search_for(word))
    assert order.known_total == found and [article.pk for article in order[0:found]] == before


def test_csv_follows_the_same_relevance_order(client, corpus):
    word, _found = term_matching(corpus, CANDIDATES * 2, CORPUS_SIZE)
    body = b"".join(client.get(f"/articles.csv?q={quote(word)}").streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [int(row["id"]) for row in rows] == expected_order(corpus, word)


def test_the_head_ranks_only_the_candidates(corpus):
    """EXPLAIN: ts_rank runs on at most K rows, however many articles match."""
    from django.db import connection

    word, found = term_matching(corpus, CANDIDATES * 2, CORPUS_SIZE)
    head = RelevanceOrder(corpus.search(search_for(word)), search_for(word)).head()
    sql, params = head.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    ranked_rows = []

    def walk(node):
        if any("ts_rank" in column for column in node.get("Output", [])) and not any(
            "ts_rank" in column for child in node.get("Plans", []) for column in child["Output"]
        ):
            ranked_rows.append(node["Actual Rows"] * node["Actual Loops"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    assert ranked_rows and max(ranked_rows) <= CANDIDATES < found


def test_the_cached_ranking_follows_edits(client, corpus):
    from articles.enrichment import enrich_articles

    word, _found = term_matching(corpus, CANDIDATES * 2, CORPUS_SIZE)
    first = json_order(client, word)
    assert json_order(client, word) == first  # the second read is the cached head
    top = corpus.get(pk=first[0])
    top.status = "hidden"
    top.save(update_fields=["status"])
    after_hide = json_order(client, word)
    assert first[0] not in after_hide and after_hide == expected_order(corpus, word)
    last_candidate = corpus.get(pk=after_hide[CANDIDATES - 1])
    last_candidate.title = f"{word} {word} {word}"  # now the best ranked of the head
    last_candidate.save(update_fields=["title"])
    enrich_articles([last_candidate.pk])
    after_edit = json_order(client, word)
    assert after_edit != after_hide and after_edit == expected_order(corpus, word)
