"""Turning the bytes of an imported file into text, or refusing to. Pure code.

Order of decisions:

1. A byte order mark decides: UTF-8, UTF-16 LE/BE or UTF-32 LE/BE, decoded strictly.
2. NUL bytes without a BOM: not a text file (binary, or UTF-16 without a BOM).
3. Strict UTF-8.
4. If the bytes are *almost* UTF-8 (a few invalid bytes among many valid multi-byte
   characters), the file is broken UTF-8 and is refused with the line of the first bad
   byte, instead of being read as GB18030 mojibake.
5. Strict GB18030 and strict Big5. charset-normalizer, restricted to the candidates that
   decode, judges between them (Big5 text usually also decodes as GB18030, as nonsense)
   and rejects noise; if it finds no plausible text the file is refused.

Finally, decoded text with many control characters is not a text file, and leading
zero-width no-break spaces (extra BOMs) are removed.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

BOMS = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
LEGACY_ENCODINGS = ("gb18030", "big5")
CANNOT_DECODE = "cannot decode as UTF-8, UTF-16, GB18030 or Big5"
# Broken UTF-8: at most this share of the non-ASCII characters are invalid bytes.
BROKEN_UTF8_RATIO = 0.05
BROKEN_UTF8_MIN_CHARS = 20
# Not text: more than this many control characters and more than 2% of the text.
CONTROL_MIN_COUNT = 2
CONTROL_MAX_SHARE = 0.02
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


class DecodeError(ValueError):
    """The bytes are not text we can read; ``line`` is set when a position is known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` or raise :class:`DecodeError`."""
    text, encoding = _decode(data)
    controls = len(_CONTROL.findall(text))
    if controls > CONTROL_MIN_COUNT and controls > CONTROL_MAX_SHARE * len(text):
        raise DecodeError("not a text file (too many control characters)")
    return text.lstrip("\ufeff"), encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.removesuffix("-sig")
            except UnicodeDecodeError as exc:
                name = encoding.removesuffix("-sig").upper()
                raise DecodeError(
                    f"cannot decode as {name} despite its byte order mark",
                    _line_of(data, exc.start, encoding),
                ) from None
    if b"\x00" in data:
        raise DecodeError("not a text file (it contains NUL bytes; UTF-16 needs a byte order mark)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_error = exc.start
    _refuse_broken_utf8(data, first_error)
    candidates = [encoding for encoding in LEGACY_ENCODINGS if _decodes(data, encoding)]
    if not candidates:
        raise DecodeError(CANNOT_DECODE)
    best = charset_normalizer.from_bytes(data, cp_isolation=candidates).best()
    if best is None or best.encoding not in candidates:
        raise DecodeError(CANNOT_DECODE)
    return data.decode(best.encoding), best.encoding


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _refuse_broken_utf8(data: bytes, first_error: int) -> None:
    lenient = data.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    non_ascii = len(lenient) - len(lenient.encode("ascii", errors="ignore"))
    valid = non_ascii - invalid
    if valid >= BROKEN_UTF8_MIN_CHARS and invalid <= BROKEN_UTF8_RATIO * non_ascii:
        raise DecodeError(
            f"invalid UTF-8 byte at offset {first_error}", data.count(b"\n", 0, first_error) + 1
        )


def _line_of(data: bytes, offset: int, encoding: str) -> int:
    prefix = data[:offset].decode(encoding, errors="replace")
    return prefix.count("\n") + 1
