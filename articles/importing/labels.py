"""Field labels of the seed ``.txt`` format and how label lines are recognised. Pure code.

A label line looks like ``^\\s*LABEL\\s*[:：]\\s*(value)``: optional indentation (any
Unicode space, plus zero-width spaces and stray byte order marks), the label, optional
spaces, an ASCII ``:`` or full-width ``：`` colon, optional spaces, then the value.

*Known* labels (:data:`KNOWN_LABELS`) are matched after NFKC normalisation, case-folding
and removing spaces, ``_`` and ``-``: ``标题``, ``標題``, ``Title``, ``TITLE``, ``ＡＩ技術``
and ``AI  Technologies`` all work.

Anything else before the first colon is an *unknown* label only if it has the shape of a
short field name (see :func:`unknown_label_shape`):

* 1 to 12 characters, starting with a letter;
* only letters, digits, spaces and ``_ - & ' ·``: no sentence punctuation such as
  ``，。、！？“”,.!?;()``;
* a label with any non-ASCII character (``作者``) contains no spaces; an ASCII label
  (``Source``, ``Published at``) has at most three words;
* the colon is among the first 13 characters of the unindented line (label plus any
  spaces before the colon is at most 12 characters);
* the value does not start with ``//``, so ``https://…`` on its own line is not a label.

Whether an unknown-shaped line really starts a field also depends on where it is; the
parser decides that (see :mod:`articles.importing.parser`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# field -> the label spellings that name it (simplified, traditional, English).
LABEL_SPELLINGS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "標題", "Title"),
    "link": ("链接", "鏈接", "連結", "网址", "網址", "Link", "URL"),
    "summary": ("总结", "總結", "Summary"),
    "keywords": ("关键词", "關鍵詞", "Keywords", "Keyword"),
    "technologies": (
        "AI技术",
        "AI技術",
        "AI technologies",
        "AI technology",
        "Technologies",
        "Technology",
    ),
    "industries": ("行业", "行業", "Industries", "Industry"),
    "event_summary": (
        "重大事件摘要",
        "Major event",
        "Major events",
        "Major event summary",
        "Event summary",
    ),
}

# Characters ignored at the start of a line before a label.
INDENT_CHARS = "\ufeff\u200b\u200c\u200d\u2060"
_INDENT = re.compile(rf"[\s{INDENT_CHARS}]*")
# The colon of a known label must come within this many characters of the line start.
KNOWN_LABEL_WINDOW = 40
UNKNOWN_LABEL_MAX_CHARS = 12
UNKNOWN_LABEL_MAX_WORDS = 3
UNKNOWN_LABEL_EXTRA_CHARS = frozenset(" _-&'·")
SEPARATOR_CHARS = frozenset("-=*_~#")


def normalise_label(label: str) -> str:
    """The lookup key of a label: NFKC, case-folded, without spaces, ``_`` and ``-``."""
    folded = unicodedata.normalize("NFKC", label).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-")


KNOWN_LABELS: dict[str, str] = {
    normalise_label(spelling): field
    for field, spellings in LABEL_SPELLINGS.items()
    for spelling in spellings
}


@dataclass(frozen=True)
class LabelLine:
    """A line that looks like ``LABEL: value``; ``field`` is None for an unknown label."""

    label: str
    field: str | None
    value: str


def known_field(label: str) -> str | None:
    """The record field a label names, or None."""
    return _known_field(label) if len(label) <= KNOWN_LABEL_WINDOW else None


@functools.lru_cache(maxsize=4096)
def _known_field(label: str) -> str | None:
    return KNOWN_LABELS.get(normalise_label(label))


def unknown_label_shape(label: str) -> bool:
    """True if ``label`` (already stripped) looks like a short field name."""
    if not 1 <= len(label) <= UNKNOWN_LABEL_MAX_CHARS or not label[0].isalpha():
        return False
    if any(not (ch.isalnum() or ch in UNKNOWN_LABEL_EXTRA_CHARS) for ch in label):
        return False
    if label.isascii():
        return len(label.split()) <= UNKNOWN_LABEL_MAX_WORDS
    return not any(ch.isspace() for ch in label)


def match_label(line: str) -> LabelLine | None:
    """Recognise ``LABEL: value``; only the first few dozen characters are examined."""
    start = _INDENT.match(line).end()
    head = line[start : start + KNOWN_LABEL_WINDOW]
    positions = [pos for pos in (head.find(":"), head.find("：")) if pos > 0]
    if not positions:
        return None
    colon = min(positions)
    label = head[:colon].strip()
    value = line[start + colon + 1 :].strip()
    field = known_field(label)
    if field is not None:
        return LabelLine(label, field, value)
    shaped = colon <= UNKNOWN_LABEL_MAX_CHARS and unknown_label_shape(label)
    if shaped and not value.startswith("//"):
        return LabelLine(label, None, value)
    return None


def is_separator(line: str) -> bool:
    """A line like ``-----`` or ``=====`` (three or more of one of ``-=*_~#``)."""
    stripped = line.strip()
    return (
        len(stripped) >= 3
        and stripped[0] in SEPARATOR_CHARS
        and stripped == stripped[0] * len(stripped)
    )
