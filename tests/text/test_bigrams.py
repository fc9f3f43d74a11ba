"""The bigram vector finds exactly the strings a text contains (PostgreSQL evaluates)."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from articles.text.bigrams import bigram_tsquery, bigram_vector, is_cjk
from articles.text.query import parse_query

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E2F)  # a small alphabet: repeats
TEXT = st.lists(st.one_of(CJK, st.sampled_from("，。 aB1")), max_size=40).map("".join)


def matches(texts, query: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::tsvector @@ %s::tsquery", [bigram_vector(texts), query])
        return cursor.fetchone()[0]


def test_pairs_sit_at_character_positions_and_runs_end_with_their_last_character():
    vector = bigram_vector([("A", "统一意见，AI"), ("C", "模型")])
    assert sorted(vector.split()) == sorted(
        ["'一意':2A", "'型':7C", "'意见':3A", "'模型':6C", "'统一':1A", "'见':4A"]
    )


def test_positions_are_clamped_and_kept_to_256_per_lexeme():
    vector = dict(entry.split(":") for entry in bigram_vector([("C", "统一" * 9000)]).split())
    assert len(vector["'统一'"].split(",")) == 256
    assert vector["'一'"].split(",")[-1] == "16383C"  # the run's end, clamped
    assert len(vector["'一统'"].split(",")) == 256


def test_queries():
    assert bigram_tsquery("一意") == "'一意'"
    assert bigram_tsquery("一") == "'一':*"
    assert bigram_tsquery("人工智能") == "'人工' <-> '工智' <-> '智能'"
    with pytest.raises(ValueError):
        bigram_tsquery("ai芯片")
    assert is_cjk("统一") and not is_cjk("统 一") and not is_cjk("")


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(TEXT, TEXT, st.text(CJK, min_size=1, max_size=6))
@example("统一意见", "", "一意")  # across the word boundary 统一/意见
@example("统一，意见", "", "一意")  # not across punctuation
@example("统一", "意见", "一意")  # nor across two fields
def test_a_string_matches_exactly_when_one_field_contains_it(first, second, needle):
    contained = needle in first or needle in second
    assert matches([("A", first), ("C", second)], bigram_tsquery(needle)) == contained


def test_unknown_words_and_phrases_go_to_the_bigram_vector_known_words_do_not():
    queries = parse_query("一意 人工智能").to_tsqueries()
    assert (queries.words, queries.bigrams) == ("'人工智能'", "'一意'")
    assert parse_query("人工智能").to_tsqueries().bigrams is None
    assert parse_query('"人工智能 技术发展"').to_tsqueries().words is None
    # A group with Latin and Chinese terms matches on either vector.
    mixed = parse_query("一意 OR gpt-4o").to_tsqueries()
    assert mixed.either == (("'gpt-4o'", "'一意'"),) and mixed.words is mixed.bigrams is None
    negated = parse_query("腾讯 -一意").to_tsqueries()
    assert (negated.words, negated.bigrams, negated.excluded) == ("'腾讯'", None, ("'一意'",))
    assert parse_query("-一意").to_tsqueries() is None


def test_a_term_with_aliases_stays_with_the_word_vector_so_its_aliases_count():
    def expand(token):
        return ["tencent"] if token == "腾讯" else []

    queries = parse_query("腾讯混元").to_tsqueries(expand)
    assert queries.bigrams is None and "tencent" in queries.words
