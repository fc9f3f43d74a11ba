"""The dictionary's fingerprint is read at most every few seconds outside transactions.

Searches (web requests, no transaction) reuse it; imports, curation and tests (inside a
transaction) read it every time, and a change this process makes is seen at once.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from articles import dictionary
from articles.models import Company, DictionaryVersion


def bump_elsewhere() -> None:
    """What another process's change looks like to this one: no signal, a new row."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_dictionaryversion SET version = version + 1 WHERE id = 1")


@pytest.fixture
def version_row(transactional_db):
    DictionaryVersion.bump()
    dictionary.forget_fingerprint()
    yield
    dictionary.forget_fingerprint()


def test_outside_a_transaction_a_change_elsewhere_is_seen_after_the_max_age(
    version_row, monkeypatch
):
    first = dictionary.dictionary_fingerprint()
    bump_elsewhere()
    assert dictionary.dictionary_fingerprint() == first  # within the max age
    monkeypatch.setattr(dictionary, "FINGERPRINT_MAX_AGE_SECONDS", 0.0)
    assert dictionary.dictionary_fingerprint() == DictionaryVersion.fingerprint() != first
    assert dictionary.current_matcher()[0] == first[0] + 1


def test_inside_a_transaction_it_is_read_every_time(version_row):
    first = dictionary.dictionary_fingerprint()
    with transaction.atomic():
        bump_elsewhere()
        assert dictionary.dictionary_fingerprint()[0] == first[0] + 1


def test_a_change_made_by_this_process_is_seen_at_once(version_row):
    first = dictionary.dictionary_fingerprint()
    Company.objects.create(slug="new-co", name="新公司")
    assert dictionary.dictionary_fingerprint()[0] > first[0]


def test_emptying_the_database_forgets_it(version_row):
    from django.core.management import call_command

    assert dictionary.dictionary_fingerprint() != (0, "")
    call_command("flush", interactive=False, verbosity=0)
    assert dictionary.dictionary_fingerprint() == (0, "")
