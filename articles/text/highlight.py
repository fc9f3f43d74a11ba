"""Mark search terms in article text, safely.

Matching runs on the normalised text (so "臺積電", "ＧＰＴ" and "OpenAI" in the
original match the normalised terms "台积电", "gpt", "openai") and is mapped back to
the original characters, which are what gets shown. The original is HTML-escaped
piecewise; the only tags in the output are our own ``<mark>``/``</mark>`` pairs,
never nested. Returns plain ``str``; the Django layer marks it safe.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from .normalize import normalize, normalize_with_offsets

__all__ = ["highlight", "snippet", "find_matches"]

ELLIPSIS = "…"
_ASCII_ALNUM = re.compile(r"[a-z0-9]")
_WS = re.compile(r"\s+")


def find_matches(text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
    """``(start, end, term)`` spans in ``text`` (original offsets), unmerged, sorted.

    A Latin/number term only matches at ASCII word boundaries, so "ai" does not
    light up inside "said"; Chinese terms match anywhere.
    """
    if not text:
        return []
    norm, offsets = normalize_with_offsets(text)
    spans = []
    for term in {normalize(t).strip() for t in terms if t}:
        if not term:
            continue
        bounded_start = bool(_ASCII_ALNUM.match(term[0]))
        bounded_end = bool(_ASCII_ALNUM.match(term[-1]))
        i = norm.find(term)
        while i >= 0:
            j = i + len(term)
            if not (
                (bounded_start and i > 0 and _ASCII_ALNUM.match(norm[i - 1]))
                or (bounded_end and j < len(norm) and _ASCII_ALNUM.match(norm[j]))
            ):
                spans.append((offsets[i], _source_end(offsets, j - 1, len(text)), term))
            i = norm.find(term, i + 1)
    spans.sort()
    return spans


def _source_end(offsets: list[int], j: int, text_length: int) -> int:
    """The original index just past the source of normalised char ``j``.

    Several normalised chars share a source when NFKC expanded it ("㈱" → "(株)").
    Worked out per match: a table for every char was a Python step per character of
    each summary on every search page.
    """
    source = offsets[j]
    for k in range(j + 1, len(offsets)):
        if offsets[k] != source:
            return offsets[k]
    return text_length


def _merge(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end, _term in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _render(text: str, start: int, end: int, spans, collapse: bool = False) -> str:
    def esc(s: str) -> str:
        s = html.escape(s, quote=True)
        return _WS.sub(" ", s) if collapse else s

    out = []
    pos = start
    for s, e in _merge(spans):
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        out.append(esc(text[pos:s]))
        out.append("<mark>" + esc(text[s:e]) + "</mark>")
        pos = e
    out.append(esc(text[pos:end]))
    return "".join(out)


def highlight(text: str, terms: Iterable[str], max_length: int | None = None, spans=None) -> str:
    """Escaped ``text`` with matches of ``terms`` wrapped in ``<mark>``.

    With ``max_length``, longer text is cut to that many characters plus "…".
    ``spans``: ``find_matches(text, terms)`` if the caller already has it (normalising
    a long text is the costly part of a result card).
    """
    if not text:
        return ""
    if spans is None:
        spans = find_matches(text, terms)
    cut = max_length is not None and len(text) > max_length
    if cut:
        text = text[: max(max_length, 0)]
    return _render(text, 0, len(text), spans) + (ELLIPSIS if cut else "")


def snippet(text: str, terms: Iterable[str], width: int = 160, spans=None) -> str:
    """An escaped window of about ``width`` chars around the best match.

    "Best" is the window covering the most distinct terms, earliest on ties; with
    no match it is the start of the text. Whitespace runs collapse to one space.
    ``spans``: as for ``highlight``.
    """
    if not text:
        return ""
    width = max(width, 1)
    if spans is None:
        spans = find_matches(text, terms)
    anchor, best = 0, 0
    for start, _end, _term in spans:
        covered = len({t for s, e, t in spans if start <= s and e <= start + width})
        if covered > best:
            anchor, best = start, covered
    # Show a little context before the first match.
    lo = max(0, anchor - width // 4) if spans else 0
    hi = min(len(text), lo + width)
    lo = max(0, hi - width)
    lo, hi = _snap(text, lo, hi)
    body = _render(text, lo, hi, spans, collapse=True).strip()
    return (ELLIPSIS if lo > 0 else "") + body + (ELLIPSIS if hi < len(text) else "")


def _snap(text: str, lo: int, hi: int, reach: int = 12) -> tuple[int, int]:
    """Move window edges out of the middle of a Latin word, if a space is near."""
    if 0 < lo < len(text) and _ASCII_ALNUM.match(text[lo - 1 : lo].lower()):
        space = text.find(" ", lo, lo + reach)
        if space >= 0:
            lo = space + 1
    if 0 < hi < len(text) and _ASCII_ALNUM.match(text[hi : hi + 1].lower()):
        space = text.rfind(" ", max(lo, hi - reach), hi)
        if space > lo:
            hi = space
    return lo, hi
