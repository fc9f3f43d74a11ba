"""The derived facet rows (``ArticleFacetRow``) and the data version: their SQL, in one place.

Triggers keep both true on every write path, whatever wrote (the importer, the
admin's inlines, curation merges, hides, deletes, raw SQL, COPY):

* statement-level triggers with transition tables on the article table and the four
  link tables recompute the affected articles' rows from the source tables, set-based;
* every such statement, and any TRUNCATE of those tables, stores a new value from a
  sequence in the one-row ``articles_dataversion`` table. Cached aggregates are keyed
  by it (articles.aggregate_cache). The row is transactional, so a reader never sees
  a version before the data it stands for is committed; the sequence never repeats a
  value, so a rolled-back transaction's version is never reused by other data.

A bulk loader may disable these triggers and call ``rebuild_all()`` at the end.
All SQL here is constant: no value from outside is formatted into it.
"""

# ruff: noqa: S608 - the SQL is built from this module's constants only

from __future__ import annotations

from django.db import connection, transaction

ROW_TABLE = "articles_articlefacetrow"
VERSION_TABLE = "articles_dataversion"
VERSION_SEQUENCE = "articles_data_version_seq"

# link table, its column naming the company or tag, the array column it feeds
LINKS = (
    ("articles_articlecompany", "company_id", "company_ids"),
    ("articles_articleindustry", "tag_id", "industry_ids"),
    ("articles_articletechnology", "tag_id", "technology_ids"),
    ("articles_articlekeyword", "tag_id", "keyword_ids"),
)
NAMED_TABLES = ("articles_company", "articles_industry", "articles_technology", "articles_keyword")
SCALARS = ("status", "event_type", "event_date", "main_company_id")
COLUMNS = ("article_id", *SCALARS, *(array for _, _, array in LINKS))


def _array_of(table: str, column: str, article: str) -> str:
    return (
        f"COALESCE((SELECT array_agg(l.{column} ORDER BY l.{column}) FROM {table} l "
        f"WHERE l.article_id = {article}), '{{}}')"
    )


def _upsert(source: str) -> str:
    """Write the rows of the articles in ``source`` (a table of article rows)."""
    arrays = ", ".join(_array_of(table, column, "a.id") for table, column, _ in LINKS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
    changed = " OR ".join(f"f.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in COLUMNS[1:])
    return (
        f"INSERT INTO {ROW_TABLE} AS f ({', '.join(COLUMNS)}) "
        f"SELECT a.id, {', '.join('a.' + c for c in SCALARS)}, {arrays} "
        f"FROM {source} a "
        f"ON CONFLICT (article_id) DO UPDATE SET {updates} WHERE {changed}"
    )


BUMP = (
    f"INSERT INTO {VERSION_TABLE} (id, version) VALUES (1, nextval('{VERSION_SEQUENCE}')) "
    f"ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version"
)


def _function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        # The version row first: writers queue on it before locking any count row.
        f"BEGIN\n{BUMP};\n{body};\nRETURN NULL;\nEND\n$$;"
    )


def _trigger(name: str, table: str, event: str, function: str) -> str:
    referencing = {
        "INSERT": "REFERENCING NEW TABLE AS new_rows",
        "DELETE": "REFERENCING OLD TABLE AS old_rows",
        "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "TRUNCATE": "",
    }[event]
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    )


COUNT_TABLE = "articles_facetcount"
# dimension of articles_facetcount → its key, as text, per facet row
COUNTED = (
    *((array.removesuffix("_ids"), f"unnest({array})::text") for _, _, array in LINKS),
    ("event_type", "event_type"),
    ("month", "COALESCE(date_trunc('month', event_date)::date::text, '')"),
)


def _count_changes(*sources: tuple[str, int]) -> str:
    """Add the published rows of each (transition table, +1 or -1) to the counts."""
    parts = [
        f"SELECT '{dimension}' AS dimension, {key} AS key, {sign} AS delta "
        f"FROM {table} WHERE status = 'published'"
        for table, sign in sources
        for dimension, key in COUNTED
    ]
    return (
        f"INSERT INTO {COUNT_TABLE} AS c (dimension, key, count) "
        f"SELECT dimension, key, sum(delta) FROM ({' UNION ALL '.join(parts)}) d "
        "GROUP BY dimension, key HAVING sum(delta) <> 0 ORDER BY dimension, key "
        "ON CONFLICT (dimension, key) DO UPDATE SET count = c.count + EXCLUDED.count"
    )


def _install_sql() -> list[str]:
    scalars_changed = " OR ".join(f"f.{c} IS DISTINCT FROM n.{c}" for c in SCALARS)
    statements = [
        f"CREATE SEQUENCE IF NOT EXISTS {VERSION_SEQUENCE};",
        f"CREATE OR REPLACE FUNCTION articles_bump_data_version() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$\nBEGIN\n{BUMP};\nRETURN NULL;\nEND\n$$;",
        # Articles: a new one gets its row (arrays from links already there, if any);
        # an update copies the changed public fields; a delete cascades (foreign key).
        _function("articles_facetrow_article_insert", _upsert("new_rows")),
        _function(
            "articles_facetrow_article_update",
            f"UPDATE {ROW_TABLE} f SET "
            + ", ".join(f"{c} = n.{c}" for c in SCALARS)
            + f" FROM new_rows n WHERE f.article_id = n.id AND ({scalars_changed})",
        ),
        _trigger("facetrow_article_insert", "articles_article", "INSERT",
                 "articles_facetrow_article_insert"),
        _trigger("facetrow_article_update", "articles_article", "UPDATE",
                 "articles_facetrow_article_update"),
        _trigger("facetrow_article_delete", "articles_article", "DELETE",
                 "articles_bump_data_version"),
        _trigger("facetrow_article_truncate", "articles_article", "TRUNCATE",
                 "articles_bump_data_version"),
    ]  # fmt: skip
    for table, column, array in LINKS:
        refresh = (
            f"UPDATE {ROW_TABLE} f SET {array} = {_array_of(table, column, 'f.article_id')} "
            "WHERE f.article_id IN (IDS)"
        )
        inserted = refresh.replace("IDS", "SELECT article_id FROM new_rows")
        deleted = refresh.replace("IDS", "SELECT article_id FROM old_rows")
        updated = refresh.replace(
            "IDS", "SELECT article_id FROM new_rows UNION SELECT article_id FROM old_rows"
        )
        for event, body in (("INSERT", inserted), ("DELETE", deleted), ("UPDATE", updated)):
            function = f"articles_facetrow_{table.removeprefix('articles_')}_{event.lower()}"
            statements.append(_function(function, body))
            statements.append(_trigger(f"facetrow_{event.lower()}", table, event, function))
        statements.append(
            _trigger("facetrow_truncate", table, "TRUNCATE", "articles_bump_data_version")
        )
    # The facet rows' own changes keep the published counts (no version bump: the
    # statement that changed the rows bumps it).
    for event, sources in (
        ("INSERT", [("new_rows", 1)]),
        ("DELETE", [("old_rows", -1)]),
        ("UPDATE", [("new_rows", 1), ("old_rows", -1)]),
    ):
        function = f"articles_facetcount_{event.lower()}"
        statements.append(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{_count_changes(*sources)};\nRETURN NULL;\nEND\n$$;"
        )
        statements.append(_trigger(f"facetcount_{event.lower()}", ROW_TABLE, event, function))
    statements.append(
        "CREATE OR REPLACE FUNCTION articles_facetcount_truncate() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$\nBEGIN\nDELETE FROM {COUNT_TABLE};\nRETURN NULL;\nEND\n$$;"
    )
    statements.append(
        _trigger("facetcount_truncate", ROW_TABLE, "TRUNCATE", "articles_facetcount_truncate")
    )
    for table in NAMED_TABLES:
        # Names and slugs are read fresh, but cached orderings break ties by name.
        statements.append(
            f"CREATE TRIGGER aggregates_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION articles_bump_data_version();"
        )
    statements.append(
        # The database deletes an article's row with it (Django's collector ignores it).
        f"ALTER TABLE {ROW_TABLE} ADD CONSTRAINT facetrow_article_fk FOREIGN KEY (article_id) "
        "REFERENCES articles_article (id) ON DELETE CASCADE;"
    )
    return statements


def _uninstall_sql() -> list[str]:
    statements = [f"ALTER TABLE {ROW_TABLE} DROP CONSTRAINT IF EXISTS facetrow_article_fk;"]
    for table in NAMED_TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS aggregates_version ON {table};")
    for table in ("articles_article", *(table for table, _, _ in LINKS)):
        for event in ("insert", "update", "delete", "truncate"):
            statements.append(f"DROP TRIGGER IF EXISTS facetrow_{event} ON {table};")
            statements.append(f"DROP TRIGGER IF EXISTS facetrow_article_{event} ON {table};")
        for event in ("insert", "update", "delete"):
            name = f"articles_facetrow_{table.removeprefix('articles_')}_{event}"
            statements.append(f"DROP FUNCTION IF EXISTS {name}();")
    for event in ("insert", "update", "delete", "truncate"):
        statements.append(f"DROP TRIGGER IF EXISTS facetcount_{event} ON {ROW_TABLE};")
        statements.append(f"DROP FUNCTION IF EXISTS articles_facetcount_{event}();")
    statements.append("DROP FUNCTION IF EXISTS articles_bump_data_version();")
    statements.append(f"DROP SEQUENCE IF EXISTS {VERSION_SEQUENCE};")
    return statements


INSTALL_SQL = _install_sql()
UNINSTALL_SQL = _uninstall_sql()


def _rebuild_sql() -> str:
    joins = []
    arrays = []
    for index, (table, column, _array) in enumerate(LINKS):
        joins.append(
            f"LEFT JOIN (SELECT article_id, array_agg({column} ORDER BY {column}) AS ids "
            f"FROM {table} GROUP BY article_id) l{index} ON l{index}.article_id = a.id"
        )
        arrays.append(f"COALESCE(l{index}.ids, '{{}}')")
    return (
        f"INSERT INTO {ROW_TABLE} ({', '.join(COLUMNS)}) "
        f"SELECT a.id, {', '.join('a.' + c for c in SCALARS)}, {', '.join(arrays)} "
        f"FROM articles_article a {' '.join(joins)}"
    )


def rebuild_all() -> int:
    """Recompute every article's facet row from the source tables; return the row count.

    Set-based (one INSERT … SELECT with grouped link tables), for backfills and bulk
    loaders that ran with these triggers disabled. It empties the table first
    (TRUNCATE: readers of the facet rows wait until it commits); the published counts
    are recounted by the facet rows' own triggers, in the same statement.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL statement_timeout = 0")  # a bulk job, not a page
        cursor.execute(f"TRUNCATE {ROW_TABLE}, {COUNT_TABLE}")
        cursor.execute(_rebuild_sql())
        count = cursor.rowcount
        cursor.execute(BUMP)
        cursor.execute(f"ANALYZE {ROW_TABLE}, {COUNT_TABLE}")
    return count
