"""A planner setting for the queries that read the bigram table.

PostgreSQL prices ``@@`` as if it cost nothing, but each bigram vector is a
compressed, out-of-line value of ~15 kB: for a common string (a match in most
articles) the planner scanned the table and decompressed every vector, 1.2 s at
100,000 articles, where the GIN index alone answers in 23 ms (a lexeme or prefix
match needs no recheck). Statements that name the table run with sequential scans
priced off; every other statement is left alone. An ``execute_wrapper`` on each
new connection, so that the ORM's own statements (lists, counts, facets, exports)
are covered wherever they are built.
"""

from __future__ import annotations

from psycopg.pq import TransactionStatus

BIGRAM_TABLE = '"articles_articlebigrams"'


def avoid_sequential_scans_of_bigrams(execute, sql, params, many, context):
    if BIGRAM_TABLE not in sql:
        return execute(sql, params, many, context)
    raw = context["connection"].connection
    raw.execute("SET enable_seqscan = off")
    try:
        return execute(sql, params, many, context)
    finally:
        if not raw.closed and raw.info.transaction_status != TransactionStatus.INERROR:
            raw.execute("RESET enable_seqscan")


def install(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: add the wrapper to a new PostgreSQL connection."""
    if connection.vendor == "postgresql" and (
        avoid_sequential_scans_of_bigrams not in connection.execute_wrappers
    ):
        connection.execute_wrappers.append(avoid_sequential_scans_of_bigrams)
