"""User search box text → PostgreSQL tsquery text.

Syntax: whitespace = AND, ``"exact phrase"`` (also “…”), ``OR`` (upper case) or
``|`` between terms, a leading ``-`` excludes a word or phrase. Every word is
segmented like indexed text, so a Chinese word that splits into several tokens
becomes a phrase (``'腾讯' <-> '混元大模型'``).

The output is built only from quoted lexemes and operators we emit, so user text
cannot inject tsquery syntax. Cast it with ``%s::tsquery``: ``to_tsquery('simple',
%s)`` also parses safely but re-splits Latin compounds ('gpt-4o' → 'gpt' <-> '4o',
'c++' → 'c'), which then no longer match the Python-built tsvector.

A Chinese term that the dictionary does not know as one word (it falls apart into
single characters, or into several words) is looked up in the character-bigram
vector instead (``articles.text.bigrams``): there it is one short posting list, and
found wherever the text contains it, across word boundaries too. A term whose words
have aliases stays with the word vector, so that its aliases are searched.

Choices: only-negative queries give ``None`` (a full-table anti-match is not a
search); an OR next to an excluded term is ignored (``a OR -b`` = ``a -b``); input
is cut to 256 chars and 32 tokens to bound query cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .bigrams import CJK_CHARS, bigram_tsquery, is_cjk
from .normalize import normalize
from .segment import Segmenter, get_segmenter
from .tsvector import quote_lexeme

__all__ = ["Query", "Term", "TsQueries", "parse_query", "MAX_TOKENS", "MAX_QUERY_CHARS"]

MAX_QUERY_CHARS = 256
MAX_TOKENS = 32
MAX_ALTERNATIVES = 4

Expand = Callable[[str], list[str]]

# Control characters (incl. NUL) can never be part of a lexeme and psycopg rejects NUL.
_CJK_GAP = re.compile(rf"(?<=[{CJK_CHARS}])\s+(?=[{CJK_CHARS}])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "｜": "|"})
# One lexer token: a quoted phrase (closing quote optional), "|", or a bare word.
_LEX = re.compile(r'(-*)"([^"]*)"?|\||(-*)([^\s"|]+)')


@dataclass(frozen=True)
class Term:
    """A word or phrase: ``tokens`` are normalised, in order (one token = a word);
    ``text`` is the normalised text the user typed, for display."""

    tokens: tuple[str, ...]
    negated: bool = False
    quoted: bool = False
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class TsQueries:
    """A query's tsqueries: ``words`` against the word vector, ``bigrams`` against the
    bigram vector, both required; ``either``: OR groups with terms of both kinds, each
    (words, bigrams) of which one must match; ``excluded``: bigram queries that must
    not match (kept apart: a negation alone cannot use the bigram index). Any part may
    be absent (None, empty)."""

    words: str | None = None
    bigrams: str | None = None
    either: tuple[tuple[str, str], ...] = ()
    excluded: tuple[str, ...] = ()


@dataclass
class Query:
    # AND of OR-groups; each group holds one or more positive terms, or exactly one
    # negated term.
    groups: list[list[Term]] = field(default_factory=list)
    segmenter: Segmenter | None = field(default=None, repr=False, compare=False)

    @property
    def terms(self) -> list[str]:
        """Normalised positive lexemes, for highlighting."""
        out: list[str] = []
        for group in self.groups:
            for term in group:
                if not term.negated:
                    out.extend(t for t in term.tokens if t not in out)
        return out

    def highlight_terms(self, expand: Expand | None = None) -> list[str]:
        """``terms`` plus the lexemes of their expansions (e.g. aliases); a term the
        bigram vector answers is marked whole, not character by character."""
        out: list[str] = []
        for group in self.groups:
            for term in group:
                if term.negated:
                    continue
                text = _bigram_text(term, expand, self.segmenter)
                out.extend(t for t in ((text,) if text else term.tokens) if t not in out)
        if expand is not None:
            for token in list(out):
                for alt in _alternatives(token, expand, self.segmenter):
                    out.extend(t for t in alt if t not in out)
        return out

    @property
    def is_empty(self) -> bool:
        return not any(not t.negated for g in self.groups for t in g)

    def describe(self) -> str:
        """Canonical, re-parseable form: ``腾讯 "混元 大模型" (openai OR 百度) -字节``."""
        parts = []
        for group in self.groups:
            texts = [_describe_term(t) for t in group]
            parts.append(texts[0] if len(texts) == 1 else "(" + " OR ".join(texts) + ")")
        return " ".join(parts)

    def to_tsquery(self, expand: Expand | None = None) -> str | None:
        """Every term against the word vector (as if there were no bigram vector)."""
        if self.is_empty:
            return None
        exprs = [[_term_expr(t, expand, self.segmenter) for t in g] for g in self.groups]
        return _and(exprs)

    def to_tsqueries(self, expand: Expand | None = None) -> TsQueries | None:
        """Each term against the vector that answers it (see the module's docstring)."""
        if self.is_empty:
            return None
        words: list[list[str]] = []
        bigrams: list[list[str]] = []
        either: list[tuple[str, str]] = []
        excluded: list[str] = []
        for group in self.groups:
            in_words, in_bigrams = [], []
            for term in group:
                text = _bigram_text(term, expand, self.segmenter)
                if text is None:
                    in_words.append(_term_expr(term, expand, self.segmenter))
                elif term.negated:  # a negated term is a group of its own
                    excluded.append(bigram_tsquery(text))
                else:
                    in_bigrams.append(bigram_tsquery(text))
            if not in_words and not in_bigrams:
                continue
            if in_words and in_bigrams:
                either.append((" | ".join(in_words), " | ".join(in_bigrams)))
            else:
                (words if in_words else bigrams).append(in_words or in_bigrams)
        return TsQueries(_and(words), _and(bigrams), tuple(either), tuple(excluded))


def _and(groups: list[list[str]]) -> str | None:
    # Precedence is ! > <-> > & > |, so only an OR group joined by & needs parens.
    parts = [
        f"( {' | '.join(g)} )" if len(g) > 1 and len(groups) > 1 else " | ".join(g) for g in groups
    ]
    return " & ".join(parts) or None


def _negated(expr: str, compound: bool) -> str:
    return f"!( {expr} )" if compound else "!" + expr


def _bigram_text(term: Term, expand: Expand | None, seg: Segmenter | None) -> str | None:
    """The CJK string to find in the bigram vector, or None for the word vector."""
    text = "".join(term.text.split())
    if not is_cjk(text) or (len(term.tokens) == 1 and len(term.tokens[0]) > 1):
        return None
    if expand is not None and any(_alternatives(t, expand, seg) for t in term.tokens):
        return None
    return text


def _describe_term(term: Term) -> str:
    text = " ".join((term.text or " ".join(term.tokens)).split())
    if term.quoted or " " in text:
        text = f'"{text}"'
    return ("-" if term.negated else "") + text


def _alternatives(token: str, expand: Expand, seg: Segmenter | None = None) -> list[tuple]:
    """Distinct token sequences for the alternatives ``expand`` offers."""
    seg = seg or get_segmenter()
    seen = {(token,)}
    out = []
    for alt in expand(token) or []:
        tokens = tuple(seg.cut(alt or "")[:MAX_TOKENS])
        if tokens and tokens not in seen:
            seen.add(tokens)
            out.append(tokens)
            if len(out) >= MAX_ALTERNATIVES:
                break
    return out


def _phrase(tokens: tuple[str, ...]) -> str:
    return " <-> ".join(quote_lexeme(t) for t in tokens)


def _token_expr(token: str, expand: Expand | None, seg: Segmenter | None) -> str:
    alts = _alternatives(token, expand, seg) if expand is not None else []
    if not alts:
        return quote_lexeme(token)
    return "( " + " | ".join([quote_lexeme(token)] + [_phrase(a) for a in alts]) + " )"


def _term_expr(term: Term, expand: Expand | None, seg: Segmenter | None) -> str:
    exprs = [_token_expr(t, expand, seg) for t in term.tokens]
    body = " <-> ".join(exprs)
    return _negated(body, len(exprs) > 1) if term.negated else body


def parse_query(q: str, segmenter: Segmenter | None = None) -> Query:
    """Parse search box text; never raises on any input string."""
    seg = segmenter or get_segmenter()
    text = _CONTROL.sub(" ", (q or "")[:MAX_QUERY_CHARS]).translate(_QUOTES)
    # Items are Term or the string "OR"; OR is recognised before normalisation
    # because normalize() lower-cases and "or" is a legitimate search word.
    items: list[Term | str] = []
    budget = MAX_TOKENS
    for m in _LEX.finditer(text):
        if m.group(0) == "|" or m.group(4) == "OR" and not m.group(3):
            items.append("OR")
            continue
        if budget <= 0:
            continue
        quoted = m.group(2) is not None
        raw = m.group(2) if quoted else m.group(4)
        negated = bool(m.group(1) if quoted else m.group(3))
        if quoted:
            # Chinese is written without spaces: "腾讯 混元大模型" means the run
            # 腾讯混元大模型, cut exactly as the indexed text was.
            raw = _CJK_GAP.sub("", raw)
        tokens = tuple(seg.cut(raw)[:budget])
        if not tokens:
            continue
        budget -= len(tokens)
        items.append(Term(tokens, negated, quoted, normalize(raw).strip()))
    return Query(_group(items), seg)


def _group(items: list[Term | str]) -> list[list[Term]]:
    groups: list[list[Term]] = []
    pending_or = False
    for item in items:
        if item == "OR":
            pending_or = True
            continue
        assert isinstance(item, Term)
        joinable = pending_or and groups and not item.negated and not groups[-1][0].negated
        if joinable:
            if item not in groups[-1]:
                groups[-1].append(item)
        elif [item] not in groups:
            groups.append([item])
        pending_or = False
    return groups
