import time
import unicodedata

import pytest

from articles.text import normalize as norm_mod
from articles.text.normalize import normalize, normalize_with_offsets, to_simplified


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("臺積電", "台积电"),
        ("ＧＰＴ－４", "gpt-4"),
        ("OpenAI發佈GPT-4o", "openai发布gpt-4o"),
        ("腾讯\u3000ＡＩ", "腾讯 ai"),
        ("（１２３）", "(123)"),
        ("", ""),
        ("already simple", "already simple"),
        ("a\ud800臺", "a\ufffd台"),
    ],
)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_is_idempotent():
    text = "臺積電與ＯｐｅｎＡＩ合作，發佈ＡＩ晶片\u3000㈱"
    assert normalize(normalize(text)) == normalize(text)


def test_converter_is_cached():
    to_simplified("臺")
    first = norm_mod._converter
    to_simplified("灣")
    assert first is not None and norm_mod._converter is first


def test_offsets_fast_path_is_identity():
    text = "腾讯发布 GPT-4o"
    out, offsets = normalize_with_offsets(text)
    assert out == "腾讯发布 gpt-4o"
    assert offsets == list(range(len(text)))


def test_offsets_traditional_and_fullwidth():
    out, offsets = normalize_with_offsets("臺積電ＡＩ")
    assert out == "台积电ai"
    assert offsets == [0, 1, 2, 3, 4]


def test_offsets_expanding_char_maps_to_its_source():
    out, offsets = normalize_with_offsets("Ａ㈱臺灣")
    assert out == "a(株)台湾"
    assert offsets == [0, 1, 1, 1, 2, 3]


def test_offsets_combining_mark_composes_like_normalize():
    text = "Cafe\u0301 ok"
    out, offsets = normalize_with_offsets(text)
    assert out == normalize(text) == "café ok"
    assert offsets == [0, 1, 2, 3, 5, 6, 7]


@pytest.mark.parametrize(
    "text",
    ["臺積電與ＯｐｅｎＡＩ", "Ａ㈱臺灣e\u0301", "ﬁle ＭＩＸ 漢字\u3000x", "İstanbul", "①②③ ㎏"],
)
def test_offsets_agree_with_normalize(text):
    out, offsets = normalize_with_offsets(text)
    assert out == normalize(text)
    assert len(offsets) == len(out)
    assert offsets == sorted(offsets)
    assert all(0 <= o < len(text) for o in offsets)


def test_fast_enough_for_summaries():
    summary = ("臺積電與ＯｐｅｎＡＩ合作發佈新一代ＡＩ晶片，" * 150)[:3000]
    assert unicodedata.is_normalized("NFKC", normalize(summary))
    start = time.perf_counter()
    for _ in range(100):
        normalize(summary)
    assert time.perf_counter() - start < 2.0
