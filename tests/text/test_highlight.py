import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from articles.text.highlight import find_matches, highlight, snippet


def only_our_tags(html: str) -> bool:
    """No tag other than <mark>/</mark>, strictly alternating, never nested."""
    if "<" in re.sub(r"</?mark>", "", html) or ">" in re.sub(r"</?mark>", "", html):
        return False
    tags = re.findall(r"</?mark>", html)
    return tags == ["<mark>", "</mark>"] * (len(tags) // 2)


def test_script_is_escaped_and_marks_are_ours():
    out = highlight("<script>alert('x')</script> 腾讯 <mark>", ["腾讯", "script"])
    assert out == (
        "&lt;<mark>script</mark>&gt;alert(&#x27;x&#x27;)&lt;/<mark>script</mark>&gt; "
        "<mark>腾讯</mark> &lt;mark&gt;"
    )
    assert only_our_tags(out)


def test_term_that_looks_like_markup_is_escaped_inside_mark():
    assert highlight("AT&T 与 <b>", ["at&t", "<b>"]) == (
        "<mark>AT&amp;T</mark> 与 <mark>&lt;b&gt;</mark>"
    )


def test_matches_on_normalised_text_shows_original():
    assert highlight("臺積電與ＯｐｅｎＡＩ合作", ["台积电", "openai"]) == (
        "<mark>臺積電</mark>與<mark>ＯｐｅｎＡＩ</mark>合作"
    )
    # Terms are normalised too, so callers may pass raw user words.
    assert highlight("台积电", ["臺積電"]) == "<mark>台积电</mark>"


def test_overlapping_and_adjacent_terms_merge():
    assert highlight("腾讯混元大模型来了", ["腾讯混", "混元", "大模型"]) == (
        "<mark>腾讯混元大模型</mark>来了"
    )
    assert highlight("腾讯和混元", ["腾讯", "混元"]) == "<mark>腾讯</mark>和<mark>混元</mark>"


def test_latin_terms_respect_word_boundaries():
    assert highlight("He said AI, not ai-chips or AIGC", ["ai"]) == (
        "He said <mark>AI</mark>, not <mark>ai</mark>-chips or AIGC"
    )
    assert highlight("AI芯片", ["ai"]) == "<mark>AI</mark>芯片"
    assert highlight("C++ and c", ["c++"]) == "<mark>C++</mark> and c"


def test_expanding_char_is_marked_whole():
    assert highlight("Ａ㈱臺灣", ["株"]) == "Ａ<mark>㈱</mark>臺灣"
    assert find_matches("Ａ㈱臺灣", ["(株)", "台湾"]) == [(1, 2, "(株)"), (2, 4, "台湾")]


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        ("", ["a"], ""),
        ("a < b", [], "a &lt; b"),
        ("a < b", ["", "  "], "a &lt; b"),
        ("x.*y", [".*"], "x<mark>.*</mark>y"),
    ],
)
def test_edge_cases(text, terms, expected):
    assert highlight(text, terms) == expected


def test_max_length():
    assert highlight("腾讯混元大模型<来了>", ["腾讯", "来了"], max_length=8) == (
        "<mark>腾讯</mark>混元大模型&lt;…"
    )
    assert highlight("腾讯", ["腾讯"], max_length=8) == "<mark>腾讯</mark>"


def test_snippet_around_match():
    text = "前言" * 100 + " 腾讯发布混元大模型，\n\n OpenAI 回应。" + "后记" * 100
    assert snippet(text, ["腾讯", "openai"], width=40) == (
        "…言前言前言前言前言 <mark>腾讯</mark>发布混元大模型， "
        "<mark>OpenAI</mark> 回应。后记后记后记后…"
    )


def test_snippet_prefers_window_with_more_terms():
    text = "腾讯 " * 3 + "x" * 200 + " 腾讯 OpenAI 合作"
    out = snippet(text, ["腾讯", "openai"], width=30)
    assert out.endswith("<mark>腾讯</mark> <mark>OpenAI</mark> 合作")
    assert out.startswith("…")


def test_snippet_snaps_to_word_edges():
    text = "The quick brown fox jumps over the lazy dog near OpenAI headquarters today"
    assert snippet(text, ["openai"], width=30) == "…near <mark>OpenAI</mark> headquarters…"


def test_snippet_without_match_and_short_text():
    assert snippet("前言" * 100, ["腾讯"], width=10) == "前言前言前言前言前言…"
    assert snippet("short <腾讯> text", ["腾讯"]) == "short &lt;<mark>腾讯</mark>&gt; text"
    assert snippet("", ["腾讯"]) == ""


def test_snippet_escapes_and_never_breaks_tags():
    text = "<img src=x onerror=alert(1)>" * 20 + "腾讯" + "</mark>" * 20
    out = snippet(text, ["腾讯", "mark", "img"], width=60)
    assert only_our_tags(out)
    assert "<img" not in out


def matches_with_a_table(text: str, terms) -> list[tuple[int, int, str]]:
    """``find_matches`` as it was: a table of every char's source end, built first."""
    from articles.text.highlight import _ASCII_ALNUM
    from articles.text.normalize import normalize, normalize_with_offsets

    if not text:
        return []
    norm, offsets = normalize_with_offsets(text)
    ends, following = [0] * len(norm), len(text)
    for j in range(len(norm) - 1, -1, -1):
        ends[j] = following
        if j and offsets[j - 1] != offsets[j]:
            following = offsets[j]
    spans = []
    for term in {normalize(t).strip() for t in terms if t}:
        if not term:
            continue
        i = norm.find(term)
        while i >= 0:
            j = i + len(term)
            if not (
                (_ASCII_ALNUM.match(term[0]) and i > 0 and _ASCII_ALNUM.match(norm[i - 1]))
                or (_ASCII_ALNUM.match(term[-1]) and j < len(norm) and _ASCII_ALNUM.match(norm[j]))
            ):
                spans.append((offsets[i], ends[j - 1], term))
            i = norm.find(term, i + 1)
    return sorted(spans)


# Characters NFKC expands ("㈱" → "(株)", "ﬁ" → "fi"), combining marks, full-width
# forms and traditional characters, among plain ones.
MIXED = st.text(alphabet="㈱ﬁ株式会社臺積電台积电ＡＩai e\u0301 ，。x", max_size=40)
TERMS = st.lists(
    st.sampled_from(["株", "(株)", "fi", "ai", "台积电", "e", "\u00e9", "x", "ｘ"]), max_size=3
)


@given(MIXED, TERMS)
@example("xe\u0301x ㈱ ﬁ", ["\u00e9", "(株)", "fi"])  # a source of two chars; expansions
def test_matches_end_where_their_sources_end(text, terms):
    assert find_matches(text, terms) == matches_with_a_table(text, terms)
