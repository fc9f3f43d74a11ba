"""Full-text search over the Python-built search vector.

User text never reaches PostgreSQL's query parser as is: ``articles.text.query``
parses it and builds a tsquery only from quoted lexemes and operators; that string
is bound as a parameter and cast with ``::tsquery``. (``to_tsquery('simple', …)``
would re-split lexemes such as 'gpt-4o' and stop matching the vectors built in
Python.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F

from articles.dictionary import current_matcher
from articles.text.query import parse_query


class TsQuery(SearchQuery):
    """A tsquery literal passed as a parameter: ``%s::tsquery``.

    A SearchQuery subclass so that ``search_vector=`` lookups and SearchRank accept it.
    """

    template = "(%(expressions)s)::tsquery"

    def __init__(self, tsquery: str):
        super().__init__(tsquery, search_type="raw")


# Weights for D, C, B, A: title (A) counts most, the summary (C) least.
RANK_WEIGHTS = [0.05, 0.2, 0.5, 1.0]


@dataclass(frozen=True)
class CompiledSearch:
    text: str
    tsquery: str | None
    terms: list[str] = field(default_factory=list)  # normalised lexemes to highlight

    @property
    def is_empty(self) -> bool:
        return self.tsquery is None

    def search_query(self) -> TsQuery:
        return TsQuery(self.tsquery)


def compile_search(text: str) -> CompiledSearch:
    _version, matcher = current_matcher()
    query = parse_query(text or "", matcher.segmenter)
    tsquery = query.to_tsquery(matcher.expand)
    return CompiledSearch(text=text, tsquery=tsquery, terms=query.highlight_terms(matcher.expand))


def apply_search(queryset, search: CompiledSearch, rank: bool = True):
    """Filter to matching articles; with ``rank``, annotate ``rank`` for ordering."""
    if search.is_empty:
        return queryset.none()
    query = search.search_query()
    queryset = queryset.filter(search_vector=query)
    if rank:
        queryset = queryset.annotate(
            rank=SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS)
        )
    return queryset
