"""Text normalisation shared by indexing, queries, highlighting and company matching.

Every string that is compared against indexed text must go through ``normalize`` so
that full-width forms, upper case and Traditional characters all meet the same
lexeme. Pure code: no Django imports.
"""

from __future__ import annotations

import re
import threading
import unicodedata

__all__ = ["normalize", "normalize_with_offsets", "to_simplified"]

_converter = None
_converter_lock = threading.Lock()

# NFKC already folds U+3000 to a space; the explicit map keeps that true even if a
# caller feeds text that skipped NFKC (e.g. to_simplified users).
_SPACE_FOLD = str.maketrans({"\u3000": " "})
_SURROGATE = re.compile("[\ud800-\udfff]")


def _get_converter():
    # OpenCC loads its dictionaries on construction (~10 ms); build it once per
    # process and only when first needed, so importing this module stays cheap.
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s, phrase-aware)."""
    if not text:
        return text
    try:
        return _get_converter().convert(text)
    except UnicodeEncodeError:
        # Lone surrogates (from broken input) cannot be UTF-8 encoded for OpenCC;
        # replacing each with U+FFFD keeps the length, so offsets stay valid.
        return _get_converter().convert(_SURROGATE.sub("\ufffd", text))


def normalize(text: str) -> str:
    """NFKC, full-width → half-width, lower case, Traditional → Simplified."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_SPACE_FOLD).lower()
    return to_simplified(text)


def _clusters(text: str):
    """Yield (start, cluster) where a cluster is a base char plus its combining marks.

    NFKC may compose a base with following combining marks, so those must be
    normalised together to agree with ``normalize`` on the whole string.
    """
    start = 0
    for i in range(1, len(text)):
        if not unicodedata.combining(text[i]):
            yield start, text[start:i]
            start = i
    if text:
        yield start, text[start:]


def _fold_cluster(cluster: str) -> str:
    return unicodedata.normalize("NFKC", cluster).translate(_SPACE_FOLD).lower()


class _FoldedChars(dict):
    """char → ``_fold_cluster(char)``, filled on first use; lookups stay in C."""

    LIMIT = 65_536  # distinct characters kept; more (odd input) starts afresh

    def __missing__(self, char: str) -> str:
        if len(self) >= self.LIMIT:
            self.clear()
        folded = self[char] = _fold_cluster(char)
        return folded


_FOLDED_CHARS = _FoldedChars()


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return ``(normalized, offsets)`` with ``offsets[i]`` = index in ``text`` of
    the original character that produced ``normalized[i]``.

    Strategy: NFKC + lower-case are applied per cluster (base char + combining
    marks), so a char that expands (e.g. "㈱" → "(株)") maps every output char to
    its source. OpenCC t2s is then applied to the whole string, which keeps its
    phrase-level accuracy; t2s is length-preserving in practice, and if it ever is
    not we fall back to converting char by char so the mapping stays exact.
    The result equals ``normalize(text)`` except for exotic composition cases.
    """
    if not text:
        return "", []
    lowered = text.replace("\u3000", " ").lower()  # _SPACE_FOLD; str.replace is faster
    if len(lowered) == len(text) and unicodedata.is_normalized("NFKC", lowered):
        # Fast path (the common case): every char maps to exactly one char.
        folded = lowered
        offsets = list(range(len(text)))
    elif not any(map(unicodedata.combining, set(text))):
        # Every cluster is one char (Chinese text with full-width punctuation lands
        # here): fold char by char through a cache, in C loops where possible.
        parts = list(map(_FOLDED_CHARS.__getitem__, text))
        folded = "".join(parts)
        if len(folded) == len(text) and list(map(len, parts)).count(1) == len(text):
            offsets = list(range(len(text)))
        else:
            offsets = [start for start, out in enumerate(parts) for _ in out]
    else:
        parts: list[str] = []
        offsets = []
        for start, cluster in _clusters(text):
            out = _fold_cluster(cluster)
            parts.append(out)
            offsets.extend([start] * len(out))
        folded = "".join(parts)
    simplified = to_simplified(folded)
    if len(simplified) != len(folded):
        simplified = "".join(to_simplified(ch) for ch in folded)
        if len(simplified) != len(folded):  # pragma: no cover - OpenCC never does this
            simplified = folded
    return simplified, offsets
