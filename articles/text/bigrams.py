"""Character bigrams of Chinese text: a second index for what segmentation misses.

The word index (``tsvector``) finds a word where jieba cut it out. A string that is
not a dictionary word falls apart into single characters ('一意' → '一' <-> '意'),
whose posting lists cover most of the corpus, and it is missed where the article's
text was cut differently ('统一/意见' holds 一意 across a word boundary). The bigram
vector indexes every run of CJK characters by its overlapping pairs, each at its
character position, plus the run's last character alone; so a string of n ≥ 2
characters is the phrase of its n − 1 pairs (one lexeme when n = 2) and a single
character is the prefix ``'X':*``. Either finds every article whose text contains the
string, and the pairs' posting lists are short.

Positions count CJK characters only, with a gap between runs and between parts, so a
phrase never spans punctuation, Latin text or two fields. Weights are the word
index's (title A, tags and event B, summary C), for ranking. Pure code: no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .normalize import normalize
from .tsvector import (
    MAX_POSITION,
    MAX_POSITIONS_PER_LEXEME,
    QUOTED_LEXEMES,
    formatted_positions,
    quote_lexeme,
    remember_quoted,
)

__all__ = ["CJK_CHARS", "CJK_RUN", "bigram_vector", "bigram_tsquery", "is_cjk"]

CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_SUFFIX = {"A": "A", "B": "B", "C": "C", "D": ""}


def is_cjk(text: str) -> bool:
    """Whether ``text`` is one run of CJK characters (no spaces, Latin or marks)."""
    return bool(text) and CJK_RUN.fullmatch(text) is not None


def bigram_vector(weighted_texts: Iterable[tuple[str, str | None]], *, normalized=False) -> str:
    """``[("A", title), ("C", summary)]`` → a tsvector literal of CJK bigrams.

    ``normalized``: the texts already went through ``normalize`` (the importer has
    them). Positions past 16383 are clamped (PostgreSQL keeps one of repeats), and a
    lexeme keeps its first 256. Lexemes are not sorted: PostgreSQL sorts its input.
    """
    grouped: dict[str, list[str]] = {}
    get = grouped.get
    pos = 0
    for weight, text in weighted_texts:
        if not text:
            continue
        table = formatted_positions(_SUFFIX[weight])
        for run in CJK_RUN.findall(text if normalized else normalize(text)):
            start = pos + 1
            end = start + len(run)
            pos = end  # one position of gap after every run
            if end <= MAX_POSITION:
                formatted = table[start:end]
            else:
                formatted = [table[min(p, MAX_POSITION)] for p in range(start, end)]
            # The pairs at their first character's position, the last character at its own.
            for lexeme, at in zip(map(str.__add__, run, run[1:]), formatted, strict=False):
                positions = get(lexeme)
                if positions is None:
                    grouped[lexeme] = [at]
                else:
                    positions.append(at)
            tail = run[-1]
            positions = get(tail)
            if positions is None:
                grouped[tail] = [formatted[-1]]
            else:
                positions.append(formatted[-1])
    memo = QUOTED_LEXEMES
    return " ".join(
        (memo.get(lexeme) or remember_quoted(lexeme))[0]
        + ":"
        + ",".join(at[:MAX_POSITIONS_PER_LEXEME])
        for lexeme, at in grouped.items()
    )


def bigram_tsquery(text: str) -> str:
    """The tsquery that finds ``text`` (one run of CJK characters) in a bigram vector."""
    if not is_cjk(text):
        raise ValueError(f"not a run of CJK characters: {text!r}")
    if len(text) == 1:
        return quote_lexeme(text) + ":*"
    return " <-> ".join(quote_lexeme(text[i : i + 2]) for i in range(len(text) - 1))
