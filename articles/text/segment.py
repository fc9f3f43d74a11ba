"""Chinese/English word segmentation on top of jieba, shared by indexing and queries.

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

from .normalize import normalize

__all__ = ["Segmenter", "get_segmenter", "set_dictionary_words", "AI_TERMS_PATH"]

AI_TERMS_PATH = Path(__file__).resolve().parent / "data" / "ai_terms.txt"

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


class Segmenter:
    """Owns one jieba.Tokenizer. Build once per process; it takes ~1 s and ~100 MB."""

    def __init__(
        self, extra_words: Iterable[str] = (), *, user_dict: Path | None = AI_TERMS_PATH
    ) -> None:
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._lock = threading.Lock()
        # word -> freq it had before we raised it (None = absent), to undo cleanly.
        self._company_saved: dict[str, int | None] = {}
        self._company_words: frozenset[str] = frozenset()
        if user_dict is not None and Path(user_dict).is_file():
            self.load_user_dict(Path(user_dict))
        self.add_words(extra_words)

    # -- dictionary -------------------------------------------------------------

    def load_user_dict(self, path: Path) -> None:
        """Load a jieba-style ``term [freq] [tag]`` file, normalising each term."""
        with self._lock:
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
                self._company_saved[word] = self._tokenizer.FREQ.get(word) or None
                self._raise_freq(word)
            self._company_words = new

    @staticmethod
    def _normalized_set(words: Iterable[str]) -> set[str]:
        return {w for w in (normalize(x).strip() for x in words if x) if w}

    def _whole_freq(self, word: str) -> int:
        tok = self._tokenizer
        freq = 1.0
        for piece in tok.cut(word, HMM=False):
            freq *= tok.FREQ.get(piece, 1) / tok.total
        return int(freq * tok.total) + 1

    def _raise_freq(self, word: str) -> None:
        current = self._tokenizer.FREQ.get(word) or 0
        target = max(self._whole_freq(word) * 10, _COMPANY_MIN_FREQ)
        if target > current:
            self._set_freq(word, target)

    def _set_freq(self, word: str, freq: int, tag: str | None = None) -> None:
        # Not Tokenizer.add_word: that never subtracts from ``total`` and, for
        # freq 0, registers a force-split in jieba's *global* HMM state.
        tok = self._tokenizer
        tok.total += freq - (tok.FREQ.get(word) or 0)
        tok.FREQ[word] = freq
        if tag:
            tok.user_word_tag_tab[word] = tag
        for i in range(1, len(word)):
            tok.FREQ.setdefault(word[:i], 0)

    def word_freq(self, word: str) -> int:
        return self._tokenizer.FREQ.get(normalize(word)) or 0

    # -- segmentation -----------------------------------------------------------

    def _raw_tokens(self, normalized: str) -> list[str]:
        """Precise-mode tokens of already-normalised text, Latin runs glued back."""
        out: list[str] = []
        glue: list[str] = []

        def flush() -> None:
            if glue:
                word = "".join(glue).lstrip(_EDGE_LEADING).rstrip(_EDGE_TRAILING)
                if _is_wordlike(word):
                    out.append(word)
                glue.clear()

        for tok in self._tokenizer.cut(normalized, HMM=False):
            if _ASCII_TOKEN.fullmatch(tok):
                glue.append(tok)
                continue
            flush()
            if _is_wordlike(tok):
                out.append(tok)
        flush()
        return out

    def cut(self, text: str) -> list[str]:
        """Normalise, then segment (precise mode); no whitespace/punctuation tokens."""
        return self._raw_tokens(normalize(text))

    def sub_words(self, word: str) -> list[str]:
        """Dictionary words inside ``word`` as jieba's search mode finds them."""
        freq = self._tokenizer.FREQ
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
        terms: list[tuple[str, int]] = []
        for pos, word in enumerate(self.cut(text), start=start_position):
            terms.append((word, pos))
            terms.extend((sub, pos) for sub in self.sub_words(word))
        return terms


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
