"""Everything enrichment derives from one record's text. Pure: no Django imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .companies import CompanyMatcher, CompanyMention
from .dates import extract_event_date
from .events import classify_event
from .segment import get_segmenter
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
    # Each long field is cut once, for the company matching and for the index.
    cut = (seg or get_segmenter()).cut
    title_tokens, event_tokens, summary_tokens = (
        cut(text) if text else None for text in (title, event_summary, summary)
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

    vector = tsvector_from_tokens(
        [
            ("A", title_tokens),
            ("B", tokens(" ".join(keywords))),
            ("B", tokens(linked)),
            ("B", tokens(" ".join(technologies))),
            ("B", tokens(" ".join(industries))),
            ("B", event_tokens),
            ("C", summary_tokens),
        ],
        seg,
    )
    return Enrichment(
        companies=mentions,
        main_company=main,
        event_type=event.type,
        event_cues=list(event.cues),
        event_date=date.date if date else None,
        event_date_precision=date.precision if date else "",
        search_vector=vector,
    )


def matcher_segmenter(matcher: CompanyMatcher):
    return getattr(matcher, "segmenter", None)
