import re

import pytest

from articles.text.tsvector import (
    MAX_POSITION,
    MAX_POSITIONS_PER_LEXEME,
    build_tsvector,
    quote_lexeme,
)

from . import segmenter

# One tsvector entry: a quoted lexeme ('' and \x escapes) and its positions.
ENTRY = re.compile(r"'(?:[^'\\]|''|\\.)+':\d+[ABC]?(?:,\d+[ABC]?)*")


LITERAL = re.compile(rf"(?:{ENTRY.pattern}(?: {ENTRY.pattern})*)?")


def is_valid_literal(literal: str) -> bool:
    return bool(LITERAL.fullmatch(literal))


def build(parts):
    return build_tsvector(parts, segmenter())


def test_seed_title():
    assert build([("A", "腾讯混元大模型来了")]) == (
        "'了':4A '大模型':2A '来':3A '模型':2A '混元':2A '混元大模型':2A '腾讯':1A"
    )


def test_parts_continue_positions_with_a_gap():
    # Title ends at 2; the summary starts at 4, so "大模型 <-> 大模型" can't span parts.
    assert build([("A", "腾讯大模型"), ("C", "大模型来了"), ("D", "OpenAI")]) == (
        "'openai':8 '了':6C '大模型':2A,4C '来':5C '模型':2A,4C '腾讯':1A"
    )


def test_empty_inputs():
    assert build([]) == ""
    assert build([("A", ""), ("B", "  ，。 "), ("C", None)]) == ""


def test_lowercase_weight_accepted_and_invalid_rejected():
    assert build([("a", "腾讯")]) == "'腾讯':1A"
    with pytest.raises(ValueError):
        build([("E", "腾讯")])


@pytest.mark.parametrize(
    ("lexeme", "quoted"),
    [("a'b", "'a''b'"), ("c\\d", "'c\\\\d'"), ("腾讯", "'腾讯'"), ("x y", "'x y'")],
)
def test_quote_lexeme(lexeme, quoted):
    assert quote_lexeme(lexeme) == quoted


def test_positions_are_clamped():
    words = " ".join(f"w{i}" for i in range(MAX_POSITION + 500))
    literal = build([("C", words)])
    assert f"'w{MAX_POSITION - 1}':{MAX_POSITION}C" in literal
    assert f"'w{MAX_POSITION + 400}':{MAX_POSITION}C" in literal
    assert f":{MAX_POSITION + 1}" not in literal


def test_positions_per_lexeme_capped():
    literal = build([("C", "x " * 1000)])
    positions = literal.split(":", 1)[1].split(",")
    assert len(positions) == MAX_POSITIONS_PER_LEXEME
    assert positions[0] == "1C" and positions[-1] == f"{MAX_POSITIONS_PER_LEXEME}C"


def test_overlong_lexeme_dropped():
    assert build([("A", "a" * 3000 + " 腾讯")]) == "'腾讯':2A"


def test_literals_are_well_formed():
    texts = [
        "腾讯混元大模型来了",
        "It's C:\\path ' \\ \"x\"",
        "臺積電ＡＩ",
        "\x00 null",
        "😀 emoji",
    ]
    for text in texts:
        literal = build([("A", text), ("C", text)])
        assert is_valid_literal(literal), literal
