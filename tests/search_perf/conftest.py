"""A generated corpus of a few hundred articles, loaded by the fast path, analysed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from articles.dictionary import search_for
from articles.models import Article

CORPUS_SIZE = 240


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """Generated once per module inside a transaction that is rolled back at its end.

    Each test's own transaction (the ``db`` fixture) nests inside it as a savepoint.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_companies", "fixtures/companies.json", stdout=StringIO())
            with connection.cursor() as cursor:
                # Ids from a multiple of 1,024: the corpus then covers a block of the
                # fixed sample (articles.models.sampling), whatever ran before.
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('articles_article', 'id'), "
                    "((SELECT last_value FROM articles_article_id_seq) / 1024 + 1) * 1024, false)"
                )
            call_command(
                "generate_corpus",
                CORPUS_SIZE,
                seed=3,
                db=True,
                workers=0,  # in this process: no pool to start for a small corpus
                stdout=StringIO(),
                stderr=StringIO(),
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE articles_article")  # the planner's estimates
                cursor.execute("ANALYZE articles_articlebigrams")
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def corpus(generated, db):
    return Article.objects.published()


def lexemes_by_frequency() -> list[tuple[str, int]]:
    """(lexeme, number of articles) of the corpus's search vectors, most frequent first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM articles_article')"
            " WHERE word ~ '^[一-龥]{2,}$' ORDER BY ndoc DESC, word"
        )
        return cursor.fetchall()


def term_matching(corpus, low: int, high: int) -> tuple[str, int]:
    """A Chinese word the search finds in ``low``..``high`` articles, and that number."""
    for word, ndoc in lexemes_by_frequency():
        if low <= ndoc <= high:
            found = corpus.search(search_for(word)).count()
            if low <= found <= high:
                return word, found
    raise AssertionError(f"no term with {low}..{high} matches in the corpus")
