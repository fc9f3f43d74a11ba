"""Event-date extraction from Chinese and English news text. Pure code, no Django.

``extract_event_date`` looks at the event summary first, then the summary, then the
title, and returns the date of *the* event: among several dates in a field it prefers
precise ones standing near event-announcing words (发布, 宣布, 举办 …) and avoids dates
that only state a figure "as of" a day (截至 …) or a founding year.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

Precision = Literal["day", "month", "year"]

MIN_YEAR, MAX_YEAR = 1990, 2099

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "o": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})
_CN_DIGIT = "〇零○一二三四五六七八九"
_CN_NUM = f"[{_CN_DIGIT}十]{{1,3}}"

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_NAME = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_Y = r"(?<!\d)(?P<y>(?:19|20)\d\d)"
_YC = rf"(?P<y>(?:19|20)\d\d|[{_CN_DIGIT}]{{4}})"
_M = r"(?P<m>\d{1,2})"
_D = r"(?P<d>\d{1,2})"
_MC = rf"(?P<m>\d{{1,2}}|{_CN_NUM})"
_DC = rf"(?P<d>\d{{1,2}}|{_CN_NUM})"
_S = r"\s*"

# (regex, precision, year explicit?, a string the text must contain, "" for none; "A" for
# Latin letters) — tried in this order; later ones skip spans earlier ones covered.
_PATTERNS: list[tuple[re.Pattern[str], Precision, bool, str]] = [
    (re.compile(rf"{_YC}{_S}年{_S}{_MC}{_S}月{_S}{_DC}{_S}[日号]"), "day", True, "月"),
    (re.compile(rf"{_Y}(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep){_D}(?![\d.])"), "day", True, ""),
    (re.compile(rf"\b{_MONTH_NAME}\s+{_D}(?:st|nd|rd|th)?,?\s+{_Y}\b", re.I), "day", True, "A"),
    (
        re.compile(rf"\b{_D}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME},?\s+{_Y}\b", re.I),
        "day",
        True,
        "A",
    ),
    (re.compile(rf"(?<![\d年月]){_MC}{_S}月{_S}{_DC}{_S}[日号]"), "day", False, "月"),
    (re.compile(rf"{_YC}{_S}年{_S}{_MC}{_S}(?:月|份)"), "month", True, "年"),
    (re.compile(rf"\b{_MONTH_NAME},?\s+{_Y}\b", re.I), "month", True, "A"),
    (re.compile(rf"{_YC}{_S}年(?!度)"), "year", True, "年"),
    (re.compile(rf"\b(?:in|since|by)\s+{_Y}\b", re.I), "year", True, "A"),
]
_LATIN_WORD = re.compile(r"[A-Za-z]{3}")
# Bare 4-digit years ("2023腾讯全球数字生态大会", "2023财年") used only to infer missing years.
_YEAR_MENTION = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?![\d.%])")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")

# Words that announce the event a date belongs to, and words that mark other kinds of dates.
# Words that announce the event a date belongs to, with how surely they do: an effective
# date (起施行) or an opening-up (开放) is less often *the* event than a release or an
# announcement.
EVENT_WORDS: dict[str, float] = dict.fromkeys(
    (
        "发布", "宣布", "推出", "举办", "举行", "召开", "开幕", "上线", "完成", "公布", "官宣",
        "亮相", "揭晓", "签署", "签约", "达成", "开源", "印发", "出台", "披露", "宣告", "问世",
        "announce", "launch", "release", "unveil", "introduce", "open-source", "held", "filed",
    ),
    1.0,
) | dict.fromkeys(
    (
        "施行", "实施", "生效", "启动", "通过", "上市", "交付", "开放", "获得", "正式", "表决",
        "effect",
    ),
    0.5,
)  # fmt: skip
AVOID_WORDS = ("截至", "截止", "成立于", "创立于", "创办于", "始于", "出生于")
AVOID_AFTER = ("成立", "创立", "创办", "出生", "以来", "至今", "以前", "之前")
_EVENT_RE = re.compile(
    "|".join(
        (r"\b" if w[0].isascii() else "") + re.escape(w)
        for w in sorted(EVENT_WORDS, key=len, reverse=True)
    ),
    re.I,
)
_AVOID_BEFORE = re.compile("(?:" + "|".join(map(re.escape, AVOID_WORDS)) + r")\s*$")
_AVOID_AFTER = re.compile(r"\s*(?:" + "|".join(map(re.escape, AVOID_AFTER)) + ")")
_NEAR = 30  # characters either side in which an event word counts as "near"
_PRECISION_SCORE = {"day": 2.0, "month": 1.0, "year": 0.0}


@dataclass(frozen=True)
class EventDate:
    date: dt.date
    precision: Precision
    source: str  # the field it came from: "event_summary", "summary" or "title"


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    year: int | None
    month: int
    day: int
    precision: Precision


def _num(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4 and "十" not in text:  # 二〇二三
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    if "十" in text:  # 十, 十二, 二十, 二十三
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in text))


def _scan(text: str) -> list[_Found]:
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []
    latin = bool(_LATIN_WORD.search(text))
    for pattern, precision, explicit, needs in _PATTERNS:
        if needs and not (latin if needs == "A" else needs in text):
            continue
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            groups = m.groupdict()
            try:
                year = _num(groups["y"]) if explicit else None
                month = _month(groups["mon"]) if groups.get("mon") else _num(groups.get("m") or "1")
                day = _num(groups["d"]) if groups.get("d") else 1
            except (KeyError, ValueError):
                continue
            taken.append((start, end))  # an invalid date's pieces are not dates either
            if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
                continue
            if not _valid(year or 2000, month, day):  # 2000 is a leap year: 2月29日 passes
                continue
            found.append(_Found(start, end, year, month, day, precision))
    found.sort(key=lambda f: f.start)
    return found


def _month(name: str) -> int:
    name = name.lower().rstrip(".")
    return _MONTHS[name[:4] if name.startswith("sept") else name[:3]]


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _year_mentions(text: str) -> list[tuple[int, int]]:
    """(position, year) of every plausible year in ``text``."""
    out = []
    for m in _YEAR_MENTION.finditer(text):
        year = int(m.group(1))
        if MIN_YEAR <= year <= MAX_YEAR:
            out.append((m.start(), year))
    for f in _scan_years_cn(text):
        out.append(f)
    return out


def _scan_years_cn(text: str) -> list[tuple[int, int]]:
    if "年" not in text:
        return []
    return [(m.start(), _num(m.group(1))) for m in re.finditer(f"([{_CN_DIGIT}]{{4}})年", text)]


def _infer_year(
    text: str, pos: int, mentions: list[tuple[int, int]], fallback: Callable[[], int | None]
) -> int | None:
    """The year of a month-day at ``pos``: one in the same sentence, else the nearest
    preceding mention in the field, else the article's most common year."""
    sent_start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, pos)), default=0)
    end_match = _SENTENCE_END.search(text, pos)
    sent_end = end_match.start() if end_match else len(text)
    in_sentence = [(abs(p - pos), y) for p, y in mentions if sent_start <= p < sent_end]
    if in_sentence:
        return min(in_sentence)[1]
    before = [(p, y) for p, y in mentions if p < pos]
    if before:
        return max(before)[1]
    return fallback()


def _score(text: str, f: _Found, length: int) -> float:
    score = _PRECISION_SCORE[f.precision]
    best = 0.0
    for m in _EVENT_RE.finditer(text, max(0, f.start - _NEAR), min(len(text), f.end + _NEAR)):
        gap = f.start - m.end() if m.end() <= f.start else max(0, m.start() - f.end)
        if _SENTENCE_END.search(text, min(m.start(), f.end), max(m.start(), f.start)):
            continue  # an event word in another sentence does not belong to this date
        weight = EVENT_WORDS[m.group(0).lower()]
        best = max(best, weight * (1.0 - 0.5 * gap / _NEAR))
    score += 2.0 * best
    return score - 1.0 * f.start / max(length, 1)  # news leads with the event's date


def _avoided(text: str, f: _Found) -> bool:
    """A date that only anchors a figure (截至…) or a founding (…成立)."""
    before = _AVOID_BEFORE.search(text, max(0, f.start - 6), f.start)
    return bool(before or _AVOID_AFTER.match(text, f.end))


def _candidates(
    text: str, fallback_year: Callable[[], int | None]
) -> list[tuple[bool, float, dt.date, Precision]]:
    found = _scan(text)
    if not found:
        return []
    mentions = _year_mentions(text)
    out = []
    for f in found:
        year = f.year if f.year is not None else _infer_year(text, f.start, mentions, fallback_year)
        if year is None or not _valid(year, f.month, f.day):
            continue
        date = dt.date(year, f.month, f.day)
        out.append((not _avoided(text, f), _score(text, f, len(text)), date, f.precision))
    return out


def _prep(text: str) -> str:
    return unicodedata.normalize("NFKC", text) if text else ""


def extract_event_date(event_summary: str, summary: str = "", title: str = "") -> EventDate | None:
    """The date of the article's event, or None. See the module docstring."""
    fields = [("event_summary", event_summary), ("summary", summary), ("title", title)]
    fields = [(name, _prep(text)) for name, text in fields]

    @cache
    def fallback() -> int | None:  # the article's most common year, only when needed
        counts = Counter(y for _, text in fields for _, y in _year_mentions(text))
        return max(counts, key=lambda y: (counts[y], y)) if counts else None

    # Dates after 截至/成立于 … count only when no field has anything else.
    best = None
    for name, text in fields:
        cands = _candidates(text, fallback)
        if cands:
            usable, _, date, precision = max(cands, key=lambda c: (c[0], c[1]))
            if usable:
                return EventDate(date, precision, name)
            best = best or EventDate(date, precision, name)
    return best
