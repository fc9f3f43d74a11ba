"""Full-text search over the Python-built search vector.

User text never reaches PostgreSQL's query parser as is: ``articles.text.query``
parses it and builds a tsquery only from quoted lexemes and operators; that string
is bound as a parameter and cast with ``::tsquery``. (``to_tsquery('simple', …)``
would re-split lexemes such as 'gpt-4o' and stop matching the vectors built in
Python.)

A term the dictionary does not know as one word is matched in the article's
character-bigram vector (``ArticleBigrams``, ``articles.text.bigrams``) instead of the
word vector; ``CompiledSearch.condition`` combines the two.

Query code: it builds on the text code (parsing, segmentation) and on nothing above
the models. The company dictionary a query is compiled with is the caller's
(``articles.dictionary.search_for`` passes the current one), and a cache of the ranked
head is the caller's too (``RelevanceOrder(head_cache=…)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Model, Q

from articles.text.companies import CompanyMatcher
from articles.text.query import TsQueries, parse_query


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
    """A search as tsqueries on the word vector and the bigram vector (``TsQueries``)."""

    text: str
    queries: TsQueries | None
    terms: list[str] = field(default_factory=list)  # normalised text to highlight

    @property
    def is_empty(self) -> bool:
        return self.queries is None

    @property
    def tsquery(self) -> str | None:
        """The word vector's part (None when the bigram vector answers everything)."""
        return self.queries.words if self.queries else None

    @property
    def key(self) -> tuple:
        """What the matches depend on, for cache keys."""
        queries = self.queries
        return (queries.words, queries.bigrams, queries.either, queries.excluded)

    def condition(self) -> Q:
        """The articles that match, as a filter."""
        queries = self.queries
        condition = Q()
        if queries.words:
            condition &= Q(search_vector=TsQuery(queries.words))
        if queries.bigrams:
            condition &= bigram_matches(queries.bigrams)
        for words, bigrams in queries.either:
            condition &= Q(search_vector=TsQuery(words)) | bigram_matches(bigrams)
        for excluded in queries.excluded:
            condition &= ~bigram_matches(excluded)
        return condition

    def rank(self):
        """Relevance: ``ts_rank`` on each vector with its part of the query, summed."""
        queries = self.queries
        words = [queries.words, *(w for w, _ in queries.either)]
        bigrams = [queries.bigrams, *(b for _, b in queries.either)]
        ranks = [
            SearchRank(
                F(column), TsQuery(" | ".join(f"( {p} )" for p in parts)), weights=RANK_WEIGHTS
            )
            for column, parts in (
                ("search_vector", [p for p in words if p]),
                ("bigrams__vector", [p for p in bigrams if p]),
            )
            if parts
        ]
        return ranks[0] if len(ranks) == 1 else ranks[0] + ranks[1]


def bigram_matches(tsquery: str) -> Q:
    """Articles whose bigram vector matches (see ``articles.planner`` for the plan)."""
    return Q(bigrams__vector=TsQuery(tsquery))


def compile_search(text: str, matcher: CompanyMatcher) -> CompiledSearch:
    """``text`` as tsqueries, segmented and expanded with ``matcher``'s dictionary."""
    query = parse_query(text or "", matcher.segmenter)
    queries = query.to_tsqueries(matcher.expand)
    return CompiledSearch(text=text, queries=queries, terms=query.highlight_terms(matcher.expand))


def apply_search(queryset, search: CompiledSearch, rank: bool = True):
    """Filter to matching articles; with ``rank``, annotate ``rank`` for ordering."""
    if search.is_empty:
        return queryset.none()
    queryset = queryset.filter(search.condition())
    if rank:
        queryset = queryset.annotate(rank=search.rank())
    return queryset


# -- relevance order over a bounded candidate set -----------------------------------
#
# Ranking reads every ranked article's search vector (TOASTed: one detoast each), so
# ranking all 300,000 matches of a common term at 1M articles takes seconds. The
# relevance order therefore ranks a bounded candidate set only: the newest
# ``rank_candidates()`` matches. The head of the order is that set by rank (ties
# newest first); after it come the remaining matches newest first, which are exactly
# ``matches.newest_first()[K:]`` because the head is ``newest_first()[:K]``. Every
# position is therefore well defined and pages past the head are reachable and
# consistent. A search with fewer than K matches is ranked exactly, as before (the
# head is all of them), and its count is the head's length.

RANK_CANDIDATES = 200  # a multiple of the list's (20) and the JSON's (50) page sizes


def rank_candidates() -> int:
    return getattr(settings, "SEARCH_RANK_CANDIDATES", RANK_CANDIDATES)


RANKED_ORDER = ("-rank", "-event_date", "-id")


def ranked(queryset, search: CompiledSearch):
    """``queryset`` (already filtered to matches) annotated with ``rank``, best first."""
    return queryset.annotate(rank=search.rank()).order_by(*RANKED_ORDER)


class RelevanceOrder:
    """The matches in relevance order, sliceable like a queryset (for Paginator).

    ``matches``: the filtered, unranked articles; ``prepare``: what a page needs on top
    (``select_related``, prefetches, ``for_cards``; or ``values_list`` whose first
    value is the pk), applied to each page's query. ``head_cache(key, compute)``, if
    given, returns the ranked ids cached under ``key`` (the search and the candidate
    count; the caller adds what else ``matches`` depends on), or ``compute()``'s.
    """

    def __init__(self, matches, search: CompiledSearch, *, prepare=None, head_cache=None):
        self.matches = matches.order_by()
        self.search = search
        self.prepare = prepare or (lambda queryset: queryset)
        self.candidates = rank_candidates()
        self.head_cache = head_cache

    def head(self):
        """The ranked candidate set (a queryset): ranks at most K vectors."""
        newest = self.matches.newest_first().values("pk")[: self.candidates]
        candidates = self.matches.model._default_manager.filter(pk__in=newest)
        return ranked(candidates, self.search)

    @cached_property
    def head_ids(self) -> list[int]:
        def compute() -> list[int]:
            return list(self.head().values_list("pk", flat=True))

        if self.head_cache is None:
            return compute()
        return self.head_cache((self.search.key, self.candidates), compute)

    @property
    def known_total(self) -> int | None:
        """The number of matches if all of them are in the head (then ranked exactly).

        A rare term's page thus needs no separate count query (nor its planning).
        """
        return len(self.head_ids) if len(self.head_ids) < self.candidates else None

    def tail(self):
        """Every match in candidate order; the part after the head continues the order."""
        return self.prepare(self.matches.newest_first())

    def _rows(self, ids: list[int]) -> list:
        rows = self.prepare(self.matches.model._default_manager.filter(pk__in=ids))
        by_pk = {row.pk if isinstance(row, Model) else row[0]: row for row in rows}
        return [by_pk[pk] for pk in ids if pk in by_pk]

    def count(self) -> int:
        known = self.known_total
        return known if known is not None else self.matches.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        start, stop = key.start or 0, key.stop
        if key.step or stop is None:
            raise ValueError("RelevanceOrder supports bounded slices only")
        items = []
        if start < self.candidates:
            items += self._rows(self.head_ids[start:stop])
        if stop > self.candidates and self.known_total is None:
            items += list(self.tail()[max(start, self.candidates) : stop])
        return items

    def iterator(self, chunk_size: int = 2000):
        """Every match in this order, streaming the part after the head (CSV)."""
        yield from self._rows(self.head_ids)
        if self.known_total is None:
            yield from self.tail()[self.candidates :].iterator(chunk_size=chunk_size)
