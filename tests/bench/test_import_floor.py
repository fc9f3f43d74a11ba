"""PostgreSQL's share of an import (bench/import_floor.py): the same rows, by COPY."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from articles.importing.service import import_paths
from articles.models import Article, ArticleCompany, ArticleFacetRow, Event
from bench.import_floor import capture, highest_ids, measure_floor

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Article, ArticleCompany, ArticleFacetRow, Event)
    }


def test_the_replay_writes_the_imported_rows_and_leaves_nothing(tmp_path):
    call_command("load_companies", "fixtures/companies.json", stdout=StringIO())
    call_command("generate_corpus", 30, seed=4, out=tmp_path, stdout=StringIO())
    with transaction.atomic():
        before = highest_ids()
        assert import_paths([str(tmp_path)]).created == 30
        imported = table_counts()
        written = capture(before)
        replayed: dict[str, int] = {}

        def count_after_replay():
            replayed.update(table_counts())

        transaction.set_rollback(True)
    assert imported["Article"] == imported["ArticleFacetRow"] == 30
    empty = table_counts()
    assert empty["Article"] == 0
    assert written["articles_article"][1].count(b"\n") == 30

    figures = measure_floor(written, 30, inspect=count_after_replay)

    assert replayed == imported  # the triggers wrote the facet rows again
    assert table_counts() == empty  # rolled back
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'article_search_vector'")
        assert cursor.fetchone()[0] == 1
    assert set(figures) == {"all indexes", "without the search indexes"}
    for figure in figures.values():
        assert figure["records_per_second"] > 0
        assert figure["steps_s"].keys() >= {"articles_article", "foreign-key checks"}
