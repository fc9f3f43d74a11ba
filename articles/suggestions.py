"""'Did you mean' for searches with no results: near spellings of known names."""

from __future__ import annotations

import difflib

from django.db.models import Count

from articles.models import Company, CompanyName, Industry, Keyword, Technology

VOCABULARY_TAGS = 2000  # the most used tags of each kind; enough for near spellings


def _vocabulary() -> list[str]:
    names = list(Company.objects.values_list("name", flat=True))
    names += Company.objects.exclude(name_en="").values_list("name_en", flat=True)
    names += CompanyName.objects.values_list("name", flat=True)
    for model in (Keyword, Technology, Industry):
        names += (
            model.objects.annotate(n=Count("article_links"))
            .order_by("-n")
            .values_list("name", flat=True)[:VOCABULARY_TAGS]
        )
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
