"""Import rate: generated records through the real importer, rolled back after."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def measure_import(n: int, seed: int) -> dict:
    """Import N generated records with the real importer, then undo it.

    Timed: parse, enrich, write, and the foreign-key checks a commit would run
    (``SET CONSTRAINTS ALL IMMEDIATE``); then, timed apart, the merge of the search
    indexes' pending entries that a job runs once the import has committed; then
    rolled back so the corpus stays as it was.
    The rows it wrote are then written again by COPY alone (``bench.import_floor``):
    PostgreSQL's share, the bound on any importer here.
    """
    from django.db import connection, transaction

    from articles.importing.created import merge_pending_entries
    from articles.importing.service import import_paths
    from bench.corpus import Corpus
    from bench.import_floor import capture, highest_ids, measure_floor

    stages: dict[str, float] = {}

    def progress(iterable, description, total):
        def timed():
            started = time.perf_counter()
            yield from iterable
            stages[description] = stages.get(description, 0.0) + time.perf_counter() - started

        return timed()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        Corpus(n, seed).write_files(Path(directory))
        size = sum(p.stat().st_size for p in Path(directory).iterdir())
        print(f"importing {n:,} generated records ({size / 1e6:.1f} MB) with import_paths …")
        with transaction.atomic():
            before = highest_ids()
            started = time.perf_counter()
            report = import_paths([directory], progress=progress)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
            merge_started = time.perf_counter()
            merged_pages = merge_pending_entries()
            merge_seconds = time.perf_counter() - merge_started
            written = capture(before)
            transaction.set_rollback(True)
    _vacuum()
    figure = {
        "records": n,
        "created": report.created,
        "errors": len(report.errors),
        "seconds": seconds,
        "records_per_second": report.created / seconds if seconds else 0,
        "bytes": size,
        "stages_s": {k: round(v, 2) for k, v in stages.items()},
        "merge_job_seconds": round(merge_seconds, 2),
        "merge_job_pages": merged_pages,
        "records_per_second_with_merge": report.created / (seconds + merge_seconds)
        if seconds
        else 0,
    }
    print(
        f"  import: {figure['records_per_second']:.0f} records/s "
        f"({report.created:,} created in {seconds:.1f} s; stages {figure['stages_s']}); "
        f"then the merge job: {merge_seconds:.1f} s ({merged_pages:,} pending pages), "
        f"{figure['records_per_second_with_merge']:.0f} records/s with it"
    )
    if report.created:
        figure["postgresql_alone"] = measure_floor(written, report.created)
        _vacuum()
    return figure


def _vacuum() -> None:
    """Clear the rolled-back rows, so that the pages measured next do not meet them."""
    from django.db import connection

    from bench.import_floor import TABLES

    with connection.cursor() as cursor:
        for table, _ in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
