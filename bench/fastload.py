"""``generate_corpus --db``: write a generated corpus straight into PostgreSQL, fast.

It produces the rows that importing the same records in one ``import_paths`` run
would (articles, tags and ordered tag links, company links, main company, event type
and date, events and their companies, search vectors), without the importer's
per-row ORM work:

* records are built, parsed (the importer's own parser) and enriched (the pure
  ``articles.text.pipeline.enrich_text``, rjieba underneath) in worker processes:
  segmentation is CPU-bound;
* the worker's segmenter memoises segmentation per sentence (``MemoSegmenter``):
  jieba cuts the text between two full stops independently of the rest, so the
  tokens are the same, and the corpus repeats sentences from its pool;
* the main process assigns ids in the importer's order (articles by canonical URL,
  events in the order ``articles.enrichment.assign_events`` creates them, chunk by
  chunk of 500), creates tags with the importer's ``upsert_tags``, and streams rows
  with ``COPY``;
* the whole load is one transaction: secondary indexes and foreign keys of the
  written tables are dropped first and recreated at the end (a crash rolls all of it
  back, indexes included); then ``VACUUM ANALYZE``.

Used by the query benchmarks only; the importer is measured by ``bench.run`` itself.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from articles.importing.urls import canonical_url, source_domain

from .corpus import Corpus
from .event_assigner import ENRICH_CHUNK, EventAssigner
from .fastload_workers import WORK_CHUNK, WorkerContext, enrich_records, init_worker, tag_key
from .replicate import replicate_articles

WRITE_BATCH = 2000  # articles per round of COPY statements


# -- main side -----------------------------------------------------------------------


@dataclass
class LoadReport:
    articles: int = 0
    events: int = 0
    links: int = 0
    seconds: float = 0.0
    enrich_seconds: float = 0.0
    index_seconds: float = 0.0
    vacuum_seconds: float = 0.0

    def summary(self) -> str:
        rate = self.articles / self.seconds if self.seconds else 0
        return (
            f"{self.articles:,} articles, {self.events:,} events, {self.links:,} links in "
            f"{self.seconds:,.1f} s ({rate:,.0f} articles/s; generate+enrich+COPY "
            f"{self.enrich_seconds:,.1f} s, indexes and keys {self.index_seconds:,.1f} s, "
            f"vacuum/analyze {self.vacuum_seconds:,.1f} s)"
        )


def _written_tables():
    from articles.models import (
        Article,
        ArticleBigrams,
        ArticleCompany,
        ArticleIndustry,
        ArticleKeyword,
        ArticleTechnology,
        Event,
    )

    return [
        Article._meta.db_table,
        ArticleKeyword._meta.db_table,
        ArticleTechnology._meta.db_table,
        ArticleIndustry._meta.db_table,
        ArticleCompany._meta.db_table,
        Event._meta.db_table,
        Event.companies.through._meta.db_table,
        ArticleBigrams._meta.db_table,
    ]


def _drop_secondary(cursor, tables: list[str]) -> list[str]:
    """Drop foreign keys and non-unique indexes of ``tables``; return the DDL to restore."""
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
        ORDER BY 1, 2
        """,
        [tables],
    )
    keys = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
          AND NOT i.indisprimary AND NOT i.indisunique
        ORDER BY 1
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    restore = []
    for table, name, definition in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
        restore.insert(0, definition)  # indexes first: the key checks can use them
    return restore


def _existing_tag_names() -> dict[str, dict[str, tuple[str, str]]]:
    from articles.models import TagAlias
    from articles.models.tags import TAG_KINDS

    names: dict[str, dict[str, tuple[str, str]]] = {}
    for kind, model, _link in TAG_KINDS:
        tags = {
            pk: (key, name)
            for pk, key, name in model.objects.values_list("pk", "normalized_name", "name")
        }
        mapping = {key: (key, name) for key, name in tags.values()}
        aliases = TagAlias.objects.filter(kind=model._meta.model_name).values_list(
            "normalized_name", "target_id"
        )
        for key, target in aliases:
            if key not in mapping and target in tags:
                mapping[key] = tags[target]
        names[kind] = mapping
    return names


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load_corpus(
    corpus: Corpus,
    *,
    workers: int = 2,
    truncate: bool = False,
    log: Callable[[str], None] = print,
) -> LoadReport:
    """Write ``corpus`` into the database (see the module docstring)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from articles.dictionary import company_entries, load_company_dictionary
    from articles.importing.writer import upsert_tags
    from articles.models import Article, Company, DictionaryVersion, Event, ImportBatch
    from articles.models.tags import TAG_KINDS

    report = LoadReport()
    started = time.monotonic()
    tables = _written_tables()
    if not Company.objects.exists():
        log(f"loading the company dictionary from {corpus.companies_path}")
        load_company_dictionary(corpus.companies_path)
    if Article.objects.exists():
        if not truncate:
            raise ValueError("the database already has articles: use --truncate to replace them")
        with connection.cursor() as cursor:
            tag_tables = [model._meta.db_table for _, model, _ in TAG_KINDS]
            cursor.execute(
                f"TRUNCATE {', '.join(tables + tag_tables)} RESTART IDENTITY CASCADE"  # noqa: S608
            )
        log("truncated the article, tag and event tables")

    log(f"ordering {corpus.distinct:,} records by canonical URL")
    order = sorted(range(corpus.distinct), key=lambda i: canonical_url(corpus.link(i)))
    companies = dict(Company.objects.values_list("slug", "pk"))
    names_by_slug = dict(Company.objects.values_list("slug", "name"))
    context = WorkerContext(
        n=corpus.n,
        seed=corpus.seed,
        companies_path=str(corpus.companies_path),
        entries=company_entries(),
        names_by_slug=names_by_slug,
        tag_names=_existing_tag_names(),
    )
    version = DictionaryVersion.current()
    init_worker(context)  # built once here; forked workers inherit it
    tasks = [order[i : i + WORK_CHUNK] for i in range(0, len(order), WORK_CHUNK)]

    pool = None
    if workers > 0:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        pool = multiprocessing.get_context(method).Pool(
            workers, initializer=init_worker, initargs=(context,)
        )
        results = pool.imap(enrich_records, tasks, chunksize=1)
    else:
        results = map(enrich_records, tasks)

    article_columns = [f.column for f in Article._meta.concrete_fields]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            # No triggers during the COPYs: the derived tables are rebuilt once, at the end.
            cursor.execute("SET LOCAL session_replication_role = replica")
            restore = _drop_secondary(cursor, tables)
            now = timezone.now()
            batch = ImportBatch.objects.create(
                sources=corpus.marker(),
                status=ImportBatch.Status.RUNNING,
            )
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [tables[0]])
            next_article = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [tables[5]])
            assigner = EventAssigner(cursor.fetchone()[0])

            pending: list[dict] = []
            last_log = time.monotonic()
            done = 0

            def flush(chunk: list[dict]) -> None:
                _write_chunk(
                    cursor, chunk, assigner, article_columns, batch.pk, version, now, upsert_tags,
                    report, TAG_KINDS, companies,
                )  # fmt: skip

            for task_result in results:
                for row in task_result:
                    pending.append(_article(row, next_article, companies))
                    next_article += 1
                # Events are assigned per enrichment chunk; tags per importer chunk.
                while len(pending) >= WRITE_BATCH:
                    flush(pending[:WRITE_BATCH])
                    pending = pending[WRITE_BATCH:]
                done += len(task_result)
                if time.monotonic() - last_log > 5 or done == corpus.distinct:
                    elapsed = time.monotonic() - started
                    log(
                        f"  {done:,}/{corpus.distinct:,} records enriched, "
                        f"{report.articles:,} written ({done / elapsed:,.0f} records/s)"
                    )
                    last_log = time.monotonic()
            if pending:
                flush(pending)
            if corpus.copies > 1:
                log(f"copying the {report.articles:,} articles up to {corpus.n:,}")
                report.articles += replicate_articles(
                    cursor, corpus.copies, target=corpus.n, log=log
                )
                # The copies took ids above the originals': the importer's next id
                # must come after them (an import into the 1M corpus collided).
                cursor.execute("SELECT max(id) + 1 FROM articles_article")
                next_article = cursor.fetchone()[0]
            report.enrich_seconds = time.monotonic() - started

            index_started = time.monotonic()
            cursor.execute(
                f"""
                INSERT INTO {tables[6]} (event_id, company_id)
                SELECT id, main_company_id FROM {tables[5]} WHERE main_company_id IS NOT NULL
                UNION
                SELECT a.event_id, ac.company_id
                FROM {tables[4]} ac JOIN {tables[0]} a ON a.id = ac.article_id
                WHERE ac.in_title AND a.event_id IS NOT NULL
                """  # noqa: S608 - table names from the models
            )
            for table, next_id in ((tables[0], next_article), (tables[5], assigner.next_id)):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, next_id]
                )
            log(f"recreating {len(restore)} indexes and foreign keys")
            for statement in restore:
                cursor.execute(statement)
            rebuild_derived_data(cursor, log)
            report.index_seconds = time.monotonic() - index_started
            batch.created_count = report.articles
            batch.status = ImportBatch.Status.SUCCEEDED
            batch.finished_at = timezone.now()
            batch.save()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()

    report.events = Event.objects.count()
    vacuum_started = time.monotonic()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM ANALYZE'} {table}"
            )
    report.vacuum_seconds = time.monotonic() - vacuum_started
    report.seconds = time.monotonic() - started
    return report


def rebuild_derived_data(cursor, log: Callable[[str], None]) -> None:
    """The one place to recompute data derived from the link tables after the load.

    The COPYs above ran with triggers off (``session_replication_role = replica``);
    the facet rows and published counts the triggers keep are rebuilt here in bulk.
    """
    from articles.denormalized import rebuild_all

    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    started = time.monotonic()
    rows = rebuild_all()
    log(f"rebuilt {rows:,} facet rows in {time.monotonic() - started:.1f} s")


def _article(row: tuple, pk: int, companies: dict[str, int]) -> dict:
    (
        _index, url, link, title, summary, event_summary, content_hash, source, line, tags,
        mentions, main_slug, event_type, cues, event_date, precision, vector, bigrams,
    ) = row  # fmt: skip
    return {
        "id": pk,
        "canonical_url": url,
        "url": link,
        "source_domain": source_domain(link),
        "title": title,
        "summary": summary,
        "event_summary": event_summary,
        "content_hash": content_hash,
        "source_file": source,
        "source_line": line,
        "tags": tags,
        "mentions": mentions,
        "main_company_id": companies.get(main_slug),
        "event_type": event_type,
        "event_cues": cues,
        "event_date": event_date,
        "event_date_precision": precision,
        "search_vector": vector,
        "bigram_vector": bigrams,
    }


def _write_chunk(
    cursor,
    chunk,
    assigner,
    article_columns,
    batch_id,
    version,
    now,
    upsert_tags,
    report,
    kinds,
    companies,
):
    events: list[tuple] = []
    for start in range(0, len(chunk), ENRICH_CHUNK):
        events.extend(assigner.assign(chunk[start : start + ENRICH_CHUNK], now))

    links: dict[str, list[tuple]] = {}
    for kind, model, link_model in kinds:
        names = [name for article in chunk for _, name, _ in article["tags"][kind]]
        ids = upsert_tags(model, names) if names else {}
        rows = []
        for article in chunk:
            seen: set[int] = set()
            for position, name, _ in article["tags"][kind]:
                tag_id = ids[tag_key(name)]
                if tag_id not in seen:
                    seen.add(tag_id)
                    rows.append((article["id"], tag_id, position))
        links[link_model._meta.db_table] = rows

    company_rows = []
    for article in chunk:
        linked: set[int] = set()
        main = article["main_company_id"]
        for slug, count, in_title in article["mentions"]:
            company_id = companies.get(slug)
            if company_id is None or company_id in linked:
                continue
            linked.add(company_id)
            company_rows.append((article["id"], company_id, count, in_title, company_id == main))
        if main and main not in linked:
            company_rows.append((article["id"], main, 0, False, True))

    values = {
        "extra_fields": "{}",
        "status": "published",
        "created_at": now,
        "updated_at": now,
        "import_batch_id": batch_id,
        "curated_fields": "[]",
        "enriched_at": now,
        "dictionary_version": version,
    }

    def article_rows():
        for article in chunk:
            row = []
            for column in article_columns:
                if column in values:
                    row.append(values[column])
                elif column == "event_cues":
                    row.append(json.dumps(article["event_cues"], ensure_ascii=False))
                else:
                    row.append(article[column])
            yield row

    tables = _written_tables()
    _copy(
        cursor,
        tables[5],
        ["id", "title", "event_type", "date", "date_precision", "main_company_id", "created_at"],
        events,
    )
    report.articles += _copy(cursor, tables[0], article_columns, article_rows())
    for table, rows in links.items():
        report.links += _copy(cursor, table, ["article_id", "tag_id", "position"], rows)
    report.links += _copy(
        cursor,
        tables[4],
        ["article_id", "company_id", "mentions", "in_title", "is_main"],
        company_rows,
    )
    _copy(
        cursor, tables[7], ["article_id", "vector"], ((a["id"], a["bigram_vector"]) for a in chunk)
    )


def main_progress(message: str) -> None:  # pragma: no cover - console helper
    print(message, file=sys.stderr, flush=True)
