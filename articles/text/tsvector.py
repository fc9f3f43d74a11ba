"""Build PostgreSQL tsvector literals from segmented text.

PostgreSQL's own parsers cannot segment Chinese, so we segment in Python and hand
PostgreSQL a finished tsvector literal, passed as a bound parameter and cast with
``::tsvector`` (never interpolated into SQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .segment import Segmenter, get_segmenter

__all__ = [
    "build_tsvector",
    "tsvector_from_tokens",
    "quote_lexeme",
    "MAX_POSITION",
    "MAX_POSITIONS_PER_LEXEME",
    "MAX_LEXEME_BYTES",
]

# Limits from PostgreSQL's tsvector implementation (see "Text Search Types").
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
MAX_LEXEME_BYTES = 2046
# The whole tsvector must stay under 1 MB of lexeme text; leave headroom.
_MAX_TOTAL_LEXEME_BYTES = 1_000_000
# A gap between parts so a phrase query cannot match across title and summary.
PART_GAP = 1

_WEIGHT_RANK = {"A": 3, "B": 2, "C": 1, "D": 0}


def quote_lexeme(lexeme: str) -> str:
    """Quote a lexeme for tsvector/tsquery input: ``'...'``, ``'`` doubled, ``\\`` escaped."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def build_tsvector(
    weighted_texts: Iterable[tuple[str, str]], segmenter: Segmenter | None = None
) -> str:
    """``[("A", title), ("C", summary)]`` → ``"'腾讯':1A '大模型':3A,17C"``.

    Positions run on across parts (with a gap) and are clamped to 16383; each
    lexeme keeps at most 256 positions; a position seen with several weights keeps
    the strongest. Over-long lexemes are dropped. Empty input gives ``''``.
    """
    seg = segmenter or get_segmenter()
    return tsvector_from_tokens(
        ((weight, seg.cut(text) if text else None) for weight, text in weighted_texts), seg
    )


def tsvector_from_tokens(
    weighted_tokens: Iterable[tuple[str, Sequence[str] | None]], segmenter: Segmenter | None = None
) -> str:
    """``build_tsvector`` for texts already cut by ``segmenter.cut``.

    ``None`` stands for an empty text (it takes no positions, not even the gap).
    """
    seg = segmenter or get_segmenter()
    parts = list(weighted_tokens)
    if sum(len(tokens) + PART_GAP for _, tokens in parts if tokens is not None) < MAX_POSITION:
        return _unclamped(parts, seg)
    return _clamped(parts, seg)


def _weight(weight: str | None) -> str:
    weight = (weight or "D").upper()
    if weight not in _WEIGHT_RANK:
        raise ValueError(f"invalid tsvector weight {weight!r}")
    return weight


def _unclamped(parts, seg: Segmenter) -> str:
    """The common case: no position reaches MAX_POSITION, so none repeats per lexeme.

    Groups first (a dict keeps first-seen order, which the byte budget needs), then
    filters; the result is the same as ``_clamped``'s, with less work per lexeme.
    The inner loop runs once per token and lexeme (half the CPU time of an import's
    enrichment): formatted positions come from a table, terms from the memo.
    """
    terms = seg.terms
    known = seg.known_terms()
    grouped: dict[str, list[str]] = {}
    get = grouped.get
    next_pos = 1
    for weight, tokens in parts:
        formatted_at = formatted_positions(_SUFFIX[_weight(weight)])
        if tokens is None:
            continue
        for pos, word in enumerate(tokens, start=next_pos):
            formatted = formatted_at[pos]
            for lexeme in known.get(word) or terms(word):
                positions = get(lexeme)
                if positions is None:
                    grouped[lexeme] = [formatted]
                else:
                    positions.append(formatted)
        next_pos += len(tokens) + PART_GAP
    kept = []
    total_bytes = 0
    memo = QUOTED_LEXEMES
    for lexeme, positions in grouped.items():
        quoted = memo.get(lexeme) or remember_quoted(lexeme)
        if not quoted or total_bytes + quoted[1] > _MAX_TOTAL_LEXEME_BYTES:
            continue
        total_bytes += quoted[1]
        kept.append((lexeme, quoted[0], positions))
    kept.sort()
    return " ".join(
        quoted + ":" + ",".join(positions[:MAX_POSITIONS_PER_LEXEME])
        for _, quoted, positions in kept
    )


# suffix -> ["0" + suffix, "1" + suffix, …] up to MAX_POSITION: built once per process
# (the bigram vector reads it too).
_POSITIONS: dict[str, list[str]] = {}


def formatted_positions(suffix: str) -> list[str]:
    table = _POSITIONS.get(suffix)
    if table is None:
        table = _POSITIONS[suffix] = [f"{pos}{suffix}" for pos in range(MAX_POSITION + 1)]
    return table


def _clamped(parts, seg: Segmenter) -> str:
    """The general case: positions past MAX_POSITION are clamped onto it."""
    terms = seg.terms
    quoted_memo = QUOTED_LEXEMES
    # lexeme -> its positions, formatted ("17C"), ascending: positions only grow.
    entries: dict[str, list[str]] = {}
    # lexemes whose last position is the clamped MAX_POSITION -> that one's weight rank
    at_max: dict[str, int] = {}
    total_bytes = 0
    next_pos = 1
    for weight, tokens in parts:
        weight = _weight(weight)
        if tokens is None:
            continue
        rank = _WEIGHT_RANK[weight]
        suffix = _SUFFIX[weight]
        pos = next_pos - 1
        for pos, word in enumerate(tokens, start=next_pos):
            clamped = pos >= MAX_POSITION
            formatted = f"{MAX_POSITION if clamped else pos}{suffix}"
            for lexeme in terms(word):
                positions = entries.get(lexeme)
                if positions is None:
                    quoted = quoted_memo.get(lexeme)
                    if quoted is None:
                        quoted = remember_quoted(lexeme)
                    if not quoted:  # over-long, or holds a NUL
                        continue
                    size = quoted[1]
                    if total_bytes + size > _MAX_TOTAL_LEXEME_BYTES:
                        continue
                    total_bytes += size
                    positions = entries[lexeme] = []
                if clamped and lexeme in at_max:
                    # The same (clamped) position again: the strongest weight wins.
                    if rank > at_max[lexeme]:
                        positions[-1] = formatted
                        at_max[lexeme] = rank
                elif len(positions) < MAX_POSITIONS_PER_LEXEME:
                    positions.append(formatted)
                    if clamped:
                        at_max[lexeme] = rank
        next_pos = pos + 1 + PART_GAP
    return " ".join(
        (quoted_memo.get(lexeme) or remember_quoted(lexeme))[0] + ":" + ",".join(positions)
        for lexeme, positions in sorted(entries.items())
    )


_SUFFIX = {"A": "A", "B": "B", "C": "C", "D": ""}
# lexeme -> (quoted, UTF-8 size), or () when it cannot be a lexeme; bounded.
QUOTED_LEXEMES: dict[str, tuple[str, int] | tuple[()]] = {}


def remember_quoted(lexeme: str) -> tuple[str, int] | tuple[()]:
    size = len(lexeme.encode("utf-8"))
    ok = size <= MAX_LEXEME_BYTES and "\x00" not in lexeme
    if len(QUOTED_LEXEMES) >= 300_000:
        QUOTED_LEXEMES.clear()
    value = QUOTED_LEXEMES[lexeme] = (quote_lexeme(lexeme), size) if ok else ()
    return value
