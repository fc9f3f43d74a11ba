"""Multiply a loaded corpus in SQL: the 1M benchmark database is 100,000 distinct
generated articles, each present ``copies`` times.

Why: enriching one generated article costs ~5 ms of CPU (segmentation, company
matching, the search vector), so 1M distinct articles take about an hour on two
cores. The query benchmarks need 1M rows with realistic distributions — posting-list
lengths, tag and company frequencies, vector sizes, dates — and copies keep every
one of those ratios: a term in 30% of the distinct articles is in 30% of the copies.
What they do not give is 1M distinct texts (a rare term's count is multiplied by
``copies``). docs/BENCHMARKS.md says which corpus each table was measured on.

Each copy is a new article (new id, its own URL ``…#copy-k``), with the same text,
search vector, event, tags and companies as its original.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# Article columns copied as they are; id and the URLs are rewritten per copy.
_REWRITTEN = {"id", "canonical_url", "url"}
_LINK_COLUMNS = {
    "articles_articlekeyword": ["position", "tag_id"],
    "articles_articletechnology": ["position", "tag_id"],
    "articles_articleindustry": ["position", "tag_id"],
    "articles_articlecompany": ["mentions", "in_title", "is_main", "company_id"],
    "articles_articlebigrams": ["vector"],
}


def replicate_articles(
    cursor, copies: int, *, target: int | None = None, log: Callable[[str], None] = print
) -> int:
    """Add ``copies - 1`` copies of every article (stopping at ``target`` articles).

    Runs on the caller's cursor and transaction; return the number of articles added.
    Integers only are formatted into the statements; every value comes from the tables.
    """
    from articles.models import Article

    if copies < 2:
        return 0
    columns = [f.column for f in Article._meta.concrete_fields if f.column not in _REWRITTEN]
    cursor.execute("SELECT count(*), coalesce(max(id), 0) FROM articles_article")
    originals, max_id = cursor.fetchone()
    target = target or originals * copies
    added = 0
    for copy in range(1, copies):
        wanted = min(originals, target - originals - added)
        if wanted <= 0:
            break
        started = time.monotonic()
        offset = copy * max_id
        selected = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO articles_article (id, canonical_url, url, {selected}) "  # noqa: S608
            f"SELECT id + {offset}, canonical_url || '#copy-{copy}', url || '#copy-{copy}', "
            f"{selected} FROM articles_article WHERE id <= {max_id} ORDER BY id LIMIT {wanted}"
        )
        last_copied = max_id if wanted == originals else _nth_id(cursor, max_id, wanted)
        for table, link_columns in _LINK_COLUMNS.items():
            listed = ", ".join(link_columns)
            cursor.execute(
                f"INSERT INTO {table} (article_id, {listed}) "  # noqa: S608
                f"SELECT article_id + {offset}, {listed} FROM {table} "
                f"WHERE article_id <= {last_copied}"
            )
        added += wanted
        log(f"  copy {copy}: {wanted:,} articles in {time.monotonic() - started:.1f} s")
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('articles_article', 'id'), "
        "(SELECT max(id) FROM articles_article))"
    )
    return added


def _nth_id(cursor, max_id: int, n: int) -> int:
    cursor.execute(
        "SELECT id FROM articles_article WHERE id <= %s ORDER BY id OFFSET %s LIMIT 1",
        [max_id, n - 1],
    )
    return cursor.fetchone()[0]
