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

import datetime as dt
import json
import multiprocessing
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from articles.importing.parser import parse_bytes
from articles.importing.urls import canonical_url, source_domain
from articles.text.companies import CompanyMatcher
from articles.text.normalize import normalize
from articles.text.pipeline import enrich_text
from articles.text.segment import Segmenter

from .corpus import Corpus
from .replicate import replicate_articles

ENRICH_CHUNK = 500  # articles.enrichment.CHUNK_SIZE: events are assigned per chunk
EVENT_WINDOW = dt.timedelta(days=3)  # articles.enrichment.EVENT_WINDOW
WORK_CHUNK = 100  # records per task sent to a worker
WRITE_BATCH = 2000  # articles per round of COPY statements
_AFTER_FULL_STOP = re.compile(r"(?<=。)")


class MemoSegmenter(Segmenter):
    """A Segmenter that remembers its cuts, sentence by sentence.

    jieba's precise mode cuts each run of Han/alphanumeric characters on its own, and
    our Latin-run gluing stops at any other token, so the tokens of a text are the
    tokens of its pieces split after each "。". Same output as ``Segmenter.cut``.
    """

    def __init__(self, *args, cache_limit: int = 500_000, **kwargs):
        self._cuts: dict[str, tuple[str, ...]] = {}
        self._limit = cache_limit
        super().__init__(*args, **kwargs)

    def _forget(self) -> None:
        self._cuts.clear()

    def load_user_dict(self, path) -> None:
        super().load_user_dict(path)
        self._forget()

    def add_words(self, words) -> None:
        super().add_words(words)
        self._forget()

    def set_company_words(self, words) -> None:
        super().set_company_words(words)
        self._forget()

    def _piece(self, piece: str) -> tuple[str, ...]:
        tokens = self._cuts.get(piece)
        if tokens is None:
            if len(self._cuts) >= self._limit:
                self._cuts.clear()
            tokens = self._cuts[piece] = tuple(self._raw_tokens(piece))
        return tokens

    def cut(self, text: str) -> list[str]:
        tokens: list[str] = []
        for piece in _AFTER_FULL_STOP.split(normalize(text)):
            if piece:
                tokens.extend(self._piece(piece))
        return tokens


# -- worker side ---------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerContext:
    n: int
    seed: int
    companies_path: str
    entries: list  # CompanyEntry, as the dictionary in the database has them
    names_by_slug: dict[str, str]
    # kind -> normalised tag name -> (identity, display name) for tags already stored
    # (an alias maps to its survivor): what the importer's links would point at.
    tag_names: dict[str, dict[str, tuple[str, str]]]


_STATE: dict = {}


def _init_worker(context: WorkerContext) -> None:
    if _STATE.get("context") is context:
        return  # forked from a parent that already built everything
    _STATE["context"] = context
    _STATE["corpus"] = Corpus(context.n, context.seed, context.companies_path)
    _STATE["corpus"].pool  # noqa: B018 - build it once
    _STATE["matcher"] = CompanyMatcher(context.entries, MemoSegmenter())


def _tag_key(name: str) -> str:
    from articles.models.tags import normalize_tag_name

    return normalize_tag_name(name)


def _enrich_record(index: int) -> tuple:
    context: WorkerContext = _STATE["context"]
    corpus: Corpus = _STATE["corpus"]
    source, line = corpus.source_name(index)
    parsed = parse_bytes(corpus.record(index).text().encode("utf-8"), source)
    if parsed.errors or len(parsed.records) != 1:
        raise ValueError(f"record {index} does not parse: {parsed.errors}")
    record = parsed.records[0]
    tags = {}
    for kind in ("keywords", "technologies", "industries"):
        known = context.tag_names.get(kind, {})
        seen: set[str] = set()
        items = []
        for position, name in enumerate(getattr(record, kind)):
            key = _tag_key(name)
            identity, display = known.get(key, (key, name))
            if identity not in seen:
                seen.add(identity)
                items.append((position, name, display))
        tags[kind] = items
    result = enrich_text(
        _STATE["matcher"],
        title=record.title,
        summary=record.summary,
        event_summary=record.event_summary,
        keywords=[display for _, _, display in tags["keywords"]],
        technologies=[display for _, _, display in tags["technologies"]],
        industries=[display for _, _, display in tags["industries"]],
        company_names=context.names_by_slug,
    )
    return (
        index,
        canonical_url(record.link),
        record.link,
        record.title,
        record.summary,
        record.event_summary,
        record.content_hash(),
        source[:1024],
        line,
        tags,
        [(m.slug, m.mentions, m.in_title) for m in result.companies],
        result.main_company,
        result.event_type,
        result.event_cues,
        result.event_date,
        result.event_date_precision,
        result.search_vector,
    )


def _work(indices: list[int]) -> list[tuple]:
    return [_enrich_record(index) for index in indices]


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


class EventAssigner:
    """``articles.enrichment.assign_events`` for new articles, in memory.

    Chunk by chunk of 500 articles (by id), each article in (date, id) order joins the
    first earlier event of the same type and main company within the window (earlier
    chunks' events newest first, as the query orders them, then this chunk's in
    creation order), or creates one.
    """

    def __init__(self, next_id: int):
        self.next_id = next_id
        # (type, company) -> date -> [(event id, precision)] in id order
        self.stored: dict[tuple, dict[dt.date, list[tuple[int, str]]]] = defaultdict(dict)

    @staticmethod
    def groupable(article: dict) -> bool:
        return bool(
            article["main_company_id"]
            and article["event_date"]
            and article["event_type"] != "other"
        )

    @staticmethod
    def _same(date, precision, article) -> bool:
        if precision == article["event_date_precision"] == "day":
            return abs(date - article["event_date"]) <= EVENT_WINDOW
        return (date, precision) == (article["event_date"], article["event_date_precision"])

    def _stored_match(self, article: dict) -> int | None:
        by_date = self.stored.get((article["event_type"], article["main_company_id"]))
        if not by_date:
            return None
        date = article["event_date"]
        if article["event_date_precision"] == "day":
            dates = [date + dt.timedelta(days=d) for d in range(3, -4, -1)]
        else:
            dates = [date]
        for day in dates:
            for event_id, precision in reversed(by_date.get(day, ())):
                if self._same(day, precision, article):
                    return event_id
        return None

    def assign(self, chunk: list[dict], now) -> list[tuple]:
        """Set ``event_id`` on each article; return the new events' rows."""
        created: list[tuple] = []
        fresh: dict[tuple, list[tuple[int, dt.date, str]]] = defaultdict(list)
        for article in sorted(chunk, key=lambda a: (a["event_date"] or dt.date.min, a["id"])):
            match = None
            groupable = self.groupable(article)
            key = (article["event_type"], article["main_company_id"])
            if groupable:
                match = self._stored_match(article)
                if match is None:
                    match = next(
                        (eid for eid, date, prec in fresh[key] if self._same(date, prec, article)),
                        None,
                    )
            if match is None:
                match = self.next_id
                self.next_id += 1
                created.append(
                    (
                        match,
                        article["title"][:500],
                        article["event_type"],
                        article["event_date"],
                        article["event_date_precision"],
                        article["main_company_id"],
                        now,
                    )
                )
                if groupable:
                    fresh[key].append(
                        (match, article["event_date"], article["event_date_precision"])
                    )
            article["event_id"] = match
        for key, events in fresh.items():
            for event_id, date, precision in events:
                self.stored[key].setdefault(date, []).append((event_id, precision))
        return created


def _written_tables():
    from articles.models import (
        Article,
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
    _init_worker(context)  # built once here; forked workers inherit it
    tasks = [order[i : i + WORK_CHUNK] for i in range(0, len(order), WORK_CHUNK)]

    pool = None
    if workers > 0:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        pool = multiprocessing.get_context(method).Pool(
            workers, initializer=_init_worker, initargs=(context,)
        )
        results = pool.imap(_work, tasks, chunksize=1)
    else:
        results = map(_work, tasks)

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
        mentions, main_slug, event_type, cues, event_date, precision, vector,
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
                tag_id = ids[_tag_key(name)]
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


def main_progress(message: str) -> None:  # pragma: no cover - console helper
    print(message, file=sys.stderr, flush=True)
