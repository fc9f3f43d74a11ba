"""Plain data passed from the parser to the importer. No Django imports."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

# Fields a record can carry, in export order. `extra` holds unknown labelled fields.
TEXT_FIELDS = ("title", "link", "summary", "event_summary")
LIST_FIELDS = ("keywords", "technologies", "industries")


@dataclass(frozen=True)
class RecordError:
    """A problem with one record or file; renders as ``file:line: field: problem``."""

    source: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        location = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{location}: {self.field}: {self.message}"
            if self.field
            else f"{location}: {self.message}"
        )

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class ParsedRecord:
    """One validated article record, as read from a file."""

    title: str
    link: str
    summary: str = ""
    event_summary: str = ""
    keywords: list[str] = field(default_factory=list)
    technologies: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    source: str = "<memory>"
    line: int = 1

    def content(self) -> dict:
        """The record's content, without provenance: what export writes and the hash covers."""
        data = {name: getattr(self, name) for name in TEXT_FIELDS + LIST_FIELDS}
        if self.extra:
            data["extra"] = dict(sorted(self.extra.items()))
        return data

    def content_hash(self) -> str:
        payload = json.dumps(self.content(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class ParseResult:
    records: list[ParsedRecord] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)

    def extend(self, other: ParseResult) -> None:
        self.records.extend(other.records)
        self.errors.extend(other.errors)
