"""Everything enrichment derives from one record's text. Pure: no Django imports."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass

from .bigrams import bigram_vector
from .companies import CompanyMatcher, CompanyMention
from .dates import extract_event_date
from .events import classify_event
from .normalize import normalize
from .segment import Segmenter, get_segmenter
from .tsvector import tsvector_from_tokens


@dataclass(frozen=True)
class Enrichment:
    companies: list[CompanyMention]
    main_company: str | None  # slug
    event_type: str
    event_cues: list[str]
    event_date: dt.date | None
    event_date_precision: str  # "day" | "month" | "year" | ""
    search_vector: str  # a tsvector literal
    bigram_vector: str  # a tsvector literal of CJK character bigrams (text.bigrams)


def enrich_text(
    matcher: CompanyMatcher,
    *,
    title: str,
    summary: str = "",
    event_summary: str = "",
    keywords: Sequence[str] = (),
    technologies: Sequence[str] = (),
    industries: Sequence[str] = (),
    company_names: dict[str, str] | None = None,
    linked_names: Sequence[str] | None = None,
) -> Enrichment:
    """Derive companies, event and search vector.

    ``company_names`` maps slug → display name; the names of linked companies are
    indexed (weight B) so that a search for 腾讯 finds an article that only says 混元.
    ``linked_names`` replaces them when a curator fixed the article's companies.
    """
    seg = matcher_segmenter(matcher)
    # Each long field is normalised and cut once, for the company matching and both
    # indexes.
    segmenter = seg or get_segmenter()
    cut = segmenter.cut
    title_norm, event_norm, summary_norm = map(normalize, (title, event_summary, summary))
    title_tokens, event_tokens, summary_tokens = (
        segmenter.cut_normalized(text) if text else None
        for text in (title_norm, event_norm, summary_norm)
    )
    shared = {"title": title_tokens, "event_summary": event_tokens, "summary": summary_tokens}
    mentions = matcher.find(
        title=title,
        event_summary=event_summary,
        summary=summary,
        keywords=keywords,
        # Only the matcher's own segmenter may stand in for its cuts.
        tokens={k: v or [] for k, v in shared.items()} if seg is not None else None,
    )
    main = next((mention.slug for mention in mentions if mention.is_main), None)
    event = classify_event(title, event_summary, summary)
    date = extract_event_date(event_summary, summary, title)
    names = company_names or {}
    if linked_names is None:
        linked_names = [names.get(mention.slug, mention.slug) for mention in mentions]
    linked = " ".join(linked_names)

    def tokens(text: str) -> list[str] | None:
        return cut(text) if text else None

    tag_texts = [" ".join(keywords), linked, " ".join(technologies), " ".join(industries)]
    vector = tsvector_from_tokens(
        [
            ("A", title_tokens),
            *(("B", tokens(text)) for text in tag_texts),
            ("B", event_tokens),
            ("C", summary_tokens),
        ],
        seg,
    )
    bigrams = bigram_vector(
        [
            ("A", title_norm),
            *(("B", normalize(text)) for text in tag_texts),
            ("B", event_norm),
            ("C", summary_norm),
        ],
        normalized=True,
    )
    return Enrichment(
        companies=mentions,
        main_company=main,
        event_type=event.type,
        event_cues=list(event.cues),
        event_date=date.date if date else None,
        event_date_precision=date.precision if date else "",
        search_vector=vector,
        bigram_vector=bigrams,
    )


def matcher_segmenter(matcher: CompanyMatcher):
    return getattr(matcher, "segmenter", None)


# -- several processes -----------------------------------------------------------------

_worker: dict = {}


def _init_worker(matcher_or_entries, company_names: dict[str, str]) -> None:
    # Forked workers inherit the parent's matcher (and its segmenter) as they are;
    # spawned ones get the entries and build their own, once.
    if isinstance(matcher_or_entries, CompanyMatcher):
        _worker["matcher"] = matcher_or_entries
    else:
        _worker["matcher"] = CompanyMatcher(matcher_or_entries, Segmenter())
    _worker["names"] = company_names


def _enrich_in_worker(arguments: dict) -> Enrichment:
    return enrich_text(_worker["matcher"], company_names=_worker["names"], **arguments)


class ParallelEnricher:
    """``enrich_text`` in worker processes: segmentation is CPU-bound, threads do not help.

    Start-up costs ~0.1 s with fork (the workers inherit the built matcher), ~2 s with
    spawn; worth it for large runs only. ``submit`` takes the keyword arguments of
    ``enrich_text`` (minus matcher and company_names) for each article and returns
    an ``AsyncResult`` whose ``get()`` is the list of Enrichments, in order, so the
    caller can prepare the next batch or write the previous one meanwhile.
    """

    def __init__(
        self, matcher: CompanyMatcher, company_names: dict[str, str], processes: int = 2
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        method = "fork" if "fork" in methods else "spawn"
        context = multiprocessing.get_context(method)
        initial = matcher if method == "fork" else list(matcher.entries)
        self._processes = processes
        self._pool = context.Pool(
            processes, initializer=_init_worker, initargs=(initial, company_names)
        )

    def submit(self, arguments: list[dict]):
        chunksize = max(1, len(arguments) // (self._processes * 4))
        return self._pool.map_async(_enrich_in_worker, arguments, chunksize=chunksize)

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> ParallelEnricher:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
