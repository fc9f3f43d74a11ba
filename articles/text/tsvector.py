"""Build PostgreSQL tsvector literals from segmented text.

PostgreSQL's own parsers cannot segment Chinese, so we segment in Python and hand
PostgreSQL a finished tsvector literal, passed as a bound parameter and cast with
``::tsvector`` (never interpolated into SQL).
"""

from __future__ import annotations

from collections.abc import Iterable

from .segment import Segmenter, get_segmenter

__all__ = [
    "build_tsvector",
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
    # lexeme -> {position: weight}
    entries: dict[str, dict[int, str]] = {}
    total_bytes = 0
    next_pos = 1
    for weight, text in weighted_texts:
        weight = (weight or "D").upper()
        if weight not in _WEIGHT_RANK:
            raise ValueError(f"invalid tsvector weight {weight!r}")
        if not text:
            continue
        last = next_pos - 1
        for lexeme, pos in seg.index_terms(text, start_position=next_pos):
            last = pos
            positions = entries.get(lexeme)
            if positions is None:
                size = len(lexeme.encode("utf-8"))
                if size > MAX_LEXEME_BYTES or "\x00" in lexeme:
                    continue
                if total_bytes + size > _MAX_TOTAL_LEXEME_BYTES:
                    continue
                total_bytes += size
                positions = entries[lexeme] = {}
            pos = min(pos, MAX_POSITION)
            old = positions.get(pos)
            if old is None:
                if len(positions) < MAX_POSITIONS_PER_LEXEME:
                    positions[pos] = weight
            elif _WEIGHT_RANK[weight] > _WEIGHT_RANK[old]:
                positions[pos] = weight
        next_pos = last + 1 + PART_GAP
    return " ".join(
        quote_lexeme(lexeme) + ":" + ",".join(_fmt(p, w) for p, w in sorted(positions.items()))
        for lexeme, positions in sorted(entries.items())
    )


def _fmt(pos: int, weight: str) -> str:
    return str(pos) if weight == "D" else f"{pos}{weight}"
