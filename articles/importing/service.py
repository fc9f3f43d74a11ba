"""The importer: parse everything first, then write in one transaction.

The management command, the admin upload and the tests all call :func:`import_inputs`
(or :func:`import_paths`). Parsing is pure (``parser``); this module owns the writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from articles.models import Article, Company, ImportBatch
from articles.warming import warm_after_commit

from . import parser
from .created import insert_enriched
from .records import ParsedRecord, ParseResult, RecordError
from .sources import Input, collect_inputs
from .urls import canonical_url, source_domain
from .writer import replace_tag_links

# pg_advisory_xact_lock key: serialises concurrent imports' write phases, so that
# overlapping files never race on "does this URL exist yet" and never deadlock.
IMPORT_LOCK_KEY = 0x41524348  # "ARCH"
CHUNK_SIZE = 1000
# Stored in English on the batch (like its errors); the admin shows it translated.
EMPTY_DICTIONARY = gettext_noop(
    "The company dictionary is empty: no article is linked to a company and the site has "
    "no company facet. Load it (manage.py load_companies fixtures/companies.json), then "
    "link the articles already imported (manage.py enrich_articles --changed-dictionary)."
)

Progress = Callable[[Iterable, str, int], Iterable]


def no_progress(iterable: Iterable, description: str, total: int) -> Iterable:
    return iterable


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RecordError] = field(default_factory=list)
    dry_run: bool = False
    strict: bool = False
    rolled_back: bool = False
    batch: ImportBatch | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        prefix = "Dry run: would have " if self.dry_run else ""
        if self.rolled_back:
            prefix = "Strict mode: nothing imported; would have "
        return (
            f"{prefix}created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}; failed {self.failed}"
        )


def dictionary_warnings() -> list[str]:
    """What an import should shout about before it starts: an empty company dictionary.

    Migration 0010 loads the curated dictionary into a new archive; one that is empty
    anyway (emptied by hand, or the file was missing) links no company, silently.
    """
    return [] if Company.objects.exists() else [EMPTY_DICTIONARY]


def parse_inputs(inputs: Sequence[Input], progress: Progress = no_progress) -> ParseResult:
    result = ParseResult()
    for item in progress(inputs, "parsing", len(inputs)):
        if item.path is not None:
            result.extend(parser.parse_file(item.path, display_name=item.name))
        elif item.is_jsonl:
            result.extend(parser.parse_jsonl(item.data or b"", item.name))
        else:
            result.extend(parser.parse_bytes(item.data or b"", item.name))
    return result


def import_paths(arguments: list[str], *, stdin=None, **options) -> ImportReport:
    inputs, errors = collect_inputs(arguments, stdin=stdin)
    return import_inputs(inputs, collect_errors=errors, sources=arguments, **options)


def import_inputs(
    inputs: Sequence[Input],
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: Progress = no_progress,
    user=None,
    sources: Sequence[str] | None = None,
    collect_errors: Sequence[RecordError] = (),
    batch: ImportBatch | None = None,
) -> ImportReport:
    """Parse, then write in one transaction; the batch row records the outcome.

    ``batch``: an ImportBatch row created beforehand (status running), which this
    import fills in instead of creating one; the admin upload creates it first so
    that its page exists while the import runs in the background.
    """
    parsed = parse_inputs(inputs, progress)
    report = ImportReport(dry_run=dry_run, strict=strict, warnings=dictionary_warnings())
    report.errors = [*collect_errors, *parsed.errors]
    records = _last_record_per_url(parsed.records)
    sources = list(sources) if sources is not None else [item.name for item in inputs]

    if dry_run or (strict and report.errors):
        report.rolled_back = strict and bool(report.errors)
        _count_without_writing(records, report)
        if batch is not None:
            _finish_unwritten(batch, report, sources)
        return report

    try:
        with transaction.atomic():
            _write(records, report, sources=sources, user=user, progress=progress, batch=batch)
            if report.created or report.updated:
                warm_after_commit()  # once committed: the pages read first (articles/warming)
    except Exception as exc:
        # Nothing of this batch was written; keep a record of the attempt.
        report.created = report.updated = report.unchanged = 0
        report.errors.append(RecordError("<database>", None, None, f"import aborted: {exc}"))
        if batch is None:
            batch = ImportBatch(created_by=user)
        report.batch = batch
        _finish_unwritten(batch, report, sources, failed=True)
        raise
    return report


def _finish_unwritten(
    batch: ImportBatch, report: ImportReport, sources: list[str], failed: bool = False
) -> None:
    """Record an import that wrote no article (aborted, rolled back, or a dry run)."""
    if failed or report.rolled_back:
        status = ImportBatch.Status.FAILED
    else:
        status = ImportBatch.Status.PARTIAL if report.errors else ImportBatch.Status.SUCCEEDED
    batch.sources = list(sources)
    batch.strict = report.strict
    batch.status = status
    batch.created_count = batch.updated_count = batch.unchanged_count = 0
    batch.failed_count = report.failed
    batch.errors = [error.as_dict() for error in report.errors]
    batch.warnings = report.warnings
    batch.finished_at = timezone.now()
    batch.save()
    report.batch = batch


def _last_record_per_url(records: list[ParsedRecord]) -> dict[str, ParsedRecord]:
    """Key records by canonical URL; a later record for the same URL wins.

    Sorted so that every import touches rows in the same order.
    """
    by_url = {canonical_url(record.link): record for record in records}
    return dict(sorted(by_url.items()))


def _existing_hashes(urls: list[str]) -> dict[str, tuple[int, str]]:
    existing: dict[str, tuple[int, str]] = {}
    for start in range(0, len(urls), CHUNK_SIZE):
        rows = Article.objects.filter(canonical_url__in=urls[start : start + CHUNK_SIZE])
        for pk, url, content_hash in rows.values_list("pk", "canonical_url", "content_hash"):
            existing[url] = (pk, content_hash)
    return existing


def _count_without_writing(records: dict[str, ParsedRecord], report: ImportReport) -> None:
    existing = _existing_hashes(list(records))
    for url, record in records.items():
        if url not in existing:
            report.created += 1
        elif existing[url][1] != record.content_hash():
            report.updated += 1
        else:
            report.unchanged += 1


def _write(records, report: ImportReport, *, sources, user, progress: Progress, batch=None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
    if batch is None:
        batch = ImportBatch.objects.create(
            sources=list(sources), strict=report.strict, created_by=user, warnings=report.warnings
        )
    else:
        batch.sources = list(sources)
        batch.strict = report.strict
        batch.warnings = report.warnings
    report.batch = batch
    existing = _existing_hashes(list(records))
    now = timezone.now()
    new_articles: list[tuple[Article, ParsedRecord]] = []
    updated_articles: list[tuple[Article, ParsedRecord]] = []
    for url, record in records.items():
        content_hash = record.content_hash()
        if url in existing and existing[url][1] == content_hash:
            report.unchanged += 1
            continue
        article = Article(
            canonical_url=url,
            url=record.link,
            source_domain=source_domain(record.link),
            title=record.title,
            summary=record.summary,
            event_summary=record.event_summary,
            extra_fields=dict(sorted(record.extra.items())),
            content_hash=content_hash,
            import_batch=batch,
            source_file=record.source[:1024],
            source_line=record.line,
            updated_at=now,
        )
        if url in existing:
            article.pk = existing[url][0]
            updated_articles.append((article, record))
        else:
            article.created_at = now
            new_articles.append((article, record))

    # Updated articles first, as their (older) ids came first when all were enriched
    # after the writes: the events come out the same.
    _update_existing(updated_articles, progress)
    insert_enriched(new_articles, progress)
    report.created += len(new_articles)
    report.updated += len(updated_articles)

    batch.created_count = report.created
    batch.updated_count = report.updated
    batch.unchanged_count = report.unchanged
    batch.failed_count = report.failed
    batch.errors = [error.as_dict() for error in report.errors]
    batch.status = ImportBatch.Status.PARTIAL if report.errors else ImportBatch.Status.SUCCEEDED
    batch.finished_at = timezone.now()
    batch.save()


def _update_existing(updated: list[tuple[Article, ParsedRecord]], progress: Progress) -> None:
    """Write the records' fields and tags over existing articles, then re-enrich them."""
    chunks = [updated[start : start + CHUNK_SIZE] for start in range(0, len(updated), CHUNK_SIZE)]
    for chunk in progress(chunks, "updating", len(chunks)):
        Article.objects.bulk_update(
            [article for article, _ in chunk],
            [
                "url",
                "source_domain",
                "title",
                "summary",
                "event_summary",
                "extra_fields",
                "content_hash",
                "import_batch",
                "source_file",
                "source_line",
                "updated_at",
            ],
        )
        replace_tag_links(chunk, updated_ids={article.pk for article, _ in chunk})
    if updated:
        from articles.enrichment import enrich_articles

        enrich_articles([article.pk for article, _ in updated])
