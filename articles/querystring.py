"""Canonical list URLs: a fixed parameter order, no empty values, no duplicates.

Every filtered view has exactly one URL, so bookmarks, feeds and caches agree. The
list view redirects any other spelling of the same view to this one.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.http import QueryDict

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
PARAM_ORDER = (
    "q",
    "company",
    "exclude_company",
    "main_company_only",
    "industry",
    "exclude_industry",
    "technology",
    "keyword",
    "event_type",
    "date_from",
    "date_to",
    "year",
    "sort",
    "page",
)
MULTI_VALUED = frozenset(
    {
        "company",
        "exclude_company",
        "industry",
        "exclude_industry",
        "technology",
        "keyword",
        "event_type",
    }
)
TRUE_VALUES = frozenset({"1", "true", "on", "yes"})
MAX_PAGE_DIGITS = 7
MAX_PAGE = 10**MAX_PAGE_DIGITS - 1


def canonical_params(data: QueryDict) -> list[tuple[str, str]]:
    """The canonical (name, value) pairs of a query: unknown names are dropped."""
    params: list[tuple[str, str]] = []
    for name in PARAM_ORDER:
        values = [value.strip() for value in data.getlist(name) if value.strip()]
        if not values:
            continue
        if name in MULTI_VALUED:
            params.extend((name, value) for value in sorted(set(values)))
            continue
        value = values[-1]
        if name == "q":
            # Control characters search nothing and cannot appear in XML (the feed).
            value = " ".join(CONTROL_CHARACTERS.sub(" ", value).split())
            if not value:
                continue
        elif name == "main_company_only":
            if value.lower() not in TRUE_VALUES:
                continue
            value = "1"
        elif name == "page":
            # Not a number above 1 (0, -1, abc, ²): dropped, i.e. page 1. A number past
            # the end shows the last page, however long: it is capped before int().
            if not (value.isascii() and value.isdigit()):
                continue
            digits = value.lstrip("0")
            value = str(MAX_PAGE) if len(digits) > MAX_PAGE_DIGITS else digits
            if int(value or "0") <= 1:
                continue
        params.append((name, value))
    return params


def to_querydict(params: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in params:
        data.appendlist(name, value)
    return data


def encode(params: list[tuple[str, str]]) -> str:
    return urlencode(params)


def without(params, name: str, value: str | None = None) -> list[tuple[str, str]]:
    """Params minus one value (or all values of ``name``), back on page 1."""
    return [
        (key, val)
        for key, val in params
        if key != "page" and not (key == name and (value is None or val == value))
    ]


POSITION = {name: index for index, name in enumerate(PARAM_ORDER)}


def with_value(params, name: str, value: str) -> list[tuple[str, str]]:
    """Params plus one value, canonical, back on page 1.

    ``params`` must be canonical. A list page builds a link like this for each of
    ~250 facet values, so a plain filter value is put in its place in the order
    rather than the whole query canonicalised again.
    """
    if name in MULTI_VALUED and value and value == value.strip():
        rest = [pair for pair in params if pair[0] != "page"]
        if (name, value) in rest:
            return rest
        place = (POSITION[name], value)
        at = next(
            (
                index
                for index, (key, val) in enumerate(rest)
                if (POSITION[key], val if key == name else "") > place
            ),
            len(rest),
        )
        return [*rest[:at], (name, value), *rest[at:]]
    data = to_querydict(without(params, "page"))
    if name in MULTI_VALUED:
        data.appendlist(name, value)
    else:
        data.setlist(name, [value])
    return canonical_params(data)


def filter_value_count(params) -> int:
    return sum(1 for key, _ in params if key in MULTI_VALUED)
