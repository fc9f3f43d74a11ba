"""The worker side of ``generate_corpus --db`` (bench.fastload): records built, parsed
and enriched in worker processes, since segmentation is CPU-bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from articles.importing.parser import parse_bytes
from articles.importing.urls import canonical_url
from articles.text.companies import CompanyMatcher
from articles.text.normalize import normalize
from articles.text.pipeline import enrich_text
from articles.text.segment import Segmenter

from .corpus import Corpus

WORK_CHUNK = 100  # records per task sent to a worker
_AFTER_FULL_STOP = re.compile(r"(?<=。)")


class MemoSegmenter(Segmenter):
    """A Segmenter that remembers its cuts, sentence by sentence.

    jieba's precise mode cuts each run of Han/alphanumeric characters on its own, and
    our Latin-run gluing stops at any other token, so the tokens of a text are the
    tokens of its pieces split after each "。". Same output as ``Segmenter.cut``.
    """

    def __init__(self, *args, cache_limit: int = 500_000, **kwargs):
        self._cuts: dict[str, tuple[str, ...]] = {}
        self._limit = cache_limit
        super().__init__(*args, **kwargs)

    def _forget(self) -> None:
        self._cuts.clear()

    def load_user_dict(self, path) -> None:
        super().load_user_dict(path)
        self._forget()

    def add_words(self, words) -> None:
        super().add_words(words)
        self._forget()

    def set_company_words(self, words) -> None:
        super().set_company_words(words)
        self._forget()

    def _piece(self, piece: str) -> tuple[str, ...]:
        tokens = self._cuts.get(piece)
        if tokens is None:
            if len(self._cuts) >= self._limit:
                self._cuts.clear()
            tokens = self._cuts[piece] = tuple(self._raw_tokens(piece))
        return tokens

    def cut(self, text: str) -> list[str]:
        tokens: list[str] = []
        for piece in _AFTER_FULL_STOP.split(normalize(text)):
            if piece:
                tokens.extend(self._piece(piece))
        return tokens


# -- worker side ---------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerContext:
    n: int
    seed: int
    companies_path: str
    entries: list  # CompanyEntry, as the dictionary in the database has them
    names_by_slug: dict[str, str]
    # kind -> normalised tag name -> (identity, display name) for tags already stored
    # (an alias maps to its survivor): what the importer's links would point at.
    tag_names: dict[str, dict[str, tuple[str, str]]]


_STATE: dict = {}


def init_worker(context: WorkerContext) -> None:
    if _STATE.get("context") is context:
        return  # forked from a parent that already built everything
    _STATE["context"] = context
    _STATE["corpus"] = Corpus(context.n, context.seed, context.companies_path)
    _STATE["corpus"].pool  # noqa: B018 - build it once
    _STATE["matcher"] = CompanyMatcher(context.entries, MemoSegmenter())


def tag_key(name: str) -> str:
    from articles.models.tags import normalize_tag_name

    return normalize_tag_name(name)


def _enrich_record(index: int) -> tuple:
    context: WorkerContext = _STATE["context"]
    corpus: Corpus = _STATE["corpus"]
    source, line = corpus.source_name(index)
    parsed = parse_bytes(corpus.record(index).text().encode("utf-8"), source)
    if parsed.errors or len(parsed.records) != 1:
        raise ValueError(f"record {index} does not parse: {parsed.errors}")
    record = parsed.records[0]
    tags = {}
    for kind in ("keywords", "technologies", "industries"):
        known = context.tag_names.get(kind, {})
        seen: set[str] = set()
        items = []
        for position, name in enumerate(getattr(record, kind)):
            key = tag_key(name)
            identity, display = known.get(key, (key, name))
            if identity not in seen:
                seen.add(identity)
                items.append((position, name, display))
        tags[kind] = items
    result = enrich_text(
        _STATE["matcher"],
        title=record.title,
        summary=record.summary,
        event_summary=record.event_summary,
        keywords=[display for _, _, display in tags["keywords"]],
        technologies=[display for _, _, display in tags["technologies"]],
        industries=[display for _, _, display in tags["industries"]],
        company_names=context.names_by_slug,
    )
    return (
        index,
        canonical_url(record.link),
        record.link,
        record.title,
        record.summary,
        record.event_summary,
        record.content_hash(),
        source[:1024],
        line,
        tags,
        [(m.slug, m.mentions, m.in_title) for m in result.companies],
        result.main_company,
        result.event_type,
        result.event_cues,
        result.event_date,
        result.event_date_precision,
        result.search_vector,
        result.bigram_vector,
    )


def enrich_records(indices: list[int]) -> list[tuple]:
    return [_enrich_record(index) for index in indices]
