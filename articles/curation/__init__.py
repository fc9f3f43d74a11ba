"""Curators' structural changes: hide/publish, merges, moving articles between events.

Pure service functions, called by the admin and by tests. Each runs in one
transaction and leaves a trace: a ``MergeRecord`` (merges), ``SlugRedirect``\\ s
(so old URLs answer 301), and admin ``LogEntry`` rows on every object it changed,
so that the admin history shows who did what and when.

Derived data (search vectors, events) of the articles a merge touched is not
recomputed here: ``reenrich_after_commit`` does it once the dictionary change is
committed, so that enrichment sees the new aliases.

Scale: rewriting an article row also rewrites its index entries, the search
vector's GIN entries included: a few milliseconds a row (measured on 200,000
articles). Writes go in chunks of ``CHUNK`` rows, so that no statement nears the web
process's statement timeout, and the admin hands work on more than ``INLINE_LIMIT``
articles to a background job (``later``), so that no request waits for long.

Modules: ``common`` (the error, chunked writes, admin history), ``article_actions``
(hide/publish, curated fields, re-enrichment, moves between events), ``merges``
(companies, tags, events), ``jobs`` (the background jobs the admin hands work to).
Callers import everything from ``articles.curation``.
"""

from articles.curation.article_actions import (
    CURATED_FORM_FIELDS,
    CURATED_VALUES,
    apply_curator_edit,
    articles_mentioning,
    hide_articles,
    mark_curated,
    move_articles_to_event,
    publish_articles,
    reenrich,
    reenrich_mentioning,
    release_and_reenrich,
    release_curated,
    set_status,
)
from articles.curation.common import CHUNK, CurationError, log
from articles.curation.jobs import (
    INLINE_LIMIT,
    JOBS,
    later,
    merge_many,
    merge_service,
    reenrich_after_commit,
)
from articles.curation.merges import merge_companies, merge_events, merge_tags

__all__ = [
    "CHUNK",
    "CURATED_FORM_FIELDS",
    "CURATED_VALUES",
    "INLINE_LIMIT",
    "JOBS",
    "CurationError",
    "apply_curator_edit",
    "articles_mentioning",
    "hide_articles",
    "later",
    "log",
    "mark_curated",
    "merge_companies",
    "merge_events",
    "merge_many",
    "merge_service",
    "merge_tags",
    "move_articles_to_event",
    "publish_articles",
    "reenrich",
    "reenrich_after_commit",
    "reenrich_mentioning",
    "release_and_reenrich",
    "release_curated",
    "set_status",
]
