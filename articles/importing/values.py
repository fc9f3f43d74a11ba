"""Normalising and validating the field values of one record. Pure code.

Both readers (``.txt`` and JSON Lines) collect a :class:`RawRecord` of raw values and
call :func:`build_record`, so the same rules apply to both:

* every value loses NUL and other control characters except line feed and tab (C0,
  DEL and C1); CR LF and lone CR become LF;
* title: lines are trimmed and joined with one space; NFKC is not applied;
* summary, event summary and unknown (extra) fields: trailing spaces of each line and
  surrounding blank lines and spaces are removed, runs of blank lines between
  paragraphs become one blank line (``"\\n\\n"``); NFKC is not applied; an empty extra
  field is dropped;
* link: required, one line without spaces, http(s) only (checked by
  :func:`articles.importing.urls.canonical_url`); kept as written, not canonicalised;
* list fields: see :func:`split_list`; a JSON array's items are normalised the same
  way but not split.

Size limits are in :data:`MAX_FIELD_CHARS` and the constants below it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from .records import LIST_FIELDS, ParsedRecord, RecordError
from .urls import canonical_url

MAX_FIELD_CHARS: dict[str, int] = {
    "title": 500,
    "link": 2_000,
    "summary": 200_000,
    "event_summary": 20_000,
    "extra": 10_000,  # the value of one unknown field
    "extra_name": 100,  # the name of one unknown field
    "list_item": 100,  # one keyword, technology or industry
}
MAX_LIST_ITEMS = 50  # per list field
MAX_EXTRA_FIELDS = 50  # per record
MAX_FILE_BYTES = 50 * 1024 * 1024  # a whole file; larger files are not read

PROSE_FIELDS = ("summary", "event_summary")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# After NFKC, full-width ，；／｜ have become , ; / |; the ideographic comma 、 stays.
_LIST_SEPARATORS = re.compile(r"[,，、;；/|\n]")


def clean_text(value: str) -> str:
    """Unify line breaks to LF and drop control characters other than LF and tab."""
    return _CONTROL_CHARS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def normalise_prose(value: str) -> str:
    """Keep paragraphs: trailing spaces, surrounding and repeated blank lines go."""
    lines: list[str] = []
    blank = False
    for line in clean_text(value).split("\n"):
        line = line.rstrip()
        if not line:
            blank = bool(lines)
            continue
        if blank:
            lines.append("")
            blank = False
        lines.append(line)
    return "\n".join(lines).strip()


def normalise_title(value: str) -> str:
    return " ".join(part.strip() for part in clean_text(value).split("\n") if part.strip())


def _normalise_items(items: list[str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for item in items:
        item = " ".join(unicodedata.normalize("NFKC", clean_text(item)).split())
        key = item.casefold()
        if item and key not in seen:
            seen.add(key)
            result.append(item)
    return result


def split_list(value: str) -> list[str]:
    """Split a list field on ``, ， 、 ; ； / |`` and line breaks.

    Items are NFKC-normalised (full-width Latin becomes half-width), trimmed, with runs
    of spaces collapsed; empty items are dropped and case-insensitive duplicates removed,
    keeping the first spelling.
    """
    normalised = unicodedata.normalize("NFKC", clean_text(value))
    return _normalise_items(_LIST_SEPARATORS.split(normalised))


@dataclass
class RawField:
    line: int
    value: object = ""  # str from .txt; any JSON value from JSON Lines


@dataclass
class RawRecord:
    source: str
    line: int
    fields: dict[str, RawField] = field(default_factory=dict)
    extra: dict[str, RawField] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)

    def error(self, line: int | None, field_name: str | None, message: str) -> None:
        self.errors.append(RecordError(self.source, line, field_name, message))

    def add_extra(self, name: object, value: object, line: int) -> None:
        """Add an unknown field; JSON values that are not strings are stored as JSON."""
        name = clean_text(str(name)).strip()
        if not name:
            self.error(line, "extra", "a field has an empty name")
        elif len(name) > MAX_FIELD_CHARS["extra_name"]:
            limit = MAX_FIELD_CHARS["extra_name"]
            self.error(
                line, "extra", f"field name too long: {len(name):,} characters (limit {limit})"
            )
        elif name in self.extra:
            self.error(line, name, "duplicate field")
        else:
            if not isinstance(value, str):
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            self.extra[name] = RawField(line, value)


def build_record(raw: RawRecord) -> ParsedRecord | None:
    """Validate and normalise; on any problem return None, with the errors in ``raw.errors``."""
    title = _text(raw, "title", normalise_title)
    link = _link(raw)
    summary = _text(raw, "summary", normalise_prose)
    event_summary = _text(raw, "event_summary", normalise_prose)
    lists = {name: _list(raw, name) for name in LIST_FIELDS}
    extra = _extra(raw)
    if not title and not any(error.field == "title" for error in raw.errors):
        raw.error(_line(raw, "title"), "title", "missing field")
    if raw.errors:
        raw.errors.sort(key=lambda error: error.line or 0)
        return None
    return ParsedRecord(
        title=title,
        link=link,
        summary=summary,
        event_summary=event_summary,
        extra=extra,
        source=raw.source,
        line=raw.line,
        **lists,
    )


def _line(raw: RawRecord, name: str) -> int:
    return raw.fields[name].line if name in raw.fields else raw.line


def _too_long(raw: RawRecord, line: int, name: str, value: str, limit: int) -> bool:
    if len(value) <= limit:
        return False
    raw.error(line, name, f"too long: {len(value):,} characters (limit {limit:,})")
    return True


def _string(raw: RawRecord, name: str) -> str | None:
    value = raw.fields[name].value if name in raw.fields else ""
    if isinstance(value, str):
        return value
    raw.error(_line(raw, name), name, "must be a string")
    return None


def _text(raw: RawRecord, name: str, normalise) -> str:
    value = _string(raw, name)
    if value is None:
        return ""
    value = normalise(value)
    if _too_long(raw, _line(raw, name), name, value, MAX_FIELD_CHARS[name]):
        return ""
    return value


def _link(raw: RawRecord) -> str:
    value = _string(raw, "link")
    if value is None:
        return ""
    line = _line(raw, "link")
    link = clean_text(value).strip()
    if not link:
        raw.error(line, "link", "missing field")
    elif _too_long(raw, line, "link", link, MAX_FIELD_CHARS["link"]):
        pass
    elif any(ch.isspace() for ch in link):
        raw.error(line, "link", "contains spaces or line breaks")
    else:
        try:
            canonical_url(link)
        except ValueError as exc:  # InvalidURL, or urlsplit's own complaints
            raw.error(line, "link", str(exc) or "not a valid link")
    return link


def _list(raw: RawRecord, name: str) -> list[str]:
    if name not in raw.fields:
        return []
    line, value = raw.fields[name].line, raw.fields[name].value
    if isinstance(value, str):
        items = split_list(value)
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = _normalise_items(value)
    else:
        raw.error(line, name, "must be a string or a list of strings")
        return []
    if len(items) > MAX_LIST_ITEMS:
        raw.error(line, name, f"too many items: {len(items)} (limit {MAX_LIST_ITEMS})")
    limit = MAX_FIELD_CHARS["list_item"]
    for number, item in enumerate(items, start=1):
        if len(item) > limit:  # only the first, so one bad field gives one error
            raw.error(
                line, name, f"item {number} too long: {len(item):,} characters (limit {limit})"
            )
            break
    return items


def _extra(raw: RawRecord) -> dict[str, str]:
    if len(raw.extra) > MAX_EXTRA_FIELDS:
        raw.error(
            raw.line, "extra", f"too many fields: {len(raw.extra)} (limit {MAX_EXTRA_FIELDS})"
        )
    extra: dict[str, str] = {}
    for name, item in raw.extra.items():
        value = normalise_prose(str(item.value))
        if not _too_long(raw, item.line, name, value, MAX_FIELD_CHARS["extra"]) and value:
            extra[name] = value
    return extra
