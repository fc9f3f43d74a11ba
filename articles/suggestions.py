"""'Did you mean' for searches with no results: near spellings of known names."""

from __future__ import annotations

import difflib

from articles.aggregate_cache import cached
from articles.dictionary import current_matcher
from articles.models import Company, CompanyName, FacetCount
from articles.page_aggregates import TAG_MODELS

VOCABULARY_TAGS = 2000  # the most used tags of each kind; enough for near spellings


def _vocabulary() -> list[str]:
    """Company names and the most used tags' names, cached per data and dictionary version.

    Tag popularity is the trigger-kept published count (FacetCount), not a ``Count`` over
    the link tables: that took 0.6 s at 100k articles, on every search with no results.
    """
    dictionary_version, _ = current_matcher()
    return cached("vocabulary", (dictionary_version, VOCABULARY_TAGS), _read_vocabulary)


def _read_vocabulary() -> list[str]:
    names = list(Company.objects.values_list("name", flat=True))
    names += Company.objects.exclude(name_en="").values_list("name_en", flat=True)
    names += CompanyName.objects.values_list("name", flat=True)
    for kind, model in TAG_MODELS.items():
        top = [int(key) for key, _ in FacetCount.objects.top(kind, VOCABULARY_TAGS)]
        names += model.objects.filter(pk__in=top).order_by("name").values_list("name", flat=True)
    return names


def near_spellings(text: str, limit: int = 3) -> list[str]:
    words = text.split()
    if not words or len(words) > 4:
        return []
    vocabulary = _vocabulary()
    lowered = {name.lower(): name for name in vocabulary}
    found: list[str] = []
    for word in words:
        for match in difflib.get_close_matches(word.lower(), list(lowered), n=limit, cutoff=0.6):
            name = lowered[match]
            if name.lower() != word.lower() and name not in found:
                found.append(name)
    return found[:limit]
