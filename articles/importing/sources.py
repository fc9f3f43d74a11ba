"""Turns the importer's arguments (files, directories, globs, '-') into inputs to parse."""

from __future__ import annotations

import glob
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .records import RecordError

RECORD_SUFFIXES = frozenset({".txt", ".jsonl", ".ndjson"})
STDIN = "-"


@dataclass(frozen=True)
class Input:
    name: str  # shown in errors and stored as provenance
    path: Path | None = None  # None: read `data` (stdin or an upload)
    data: bytes | None = None

    @property
    def is_jsonl(self) -> bool:
        if self.path is not None:
            return self.path.suffix.lower() in {".jsonl", ".ndjson"}
        head = (self.data or b"").lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        return head == b"{"


def _walk(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(directory).parts)
        if path.is_file() and not hidden and path.suffix.lower() in RECORD_SUFFIXES:
            yield path


def collect_inputs(arguments: list[str], stdin=None) -> tuple[list[Input], list[RecordError]]:
    """Expand arguments in order; each file is read once even if named twice."""
    inputs: list[Input] = []
    errors: list[RecordError] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            inputs.append(Input(name=str(path), path=path))

    for argument in arguments:
        if argument == STDIN:
            stream = stdin if stdin is not None else sys.stdin.buffer
            inputs.append(Input(name="<stdin>", data=stream.read()))
            continue
        path = Path(argument)
        if path.is_dir():
            for found in _walk(path):
                add(found)
        elif path.is_file():
            add(path)
        elif glob.has_magic(argument):
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                errors.append(RecordError(argument, None, None, "the pattern matches no file"))
            for match in matches:
                match_path = Path(match)
                if match_path.is_dir():
                    for found in _walk(match_path):
                        add(found)
                elif match_path.is_file():
                    add(match_path)
        else:
            errors.append(RecordError(argument, None, None, "no such file or directory"))
    return inputs, errors
