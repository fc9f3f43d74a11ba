"""A search page's facet counts in one statement, so the full-text match runs once.

Each dimension is counted under every *other* active filter (articles.facets). As
one aggregate per dimension, each re-ran the search's ``@@`` match: a GIN bitmap
and a visit of every matching article row, five times (seconds for a common term at
1M articles). Here the facet rows matching the search and the filters shared by
every dimension (dates, exclusions) are materialised once, and each dimension's own
conditions — the other facet filters — are applied to that narrow set.

The SQL text is made of this module's constants (column names) and of the ORM's
compiled SQL for the shared part; every value is a bound parameter.
"""

from __future__ import annotations

from django.db import connections

from articles.filters import FACETS, ArticleFilter
from articles.models.facets import ARRAY_COLUMNS

FACET_FILTERS = tuple(spec.param for spec in FACETS)
_COLUMNS = ("event_type", "main_company_id", *ARRAY_COLUMNS.values())


def _condition(name: str, value, main_only: bool) -> tuple[str, list]:
    """Facet filter ``name`` as SQL over the materialised rows, with its parameters."""
    if name == "event_type":
        return '"event_type" = ANY(%s::text[])', [sorted(value)]
    ids = sorted(item.pk for item in value)
    if name == "company" and main_only:
        return '"main_company_id" = ANY(%s::int[])', [ids]
    return f'"{ARRAY_COLUMNS[name]}" && %s::int[]', [ids]


def _counted_value(param: str, main_only: bool) -> str:
    if param == "event_type":
        return '"event_type"'
    if param == "company" and main_only:
        return '"main_company_id"'
    return f'unnest("{ARRAY_COLUMNS[param]}")'


def search_facet_counts(
    filterset: ArticleFilter, limit: int, *, sampled: bool = False
) -> dict[str, list[tuple]]:
    """``{facet parameter: [(value, count), …]}`` (the top ``limit``), one query.

    Only for a filterset with a non-empty search (otherwise nothing is shared).
    ``sampled``: counted over the fixed sample only (articles.models.sampling).
    """
    data = filterset.form.cleaned_data
    main_only = bool(data.get("main_company_only"))
    shared = filterset.facet_rows_without(*FACET_FILTERS, sampled=sampled)
    shared = shared.order_by().values_list(*_COLUMNS)
    shared_sql, shared_params = shared.query.sql_with_params()
    parts, params = [], list(shared_params)
    for spec in FACETS:
        conditions, condition_params = ["TRUE"], []
        for name in FACET_FILTERS:
            if name != spec.param and data.get(name):
                sql, values = _condition(name, data[name], main_only)
                conditions.append(sql)
                condition_params += values
        parts.append(
            f"(SELECT %s, value::text, n FROM (SELECT value, count(*) AS n FROM ("  # noqa: S608
            f"SELECT {_counted_value(spec.param, main_only)} AS value FROM matched "
            f"WHERE {' AND '.join(conditions)}) AS rows WHERE value IS NOT NULL "
            "GROUP BY value ORDER BY n DESC, value LIMIT %s) AS top)"
        )
        params += [spec.param, *condition_params, limit]
    statement = f"WITH matched AS MATERIALIZED ({shared_sql}) " + " UNION ALL ".join(parts)
    counts: dict[str, list[tuple]] = {spec.param: [] for spec in FACETS}
    with connections[shared.db].cursor() as cursor:
        cursor.execute(statement, params)
        for param, value, n in cursor.fetchall():
            counts[param].append((value if param == "event_type" else int(value), n))
    for values in counts.values():
        values.sort(key=lambda item: (-item[1], item[0]))
    return counts
