"""The synthetic corpus: deterministic, realistic in shape, importable, and the fast
``--db`` path writes what the importer would."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from articles.importing.parser import parse_bytes
from articles.importing.service import import_paths
from articles.models import Article, Event
from bench.corpus import RECORDS_PER_FILE, Corpus
from bench.fastload_workers import MemoSegmenter

YEAR = re.compile(r"(20\d\d)")


def test_generation_is_deterministic(tmp_path):
    first, second = Corpus(60, seed=5), Corpus(60, seed=5)
    assert first.file_text(0) == second.file_text(0)
    call_command("generate_corpus", 60, seed=5, out=tmp_path / "a", stdout=StringIO())
    call_command("generate_corpus", 60, seed=5, out=tmp_path / "b", stdout=StringIO())
    files_a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files_a == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / files_a[0]).read_text(encoding="utf-8") == first.file_text(0)
    assert Corpus(60, seed=6).file_text(0) != first.file_text(0)
    # A record does not depend on N or on which records were built before it.
    assert Corpus(1000, seed=5).record(42).text() == first.record(42).text()


def test_distributions_are_in_range():
    corpus = Corpus(400, seed=3)
    records = list(corpus.records())
    parsed = parse_bytes("".join(r.text() for r in records).encode("utf-8"), "corpus.txt")
    assert parsed.errors == [] and len(parsed.records) == 400
    for record in parsed.records:
        assert 1 <= len(record.keywords) <= 6
        assert 1 <= len(record.technologies) <= 4
        assert 1 <= len(record.industries) <= 5
        assert 300 <= len(record.summary) <= 3000
    lengths = [len(r.summary) for r in parsed.records]
    assert 700 <= statistics.median(lengths) <= 1400
    assert max(lengths) > 1800  # a long tail of long summaries

    mains = Counter(r.main_company for r in records if r.main_company)
    top, top_count = mains.most_common(1)[0]
    assert top == corpus.vocab.companies[0].slug
    assert top_count / len(records) > 0.1  # a giant …
    assert len(mains) > 40  # … and a long tail
    years = Counter(int(m.group(1)) for r in records if (m := YEAR.search(r.event_summary)))
    assert set(years) <= set(range(2018, 2027)) and len(years) == 9
    assert sum(years.values()) > 0.8 * len(records)
    assert len({r.intended_type for r in records}) >= 12


def test_memo_segmenter_cuts_like_the_segmenter():
    from articles.text.segment import Segmenter

    plain, memo = Segmenter(), MemoSegmenter()
    corpus = Corpus(8, seed=2)
    for record in corpus.records():
        for text in (record.title, record.summary, record.event_summary):
            assert memo.cut(text) == plain.cut(text)
            assert memo.index_terms(text) == plain.index_terms(text)
    tricky = "GPT-4o。发布了 llama 2。。腾讯混元大模型来了！c++。"
    assert memo.cut(tricky) == plain.cut(tricky)


@pytest.mark.django_db
def test_generated_files_import_cleanly(tmp_path):
    call_command("load_companies", "fixtures/companies.json", stdout=StringIO())
    call_command("generate_corpus", 50, seed=9, out=tmp_path, stdout=StringIO())
    report = import_paths([str(tmp_path)])
    assert report.errors == []
    assert report.created == 50
    assert Article.objects.exclude(search_vector=None).count() == 50
    assert Article.objects.exclude(main_company=None).count() > 30


def _snapshot() -> dict:
    """Everything the importer and enrichment derive, keyed by canonical URL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text FROM articles_article")
        vectors = dict(cursor.fetchall())
    data = {}
    for article in Article.objects.select_related("main_company", "event__main_company"):
        event = article.event
        data[article.canonical_url] = {
            "fields": (
                article.url,
                article.source_domain,
                article.title,
                article.summary,
                article.event_summary,
                article.content_hash,
                article.source_line,
                article.extra_fields,
                article.status,
                article.event_type,
                article.event_date,
                article.event_date_precision,
                article.event_cues,
                article.curated_fields,
                article.dictionary_version,
                article.main_company.slug if article.main_company else None,
            ),
            "vector": vectors[article.pk],
            "tags": [
                [
                    (link.tag.name, link.tag.slug, link.position)
                    for link in links.order_by("position")
                ]
                for links in (
                    article.keyword_links,
                    article.technology_links,
                    article.industry_links,
                )
            ],
            "companies": sorted(
                (link.company.slug, link.mentions, link.in_title, link.is_main)
                for link in article.company_links.select_related("company")
            ),
            "event": (
                event.title,
                event.event_type,
                event.date,
                event.date_precision,
                event.main_company.slug if event.main_company else None,
                sorted(c.slug for c in event.companies.all()),
                sorted(event.articles.values_list("canonical_url", flat=True)),
            ),
        }
    return data


@pytest.mark.slow
@pytest.mark.django_db
def test_fast_path_writes_what_the_importer_writes(tmp_path):
    """Two worker processes, COPY, events assigned in memory: the importer's rows exactly."""
    call_command("load_companies", "fixtures/companies.json", stdout=StringIO())
    n = 50
    call_command("generate_corpus", n, seed=11, db=True, workers=2, stdout=StringIO(),
                 stderr=StringIO())  # fmt: skip
    fast = _snapshot()
    assert len(fast) == n
    assert Event.objects.count() < n  # some articles share an event

    call_command("generate_corpus", n, seed=11, out=tmp_path, stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE articles_article, articles_event, articles_keyword, articles_technology,"
            " articles_industry RESTART IDENTITY CASCADE"
        )
    report = import_paths([str(tmp_path)])
    assert report.errors == [] and report.created == n
    imported = _snapshot()
    assert fast.keys() == imported.keys()
    for url in fast:
        assert fast[url] == imported[url], url
    assert n <= RECORDS_PER_FILE


@pytest.mark.slow
@pytest.mark.django_db
def test_copies_repeat_each_generated_article_with_its_derived_data(tmp_path):
    """--copies K: N/K generated articles, each present K times with the same tags,
    companies, event and vector; the facet rows are rebuilt to match (tests/performance)."""
    from tests.performance.truth import derived_rows, true_rows

    call_command("load_companies", "fixtures/companies.json", stdout=StringIO())
    call_command("generate_corpus", 25, seed=5, db=True, workers=0, copies=3,
                 stdout=StringIO(), stderr=StringIO())  # fmt: skip
    snapshot = _snapshot()
    assert len(snapshot) == 25
    originals = {url: data for url, data in snapshot.items() if "#copy-" not in url}
    assert len(originals) == 9  # ceil(25 / 3)
    copies = Counter(url.split("#copy-")[0] for url in snapshot)
    assert sorted(copies.values(), reverse=True)[:7] == [3] * 7
    for url, data in snapshot.items():
        if "#copy-" in url:
            original = originals[url.split("#copy-")[0]]
            assert {k: v for k, v in data.items() if k != "fields"} == {
                k: v for k, v in original.items() if k != "fields"
            }
            assert data["fields"][2:] == original["fields"][2:]  # all but the URL
    assert derived_rows() == true_rows()
    # The importer can add articles afterwards: the id sequence is past the copies.
    Corpus(3, seed=77).write_files(tmp_path)
    report = import_paths([str(tmp_path)])
    assert report.created == 3 and not report.errors
