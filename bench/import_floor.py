"""PostgreSQL's share of an import: the rows an import wrote, written again by COPY.

``measure_import`` imports the records and, before rolling back, :func:`capture`
copies out every row the import wrote. :func:`measure_floor` writes exactly those rows
again with ``COPY`` (the cheapest way into PostgreSQL: no SQL to parse per row, no
Python per row), in the importer's order, with the same indexes, triggers and settings,
then rolls back; and once more with the search index dropped (in the transaction,
so it comes back with the rollback). The first rate bounds every importer on this
machine and schema: if Python took no time at all, an import could not store its
records faster than PostgreSQL does here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# The tables the importer writes, in the order it writes them, and how to find its
# rows: ids above the highest before the import (of the table, or of its article or
# event). The facet rows and counts are not copied: their triggers write them again.
TABLES = (
    ("articles_importbatch", "id"),
    ("articles_keyword", "id"),
    ("articles_technology", "id"),
    ("articles_industry", "id"),
    ("articles_event", "id"),
    ("articles_article", "id"),
    ("articles_articlekeyword", "article_id"),
    ("articles_articletechnology", "article_id"),
    ("articles_articleindustry", "article_id"),
    ("articles_articlecompany", "article_id"),
    ("articles_articlebigrams", "article_id"),
    ("articles_event_companies", "event_id"),
)
KEY_TABLE = {"id": None, "article_id": "articles_article", "event_id": "articles_event"}


def highest_ids() -> dict[str, int]:
    """Each table's highest id now (call before the import)."""
    from django.db import connection

    with connection.cursor() as cursor:
        highest = {}
        for table in [table for table, key in TABLES if key == "id"]:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - constants
            highest[table] = cursor.fetchone()[0]
    return highest


def capture(before: dict[str, int]) -> dict[str, tuple[list[str], bytes]]:
    """Every row written since ``before``: per table, its columns and COPY text."""
    from django.db import connection

    captured = {}
    with connection.cursor() as cursor:
        for table, key in TABLES:
            cursor.execute(
                "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [table],
            )
            columns = cursor.fetchone()[0]
            limit = before[KEY_TABLE[key] or table]
            data = bytearray()
            with cursor.copy(
                f"COPY (SELECT {columns} FROM {table} WHERE {key} > {int(limit)} "  # noqa: S608
                f"ORDER BY {key}) TO STDOUT"
            ) as copy:
                for block in copy:
                    data += block
            captured[table] = (columns, bytes(data))
    return captured


def measure_floor(
    captured: dict[str, tuple[str, bytes]], records: int, inspect: Callable[[], None] | None = None
) -> dict:
    """The captured rows written again by COPY: with the search index, then without.

    ``inspect`` (for the tests) is called after the first replay, before its rollback.
    """
    from django.db import connection, transaction

    from articles.importing.created import DEFERRED_SETTINGS, SEARCH_INDEXES

    figures = {}
    for variant in ("all indexes", "without the search indexes"):
        steps: dict[str, float] = {}
        with transaction.atomic(), connection.cursor() as cursor:
            if variant != "all indexes":
                for index in SEARCH_INDEXES:
                    cursor.execute(f"DROP INDEX {index}")
            started = time.perf_counter()
            for setting in DEFERRED_SETTINGS:
                cursor.execute(f"SET LOCAL {setting}")
            for table, (columns, data) in captured.items():
                began = time.perf_counter()
                with cursor.copy(
                    f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 - catalogue names
                ) as copy:
                    copy.write(data)
                steps[table] = time.perf_counter() - began
            if variant == "all indexes":
                began = time.perf_counter()
                for index in SEARCH_INDEXES:
                    cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
                steps["search index merge"] = time.perf_counter() - began
            began = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            steps["foreign-key checks"] = time.perf_counter() - began
            seconds = time.perf_counter() - started
            if inspect is not None and variant == "all indexes":
                inspect()
            transaction.set_rollback(True)
        to_commit = seconds - steps.get("search index merge", 0.0)
        figures[variant] = {
            "seconds": round(seconds, 2),
            "records_per_second": round(records / seconds) if seconds else 0,
            # The importer leaves the merge to a job after its commit.
            "records_per_second_to_commit": round(records / to_commit) if to_commit else 0,
            "steps_s": {name: round(value, 2) for name, value in steps.items()},
        }
        print(
            f"  PostgreSQL alone ({variant}): {records / seconds:.0f} records/s, "
            f"{figures[variant]['records_per_second_to_commit']} to the commit "
            f"({seconds:.1f} s; {figures[variant]['steps_s']})"
        )
    return figures
