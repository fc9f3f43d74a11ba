"""Enrichment in worker processes gives exactly what the in-process path gives."""

from pathlib import Path

import pytest

from articles import enrichment
from articles.dictionary import load_company_dictionary
from articles.importing.service import import_paths
from articles.models import Article, ArticleCompany
from articles.text import pipeline

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "fixtures" / "articles"
COMPANIES = ROOT / "fixtures" / "companies.json"

pytestmark = pytest.mark.django_db


def snapshot():
    articles = list(
        Article.objects.order_by("pk").values_list(
            "pk",
            "main_company_id",
            "event_type",
            "event_date",
            "event_date_precision",
            "event_cues",
            "search_vector",
            "event_id",
        )
    )
    links = set(
        ArticleCompany.objects.values_list(
            "article_id", "company_id", "mentions", "in_title", "is_main"
        )
    )
    return articles, links


def test_worker_processes_enrich_like_the_importer(monkeypatch):
    load_company_dictionary(COMPANIES)
    report = import_paths([str(ARTICLES)])
    assert report.created >= 65 and not report.errors
    in_process = snapshot()
    assert all(vector for *_, vector, _ in in_process[0])

    Article.objects.update(search_vector=None, event_type="other", main_company=None)
    ArticleCompany.objects.all().delete()
    submitted = []

    class Spy(pipeline.ParallelEnricher):
        def submit(self, arguments):
            submitted.append(len(arguments))
            return super().submit(arguments)

    monkeypatch.setattr(enrichment, "ParallelEnricher", Spy)
    monkeypatch.setattr(enrichment, "PARALLEL_MIN_ARTICLES", 1)
    monkeypatch.setattr(enrichment, "CHUNK_SIZE", 10)  # several chunks in flight
    ids = list(Article.objects.values_list("pk", flat=True))
    assert enrichment.enrich_articles(ids) == len(ids)
    assert sum(submitted) == len(ids) and len(submitted) > 2
    assert snapshot() == in_process
