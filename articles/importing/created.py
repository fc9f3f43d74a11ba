"""New articles: enriched from the parsed record, then inserted once, complete.

Inserting first and enriching after (``articles.enrichment.enrich_articles``) wrote
every new row twice; the second write was a non-HOT update through every index of the
article table, the GIN index on the vectors included, and read the rows back first.
Here the derived columns, the event and the search vector are in the INSERT. The
results are those ``enrich_articles`` would give: the same chunks of
``enrichment.CHUNK_SIZE`` in id (insertion) order, the tags' stored names, the same
event matching.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from articles import enrichment
from articles.dictionary import current_matcher
from articles.models import Article, ArticleCompany, Company
from articles.text.pipeline import ParallelEnricher, enrich_text

from .records import ParsedRecord
from .writer import ResolvedTags, insert_rows, insert_tag_links, resolve_tags, tag_names

logger = logging.getLogger(__name__)
Progress = Callable[[Iterable, str, int], Iterable]
Pair = tuple[Article, ParsedRecord]

SEARCH_INDEX = "article_search_vector"
SEARCH_INDEXES = (SEARCH_INDEX, "article_bigrams_vector")
# From this many new articles on, the search indexes' new entries wait in their pending
# lists (searches read those too), and a job merges them once the import has committed:
# one merge of 2,500 articles' vectors took 4 s against 8 s for the default 4 MB list's
# merges every few hundred (20k articles), and with the bigram index the merge is two
# thirds of PostgreSQL's share of an import (16 of 24 s for 5,000 records into 100k).
DEFERRED_INDEX_MIN = 1000
DEFERRED_SETTINGS = ("gin_pending_list_limit = '1GB'", "maintenance_work_mem = '256MB'")


def insert_enriched(pairs: list[Pair], progress: Progress) -> None:
    """Enrich and insert these unsaved articles, chunk by chunk, in the given order.

    From ``enrichment.PARALLEL_MIN_ARTICLES`` on, the text work runs in worker
    processes one chunk ahead of the writes, as in ``enrich_articles``.
    """
    if not pairs:
        return
    version, matcher = current_matcher()
    companies = {
        slug: (pk, name) for pk, slug, name in Company.objects.values_list("pk", "slug", "name")
    }
    names_by_slug = {slug: name for slug, (_, name) in companies.items()}
    size = enrichment.CHUNK_SIZE
    chunks = [pairs[start : start + size] for start in range(0, len(pairs), size)]
    deferred = len(pairs) >= DEFERRED_INDEX_MIN
    if deferred:
        _set_local(DEFERRED_SETTINGS)
    parallel = None
    if len(pairs) >= enrichment.PARALLEL_MIN_ARTICLES and enrichment.ENRICH_PROCESSES > 1:
        parallel = ParallelEnricher(matcher, names_by_slug, enrichment.ENRICH_PROCESSES)

    def write(chunk, resolved, results) -> None:
        _insert_chunk(chunk, resolved, results, version, companies)

    try:
        pending = None  # (chunk, resolved tags, results) of the chunk being enriched
        for chunk in progress(chunks, "writing", len(chunks)):
            resolved = resolve_tags(chunk)
            arguments = _arguments(chunk, resolved)
            if parallel is None:
                results = [
                    enrich_text(matcher, company_names=names_by_slug, **kwargs)
                    for kwargs in arguments
                ]
                write(chunk, resolved, results)
                continue
            submitted = (chunk, resolved, parallel.submit(arguments))
            if pending is not None:
                write(pending[0], pending[1], pending[2].get())
            pending = submitted
        if pending is not None:
            write(pending[0], pending[1], pending[2].get())
    finally:
        if parallel is not None:
            parallel.close()
    if deferred:
        from articles.jobs.tasks import enqueue_with_transaction, merge_search_index_entries

        enqueue_with_transaction(merge_search_index_entries)
        _set_local(f"{setting.split(' = ')[0]} TO DEFAULT" for setting in DEFERRED_SETTINGS)


def _set_local(settings: Iterable[str]) -> None:
    """SET LOCAL: until the import's transaction ends (constants of this module only)."""
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")


def merge_pending_entries() -> int:
    """Move the pending entries into the indexes now, not in a later writer's statement.

    Returns the pending-list pages merged. Needs to own the indexes; without that the
    entries stay pending (searches still find them) until autovacuum or the next insert
    past the default limit merges them.
    """
    pages = 0
    for index in SEARCH_INDEXES:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
                pages += cursor.fetchone()[0]
        except DatabaseError as exc:
            logger.warning("entries of %s left pending: %s", index, exc)
    return pages


def _arguments(chunk: list[Pair], resolved: ResolvedTags) -> list[dict]:
    """``enrich_text``'s arguments: the record's text, its tags by their stored names."""
    names = tag_names(resolved)
    arguments = []
    for index, (article, _record) in enumerate(chunk):
        tags = {
            field: [names[field][tag_id] for _, tag_id in resolved[field][index] or ()]
            for field in names
        }
        arguments.append(
            {
                "title": article.title,
                "summary": article.summary,
                "event_summary": article.event_summary,
                **tags,
                "linked_names": None,
            }
        )
    return arguments


def _insert_chunk(chunk: list[Pair], resolved: ResolvedTags, results, version, companies):
    articles = [article for article, _ in chunk]
    now = timezone.now()
    links: list[ArticleCompany] = []
    for article, result in zip(articles, results, strict=True):
        links.extend(enrichment.derive(article, result, version, companies, now))
    enrichment.match_events(articles)  # creates the events the articles will point to
    Article.objects.bulk_create(articles)
    enrichment.write_bigrams(articles, results)
    insert_tag_links(chunk, resolved)
    insert_rows(
        ArticleCompany,
        {
            "article_id": "bigint",
            "company_id": "bigint",
            "mentions": "integer",
            "in_title": "boolean",
            "is_main": "boolean",
        },
        [
            (link.article.pk, link.company_id, link.mentions, link.in_title, link.is_main)
            for link in links
        ],
    )
    enrichment.refresh_event_companies({article.event_id for article in articles})
