"""New articles are enriched before they are inserted: one write each, same results.

The reference is the old order of work: the same articles inserted bare, then
``enrich_articles`` over them in id order (events, companies, vectors from scratch).
"""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import enrichment
from articles.dictionary import load_company_dictionary
from articles.importing import created
from articles.importing.service import import_paths
from articles.jobs.tasks import merge_search_index_entries
from articles.models import Article, ArticleCompany, Event, Job
from tests.performance.truth import derived_rows, true_rows

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "fixtures" / "articles"
COMPANIES = ROOT / "fixtures" / "companies.json"

pytestmark = pytest.mark.django_db


def snapshot():
    """Derived data, with events compared by what they are and whom they group."""
    articles = {}
    members: dict[int, list[int]] = {}
    for row in Article.objects.order_by("pk").values_list(
        "pk",
        "main_company_id",
        "event_type",
        "event_date",
        "event_date_precision",
        "event_cues",
        "search_vector",
        "dictionary_version",
        "event_id",
    ):
        articles[row[0]] = row[1:-1]
        members.setdefault(row[-1], []).append(row[0])
    events = set()
    for event in Event.objects.prefetch_related("companies"):
        events.add(
            (
                tuple(members.pop(event.pk, ())),
                event.title,
                event.event_type,
                event.date,
                event.date_precision,
                event.main_company_id,
                frozenset(company.pk for company in event.companies.all()),
            )
        )
    assert not members  # every article's event exists
    links = set(
        ArticleCompany.objects.values_list(
            "article_id", "company_id", "mentions", "in_title", "is_main"
        )
    )
    return articles, events, links


@pytest.mark.parametrize("parallel", [False, True])
def test_import_writes_each_article_once_with_what_enrich_articles_derives(monkeypatch, parallel):
    load_company_dictionary(COMPANIES)
    monkeypatch.setattr(enrichment, "CHUNK_SIZE", 7)  # several chunks, events across them
    monkeypatch.setattr(enrichment, "PARALLEL_MIN_ARTICLES", 1 if parallel else 10**9)
    monkeypatch.setattr(created, "DEFERRED_INDEX_MIN", 1)
    with CaptureQueriesContext(connection) as queries:
        report = import_paths([str(ARTICLES)])
    assert report.created >= 65 and not report.errors
    writes = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "articles_article"')]
    assert writes == []
    assert derived_rows() == true_rows()
    imported = snapshot()
    assert all(vector for *_, vector, _ in imported[0].values())
    # The new index entries wait in the pending lists, searched from there, and a job
    # that merges them is queued with the import (its row commits with the articles).
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_article WHERE search_vector @@ 'openai'")
        assert cursor.fetchone()[0] > 0
    queued = Job.objects.filter(task_path=merge_search_index_entries.module_path)
    assert queued.count() == 1
    assert merge_search_index_entries.call() > 0  # what the worker runs
    assert created.merge_pending_entries() == 0  # nothing left pending

    # The old way: bare rows, then enrichment from scratch in id order.
    Article.objects.update(
        search_vector=None,
        event_type="other",
        event_date=None,
        event_date_precision="",
        event_cues=[],
        main_company=None,
        event=None,
        dictionary_version=0,
    )
    ArticleCompany.objects.all().delete()
    Event.objects.all().delete()
    enrichment.enrich_articles(list(Article.objects.values_list("pk", flat=True)))
    assert snapshot() == imported
