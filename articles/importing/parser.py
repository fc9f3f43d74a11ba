"""Parse article record files into :class:`ParsedRecord` objects. Pure code: no Django.

Entry points: :func:`parse_bytes` (the seed ``.txt`` format), :func:`parse_jsonl` (JSON
Lines), :func:`parse_file` (picks one by suffix) and :func:`split_list`. Problems never
raise: each becomes a :class:`RecordError` (``file:line: field: problem``), and a record
with any error is left out of ``records``. Bytes are decoded by
:mod:`articles.importing.decoding`; values are normalised and checked by
:mod:`articles.importing.values` (size limits: :data:`MAX_FIELD_CHARS` and friends).

The ``.txt`` format
-------------------
Lines end in LF, CR LF or CR. A label line is ``LABEL: value`` (ASCII or full-width colon,
spaces allowed around it; labels in :mod:`articles.importing.labels`). A value runs from
its label to the next label line, so values can span lines and keep their paragraphs.
Lines of three or more ``-``, ``=``, ``*``, ``_``, ``~`` or ``#`` alone are separators
and ignored.

Records: a title label when the current record already has a title starts a new record.
A record's ``line`` is the line of its title label. A repeated label other than the
title within one record is a ``duplicate field`` error. Non-blank text before the first
label is an error (it belongs to no record); a file without any known label gives one
``no records found`` error.

Unknown labels (``作者: 张三``, ``Source: xyz``) go into ``extra``. Summaries often contain
``someone said: …`` sentences, so an unknown label is accepted only if

1. it has the shape of a short field name (:func:`labels.unknown_label_shape`: at most
   12 characters, no sentence punctuation such as ``，。、！？“”``, colon within the
   first 13 characters of the line, no spaces inside a CJK label, at most three words
   in a Latin one, not ``https://…``), and
2. the line is not inside a prose value: while a summary or major-event summary is
   being read, or an unknown field whose value has already run onto a second non-blank
   line, only *known* labels end the value, and ``蒋杰认为：测试…`` stays in the text.

So unknown fields are recognised in the label block (before the summary, between
one-line fields, after list fields) and never split a summary.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .decoding import DecodeError, decode_bytes
from .labels import LabelLine, is_separator, known_field, match_label
from .records import ParseResult, RecordError
from .values import (
    MAX_EXTRA_FIELDS,
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    MAX_LIST_ITEMS,
    PROSE_FIELDS,
    RawField,
    RawRecord,
    build_record,
    split_list,
)

__all__ = [
    "MAX_EXTRA_FIELDS",
    "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES",
    "MAX_LIST_ITEMS",
    "JSONL_SUFFIXES",
    "parse_bytes",
    "parse_file",
    "parse_jsonl",
    "split_list",
]

JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_file(path: Path, display_name: str | None = None) -> ParseResult:
    """Read and parse one file: ``.jsonl``/``.ndjson`` as JSON Lines, anything else as ``.txt``."""
    source = display_name if display_name is not None else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return ParseResult(errors=[_too_large(source, size)])
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded even for special files
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return ParseResult(
            errors=[RecordError(source, None, None, f"cannot read the file: {reason}")]
        )
    if path.suffix.lower() in JSONL_SUFFIXES:
        return parse_jsonl(data, source)
    return parse_bytes(data, source)


def parse_bytes(data: bytes, source: str) -> ParseResult:
    """Parse the seed ``.txt`` format (see the module docstring)."""
    text, error = _decode(data, source)
    if error is not None:
        return ParseResult(errors=[error])
    return _TextParser(source).parse(text)


def parse_jsonl(data: bytes, source: str) -> ParseResult:
    """Parse JSON Lines: one object per line, blank lines skipped.

    Keys: ``title``, ``link`` (or ``url``), ``summary``, ``event_summary`` (or
    ``major_event``), ``keywords``, ``technologies``, ``industries`` (arrays of strings,
    or strings split by :func:`split_list`), ``extra`` (an object). Keys are matched like
    ``.txt`` labels, so ``Title`` and ``标题`` work too. Other keys go into ``extra``;
    values that are not strings are stored as JSON. ``null`` counts as absent.
    """
    text, error = _decode(data, source)
    if error is not None:
        return ParseResult(errors=[error])
    result = ParseResult()
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if line.strip():
            _add(result, _json_record(line, source, number))
    return result


def _too_large(source: str, size: int) -> RecordError:
    return RecordError(
        source, None, None, f"file too large: {size:,} bytes (limit {MAX_FILE_BYTES:,})"
    )


def _decode(data: bytes, source: str) -> tuple[str, RecordError | None]:
    if len(data) > MAX_FILE_BYTES:
        return "", _too_large(source, len(data))
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        return "", RecordError(source, exc.line, None, exc.message)
    if not text.strip():
        return "", RecordError(source, None, None, "empty file")
    return text, None


def _add(result: ParseResult, raw: RawRecord | RecordError) -> None:
    if isinstance(raw, RecordError):
        result.errors.append(raw)
        return
    record = build_record(raw)
    if record is None:
        result.errors.extend(raw.errors)
    else:
        result.records.append(record)


class _TextParser:
    """One pass over the lines of a ``.txt`` file; linear in its length."""

    def __init__(self, source: str):
        self.source = source
        self.drafts: list[RawRecord] = []
        self.pending: list[tuple[RawField, list[str]]] = []  # each field and its lines
        self.errors: list[RecordError] = []

    def parse(self, text: str) -> ParseResult:
        draft: RawRecord | None = None
        current: list[str] | None = None  # lines of the value being read
        prose = False  # inside a prose value: only known labels end it
        extra_value = False  # the value being read belongs to an unknown field
        for number, line in enumerate(_LINE_BREAK.split(text), start=1):
            if is_separator(line):
                continue
            match = match_label(line)
            if match is not None and (match.field is not None or not prose):
                if draft is None or (match.field == "title" and "title" in draft.fields):
                    draft = RawRecord(self.source, number)
                    self.drafts.append(draft)
                current = self._start(draft, match, number)
                prose = match.field in PROSE_FIELDS
                extra_value = match.field is None
            elif current is not None:
                current.append(line)
                prose = prose or (extra_value and bool(line.strip()))
            elif line.strip() and not self.errors:
                self.errors.append(
                    RecordError(self.source, number, None, "text before the first label")
                )
        return self._finish()

    def _start(self, draft: RawRecord, match: LabelLine, number: int) -> list[str]:
        lines = [match.value]
        if match.field is None:
            if match.label in draft.extra:
                draft.error(number, match.label, "duplicate field")
                return lines  # read and dropped
            draft.add_extra(match.label, "", number)
            raw_field = draft.extra[match.label]
        elif match.field in draft.fields:
            draft.error(number, match.field, "duplicate field")
            return lines
        else:
            raw_field = draft.fields[match.field] = RawField(number)
            if match.field == "title":
                draft.line = number
        self.pending.append((raw_field, lines))
        return lines

    def _finish(self) -> ParseResult:
        for raw_field, lines in self.pending:
            raw_field.value = "\n".join(lines)
        if not any(draft.fields for draft in self.drafts):
            return ParseResult(errors=[RecordError(self.source, None, None, "no records found")])
        result = ParseResult(errors=list(self.errors))
        for draft in self.drafts:
            _add(result, draft)
        return result


class _Object(dict):
    """A JSON object that remembers keys given more than once."""

    duplicates: list[str]

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, object]]) -> _Object:
        obj = cls()
        obj.duplicates = []
        for key, value in pairs:
            if key in obj:
                obj.duplicates.append(key)
            obj[key] = value
        return obj


def _json_record(line: str, source: str, number: int) -> RawRecord | RecordError:
    try:
        obj = json.loads(line, object_pairs_hook=_Object.from_pairs)
    except json.JSONDecodeError as exc:
        return RecordError(source, number, None, f"invalid JSON: {exc.msg} (column {exc.colno})")
    except (ValueError, RecursionError):  # integers too long to convert, absurd nesting
        return RecordError(source, number, None, "invalid JSON: too large or too deeply nested")
    if not isinstance(obj, dict):
        kind = {list: "an array", str: "a string"}.get(type(obj), "a single value")
        return RecordError(source, number, None, f"expected a JSON object, not {kind}")
    raw = RawRecord(source, number)
    for key in obj.duplicates:
        raw.error(number, key, "duplicate field")
    for key, value in obj.items():
        if value is None:
            continue
        name = "extra" if key.strip().casefold() == "extra" else known_field(key)
        if name == "extra":
            if not isinstance(value, dict):
                raw.error(number, "extra", "must be an object")
                continue
            for duplicate in value.duplicates:
                raw.error(number, duplicate, "duplicate field")
            for extra_key, extra_value in value.items():
                if extra_value is not None:
                    raw.add_extra(extra_key, extra_value, number)
        elif name is None:
            raw.add_extra(key, value, number)
        elif name in raw.fields:
            raw.error(number, name, "duplicate field")
        else:
            raw.fields[name] = RawField(number, value)
    return raw
