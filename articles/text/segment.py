"""Chinese/English word segmentation, shared by indexing and queries.

The engine is rjieba (jieba-rs, a Rust port of jieba, ~30x faster on our texts) with
jieba's own default dictionary (``dict.txt`` of the ``jieba`` package, which jieba-rs
embeds too) and the same user dictionary and frequency rules. rjieba cannot report
frequencies, so a Python-side table mirrors its dictionary for ``_whole_freq``,
``sub_words`` and ``word_freq``. ``engine="jieba"`` keeps the original pure-Python
cutting reachable, for the parity test (tests/text/test_engine_parity.py).

Decisions (index and query must segment identically, so these hold for both):

* HMM is OFF. jieba's HMM invents words for unknown character runs that depend on
  the surrounding text (it cuts "腾讯混元大模型" into "混元大/模型"), so a query word
  and the same word inside an article could be cut differently and never match.
  Without HMM unknown words fall apart into single characters in both places, and
  a query phrase ('混' <-> '元') still matches them. Known terms come from jieba's
  dictionary, the shipped ``data/ai_terms.txt`` and the company dictionary.
* Latin/number runs are kept whole, including inner connectors: "gpt-4o", "3.5",
  "c++", "at&t" are single tokens (jieba alone splits them into "gpt", "-", "4o"
  and can even cut "apple" at a dictionary word). Whitespace separates tokens, so
  "llama 2" is ["llama", "2"] and a query "llama 2" becomes a phrase of the two.
  ``index_terms`` additionally emits the pieces of a hyphenated compound ("gpt",
  "4o") at the compound's position, so a query "gpt" still finds "gpt-4o".
* Whitespace and pure-punctuation tokens are dropped and consume no position.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path

import jieba
import rjieba

from .normalize import normalize

__all__ = ["Segmenter", "get_segmenter", "set_dictionary_words", "AI_TERMS_PATH", "ENGINES"]

AI_TERMS_PATH = Path(__file__).resolve().parent / "data" / "ai_terms.txt"
# jieba's default dictionary; jieba-rs embeds the same file (checked by a test).
JIEBA_DICT_PATH = Path(jieba.__file__).resolve().parent / "dict.txt"
ENGINES = ("rjieba", "jieba")

jieba.setLogLevel(logging.WARNING)

# A token made only of these is Latin/number material that we glue back together.
_ASCII_TOKEN = re.compile(r"[a-z0-9.\-_+#&%]+")
_EDGE_LEADING = ".-_&+#%"
_EDGE_TRAILING = ".-_&"
_COMPOUND_SPLIT = re.compile(r"[-_&+]+")
_LATIN_RUN = re.compile(r"[a-z0-9]+(?:[.\-_+#&%][a-z0-9]+)*")
# jieba's user-dict line format: word may contain spaces; freq and tag optional.
_USERDICT_LINE = re.compile(r"^(.+?)(?:\s+(\d+))?(?:\s+([A-Za-z]+))?$")
# Company names must survive inside running text; suggest_freq alone only makes a
# word whole in isolation, so give it headroom, but not so much that a short alias
# ("元大") swallows characters from a longer known term ("混元大模型").
_COMPANY_MIN_FREQ = 20_000
_USERDICT_DEFAULT_FREQ = 10_000


def _is_wordlike(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


_base_lock = threading.Lock()
_base_table: tuple[dict[str, int], int] | None = None


def base_frequencies() -> tuple[dict[str, int], int]:
    """(word -> freq, total) of jieba's default dictionary, as jieba itself builds it.

    Like jieba's prefix dict, every prefix of a word is present (freq 0 unless it is
    a word itself): ``_whole_freq`` depends on ``FREQ.get(piece, 1)`` being 0 there.
    Built once per process (~1 s); callers must copy before changing it.
    """
    global _base_table
    with _base_lock:
        if _base_table is None:
            parts = JIEBA_DICT_PATH.read_text(encoding="utf-8").split()
            # Every line is "word freq tag"; words hold no whitespace.
            freqs = list(map(int, parts[1::3]))
            table = dict(zip(parts[0::3], freqs, strict=True))
            for word in list(table):
                for i in range(1, len(word)):
                    table.setdefault(word[:i], 0)
            _base_table = (table, sum(freqs))
        return _base_table


class _RustEngine:
    """rjieba with our frequency changes replayed on top of its embedded dictionary.

    An rjieba instance cannot be changed while another thread cuts with it ("Already
    borrowed"), and cannot forget a word. So every change builds a fresh instance
    (~0.3 s) and swaps the reference; a concurrent cut keeps the one it started with.
    """

    def __init__(self) -> None:
        # word -> (freq, tag), for every word whose entry differs from the default.
        self._changes: dict[str, tuple[int, str | None]] = {}
        self._jieba: rjieba.Jieba | None = None  # built by the first commit()

    def set_freq(self, word: str, freq: int, tag: str | None, base: int) -> None:
        if freq == base and tag is None:
            self._changes.pop(word, None)
        elif freq == 0 and base == 0:
            # Absent is what jieba means by 0 (its DAG skips such words); an rjieba
            # word of freq 0 would still be a candidate, so it is simply not added.
            self._changes.pop(word, None)
        else:
            self._changes[word] = (freq, tag)

    def commit(self) -> None:
        fresh = rjieba.Jieba()
        for word, (freq, tag) in self._changes.items():
            fresh.add_word(word, freq, tag)
        self._jieba = fresh

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, False)


class Segmenter:
    """One engine and its frequency table. Build once per process (~1.5 s)."""

    def __init__(
        self,
        extra_words: Iterable[str] = (),
        *,
        user_dict: Path | None = AI_TERMS_PATH,
        engine: str = "rjieba",
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown segmentation engine {engine!r}")
        base, total = base_frequencies()
        self._base = base
        self._freq = dict(base)
        # Pure-Python jieba over our own table: the reference cut, used for the
        # frequency arithmetic of short words (it sees each change at once) and as
        # the "jieba" engine.
        self._python = jieba.Tokenizer()
        self._python.FREQ = self._freq
        self._python.total = total
        self._python.initialized = True
        self._rust = _RustEngine() if engine == "rjieba" else None
        self.engine_name = engine
        self._lock = threading.Lock()
        # word -> freq it had before we raised it (None = absent), to undo cleanly.
        self._company_saved: dict[str, int | None] = {}
        self._company_words: frozenset[str] = frozenset()
        # Memos of dictionary-dependent results, emptied on every dictionary change.
        self._short_cuts: dict[str, tuple[str, ...]] = {}
        self._terms: dict[str, tuple[str, ...]] = {}
        with self._lock:
            if user_dict is not None and Path(user_dict).is_file():
                self._load_user_dict(Path(user_dict))
            for word in self._normalized_set(extra_words):
                self._raise_freq(word)
            self._commit()

    # -- dictionary -------------------------------------------------------------

    def load_user_dict(self, path: Path) -> None:
        """Load a jieba-style ``term [freq] [tag]`` file, normalising each term."""
        with self._lock:
            self._load_user_dict(path)
            self._commit()

    def _load_user_dict(self, path: Path) -> None:
        for raw in path.read_text(encoding="utf-8-sig").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = _USERDICT_LINE.match(line)
            word = normalize(m.group(1)).strip() if m else ""
            if not word:
                continue
            freq = int(m.group(2)) if m.group(2) else _USERDICT_DEFAULT_FREQ
            self._set_freq(word, max(freq, self._whole_freq(word)), m.group(3))

    def add_words(self, words: Iterable[str]) -> None:
        """Add terms (company names, aliases, products) so they are cut whole."""
        with self._lock:
            for word in self._normalized_set(words):
                self._raise_freq(word)
            self._commit()

    def set_company_words(self, words: Iterable[str]) -> None:
        """Replace the company-word set; words dropped since last time are restored."""
        new = frozenset(self._normalized_set(words))
        if new == self._company_words:
            return
        with self._lock:
            for word in self._company_words - new:
                old = self._company_saved.pop(word, None)
                self._set_freq(word, old or 0)
            for word in new - self._company_words:
                self._company_saved[word] = self._freq.get(word) or None
                self._raise_freq(word)
            self._company_words = new
            self._commit()

    @staticmethod
    def _normalized_set(words: Iterable[str]) -> set[str]:
        return {w for w in (normalize(x).strip() for x in words if x) if w}

    def _commit(self) -> None:
        if self._rust is not None:
            self._rust.commit()
        self._short_cuts = {}
        self._terms = {}

    def _whole_freq(self, word: str) -> int:
        total = self._python.total
        freq = 1.0
        for piece in self._python.cut(word, HMM=False):
            freq *= self._freq.get(piece, 1) / total
        return int(freq * total) + 1

    def _raise_freq(self, word: str) -> None:
        current = self._freq.get(word) or 0
        target = max(self._whole_freq(word) * 10, _COMPANY_MIN_FREQ)
        if target > current:
            self._set_freq(word, target)

    def _set_freq(self, word: str, freq: int, tag: str | None = None) -> None:
        """Change a word's frequency in the table and in the engine (after ``commit``)."""
        # Not Tokenizer.add_word: that never subtracts from ``total`` and, for
        # freq 0, registers a force-split in jieba's *global* HMM state.
        self._python.total += freq - (self._freq.get(word) or 0)
        self._freq[word] = freq
        if tag:
            self._python.user_word_tag_tab[word] = tag
        for i in range(1, len(word)):
            self._freq.setdefault(word[:i], 0)
        if self._rust is not None:
            self._rust.set_freq(word, freq, tag, self._base.get(word) or 0)

    def _cut_engine(self, text: str) -> list[str]:
        if self._rust is not None:
            return self._rust.cut(text)
        return list(self._python.cut(text, HMM=False))

    @property
    def total(self) -> int:
        """Sum of all word frequencies, jieba's ``total``."""
        return self._python.total

    def word_freq(self, word: str) -> int:
        return self._freq.get(normalize(word)) or 0

    # -- segmentation -----------------------------------------------------------

    def _raw_tokens(self, normalized: str) -> list[str]:
        """Precise-mode tokens of already-normalised text, Latin runs glued back."""
        out: list[str] = []
        glue: list[str] = []
        kinds = _TOKEN_KINDS
        for tok in self._cut_engine(normalized):
            kind = kinds.get(tok, -1)
            if kind < 0:
                kind = _token_kind(tok)
            if kind == _GLUE:
                glue.append(tok)
                continue
            if glue:
                _flush_glue(glue, out)
            if kind == _WORD:
                out.append(tok)
        if glue:
            _flush_glue(glue, out)
        return out

    def cut(self, text: str) -> list[str]:
        """Normalise, then segment (precise mode); no whitespace/punctuation tokens."""
        if len(text) > _SHORT_TEXT:
            return self._raw_tokens(normalize(text))
        # Tag names, keywords and company names recur in every article. The memo is
        # taken before the engine: a result cut during a dictionary change lands in
        # the memo that change discards (``_commit`` swaps the engine, then the memo).
        memo = self._short_cuts
        cached = memo.get(text)
        if cached is None:
            cached = _bounded_put(memo, text, tuple(self._raw_tokens(normalize(text))))
        return list(cached)

    def cut_normalized(self, normalized: str) -> list[str]:
        """``cut`` for text that already went through ``normalize`` (not memoised)."""
        return self._raw_tokens(normalized)

    def sub_words(self, word: str) -> list[str]:
        """Dictionary words inside ``word`` as jieba's search mode finds them."""
        return list(self.terms(word)[1:])

    def terms(self, word: str) -> tuple[str, ...]:
        """``word`` followed by its sub-words: the lexemes indexed at its position."""
        memo = self._terms  # before reading frequencies, as in ``cut``
        terms = memo.get(word)
        if terms is None:
            terms = _bounded_put(memo, word, (word, *self._find_sub_words(word)))
        return terms

    def known_terms(self) -> dict[str, tuple[str, ...]]:
        """The memo behind ``terms``, for hot loops: ``known.get(w) or terms(w)``.

        Take it before the loop, as ``terms`` does: a dictionary change replaces it.
        """
        return self._terms

    def _find_sub_words(self, word: str) -> list[str]:
        freq = self._freq
        subs: list[str] = []
        if _ASCII_TOKEN.fullmatch(word):
            pieces = [p for p in _COMPOUND_SPLIT.split(word) if _is_wordlike(p)]
            if len(pieces) > 1:
                subs = pieces
        else:
            # "ai芯片" should still be found by a query "ai".
            subs.extend(m.group(0) for m in _LATIN_RUN.finditer(word))
            for n in (2, 3):
                grams = (word[i : i + n] for i in range(len(word) - n + 1))
                if len(word) > n:
                    subs.extend(g for g in grams if freq.get(g))
        seen = {word}
        return [s for s in subs if not (s in seen or seen.add(s))]

    def index_terms(self, text: str, start_position: int = 1) -> list[tuple[str, int]]:
        """(lexeme, position) pairs; sub-words share their parent word's position."""
        terms = self.terms
        return [
            (lexeme, pos)
            for pos, word in enumerate(self.cut(text), start=start_position)
            for lexeme in terms(word)
        ]


_GLUE, _WORD, _SKIP = 1, 2, 0
# token -> kind; tokens repeat endlessly, the regex and isalnum tests need not.
_TOKEN_KINDS: dict[str, int] = {}
_MEMO_LIMIT = 300_000
_SHORT_TEXT = 64


def _token_kind(tok: str) -> int:
    kind = _GLUE if _ASCII_TOKEN.fullmatch(tok) else _WORD if _is_wordlike(tok) else _SKIP
    return _bounded_put(_TOKEN_KINDS, tok, kind)


def _bounded_put(memo: dict, key, value):
    """A memo that is emptied when full: cheap, and enough for a bounded vocabulary."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def _flush_glue(glue: list[str], out: list[str]) -> None:
    word = "".join(glue).lstrip(_EDGE_LEADING).rstrip(_EDGE_TRAILING)
    if _is_wordlike(word):
        out.append(word)
    glue.clear()


_instance: Segmenter | None = None
_instance_lock = threading.Lock()


def get_segmenter() -> Segmenter:
    """The process-wide segmenter (built on first use, thread-safe)."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = Segmenter()
    return _instance


def set_dictionary_words(words: Iterable[str]) -> None:
    """Replace the company names/aliases known to the process segmenter.

    Cheap when the set is unchanged. Concurrent ``cut`` calls during a change may
    see a mix of old and new words; they never fail.
    """
    get_segmenter().set_company_words(words)
