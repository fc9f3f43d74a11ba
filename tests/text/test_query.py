import os
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.text.query import MAX_TOKENS, parse_query
from articles.text.tsvector import build_tsvector

from . import segmenter

PG_URL = os.environ.get("TEXT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

ALIASES = {
    "tencent": ["腾讯"],
    "腾讯": ["Tencent", "Tencent Holdings", "腾讯"],
    "openai": ["OpenAI"],
    "百度": ["Baidu", "", "文心 一言"],
}


def expand(token):
    return ALIASES.get(token, [])


def tsq(q, expand_fn=None):
    return parse_query(q, segmenter()).to_tsquery(expand_fn)


# -- a small tsquery grammar checker ---------------------------------------------

TOKEN = re.compile(r"\s*(?:('(?:[^'\\]|''|\\.)+')|(<->|[&|!()]))")


def is_valid_tsquery(text: str) -> bool:
    """expr := and ('|' and)*; and := phrase ('&' phrase)*;
    phrase := unary ('<->' unary)*; unary := '!' unary | '(' expr ')' | lexeme."""
    tokens, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            return False
        tokens.append(("L", m.group(1)) if m.group(1) else ("O", m.group(2)))
        pos = m.end()
    i = 0

    def peek():
        return tokens[i] if i < len(tokens) else (None, None)

    def binary(sub, op):
        nonlocal i
        if not sub():
            return False
        while peek() == ("O", op):
            i += 1
            if not sub():
                return False
        return True

    def unary():
        nonlocal i
        kind, val = peek()
        if kind == "L":
            i += 1
            return True
        if (kind, val) == ("O", "!"):
            i += 1
            return unary()
        if (kind, val) == ("O", "("):
            i += 1
            if not expr() or peek() != ("O", ")"):
                return False
            i += 1
            return True
        return False

    def phrase():
        return binary(unary, "<->")

    def conj():
        return binary(phrase, "&")

    def expr():
        return binary(conj, "|")

    return bool(tokens) and expr() and i == len(tokens)


def test_checker_itself():
    assert is_valid_tsquery("'a' & !( 'b' <-> 'c' ) | ( 'd' | 'e''f' )")
    for bad in ["", "'a' &", "( 'a'", "'a' 'b'", "a", "'a' & & 'b'", "!", "'a' )"]:
        assert not is_valid_tsquery(bad), bad


# -- behaviour --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"腾讯 混元大模型"', "'腾讯' <-> '混元大模型'"),
        ("腾讯混元大模型", "'腾讯' <-> '混元大模型'"),
        ("“腾讯 混元大模型”", "'腾讯' <-> '混元大模型'"),
        ("腾讯 大模型", "'腾讯' & '大模型'"),
        ("臺積電 ＡＩ芯片", "'台积电' & 'ai芯片'"),
        ("GPT-4o", "'gpt-4o'"),
        ("llama 2", "'llama' & '2'"),
        ('"llama 2"', "'llama' <-> '2'"),
        ("tencent OR 百度", "'tencent' | '百度'"),
        ("tencent | 百度 大模型", "( 'tencent' | '百度' ) & '大模型'"),
        ("tencent or 百度", "'tencent' & 'or' & '百度'"),
        ("openai -百度", "'openai' & !'百度'"),
        ('openai -"腾讯 混元"', "'openai' & !( '腾讯' <-> '混元' )"),
        ("a OR -b", "'a' & !'b'"),
        ("OR a OR OR b OR", "'a' | 'b'"),
        ("腾讯 腾讯", "'腾讯'"),
        ('"unbalanced 腾讯', "'unbalanced' <-> '腾讯'"),
        ("x\x00y", "'x' & 'y'"),
        ("it's", "'it' <-> 's'"),
    ],
)
def test_to_tsquery(q, expected):
    assert tsq(q) == expected


@pytest.mark.parametrize("q", ["", "   ", "-foo", "-腾讯 -百度", "OR", "|", "-", "!!!!", "'", "\\"])
def test_nothing_searchable_is_none(q):
    assert tsq(q) is None


def test_expansion():
    assert tsq("tencent", expand) == "( 'tencent' | '腾讯' )"
    assert tsq("腾讯 -openai", expand) == (
        "( '腾讯' | 'tencent' | 'tencent' <-> 'holdings' ) & !'openai'"
    )
    assert tsq("百度", expand) == "( '百度' | 'baidu' | '文心' <-> '一' <-> '言' )"
    assert tsq('"tencent 大模型"', expand) == "( 'tencent' | '腾讯' ) <-> '大模型'"


def test_terms_and_highlight_terms():
    query = parse_query('tencent "混元 大模型" -百度 OR 腾讯', segmenter())
    # Inside quotes, spaces between Chinese words are dropped: the run is cut as a whole.
    assert query.terms == ["tencent", "混元大模型", "腾讯"]
    assert query.highlight_terms(expand) == ["tencent", "混元大模型", "腾讯", "holdings"]


def test_describe():
    query = parse_query(
        '  ＴＥＮＣＥＮＴ  "混元 大模型" 百度|OpenAI -臺積電 腾讯混元 ', segmenter()
    )
    assert query.describe() == 'tencent "混元大模型" (百度 OR openai) -台积电 腾讯混元'
    assert parse_query(query.describe(), segmenter()).to_tsquery() == query.to_tsquery()


def test_token_cap():
    query = parse_query(" ".join(f"w{i}" for i in range(100)), segmenter())
    assert len(query.terms) == MAX_TOKENS
    assert tsq("腾讯" * 3000).count("'腾讯'") == MAX_TOKENS


# -- safety -------------------------------------------------------------------------

NASTY = [
    "OR OR",
    "-" * 60,
    "-" * 55 + "腾讯",
    "!!!!",
    '"unbalanced',
    '""',
    '"""',
    "-",
    "- -",
    "a\x00b",
    "\x00",
    "x" * 5000,
    "腾讯 " * 2000,
    "'",
    "\\",
    "'; drop table articles; --",
    ":*",
    "腾讯:*",
    "&|!<->()",
    "a & b | !c <-> (d)",
    "a:A b:1",
    "OR -OR |OR| -|",
    "（）【】“”‘’「」",
    "\\'\\'\\",
    '-"a b" -"" -"-"',
    "a|||||b",
]
ALPHABET = list("ab腾讯混元大模型臺 -\"'\\|&!<>():*\x00\t\n　ＯＲOR") + ["OR", " OR ", "gpt-4o"]


def random_nasty(n, seed=0):
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))) for _ in range(n)]


@pytest.mark.parametrize("q", NASTY)
def test_nasty_inputs_give_valid_syntax(q):
    for expand_fn in (None, expand):
        out = tsq(q, expand_fn)
        assert out is None or is_valid_tsquery(out), (q, out)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET) | st.characters(), max_size=40).map("".join))
def test_any_input_gives_valid_syntax(q):
    out = tsq(q, expand)
    assert out is None or is_valid_tsquery(out)
    if out is not None:
        assert "\x00" not in out


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.mark.skipif(not _pg_available(), reason=f"no PostgreSQL at {PG_URL}")
def test_postgres_accepts_queries_and_vectors():
    import psycopg

    queries = NASTY + random_nasty(200) + ["腾讯混元大模型", "tencent -百度", "gpt-4o | c++"]
    texts = ["腾讯混元大模型来了", "It's C:\\path ' \\", "臺積電ＡＩ", "GPT-4o c++ 3.5"]
    texts += random_nasty(50, seed=1)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        for q in queries:
            for out in {tsq(q), tsq(q, expand)} - {None}:
                conn.execute("select %s::tsquery, to_tsquery('simple', %s)", [out, out])
        for text in texts:
            literal = build_tsvector([("A", text), ("C", text * 2)], segmenter())
            conn.execute("select %s::tsvector", [literal])
        vector = build_tsvector(
            [("A", "腾讯混元大模型来了"), ("C", "OpenAI 发布 GPT-4o")], segmenter()
        )
        for q, hit in [
            ("腾讯混元大模型", True),
            ('"腾讯 混元大模型"', True),
            ("混元 -openai", False),
            ("tencent", True),
            ("gpt", True),
            ('"来了 openai"', False),  # phrases do not span title and summary
        ]:
            sql = "select %s::tsvector @@ %s::tsquery"
            row = conn.execute(sql, [vector, tsq(q, expand)]).fetchone()
            assert row[0] is hit, q
