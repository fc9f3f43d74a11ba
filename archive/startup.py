"""What a web worker does once, before its first request (archive/wsgi.py)."""

from __future__ import annotations

import gc


def prepare_worker() -> None:
    """Load jieba's dictionaries now, then freeze what the worker has loaded.

    The dictionaries take about a second, never to be spent in a reader's first
    search (company words are added on first use; that is cheap). Frozen objects
    (Django, the app, the dictionaries) are left out of garbage collection: they live
    as long as the worker, and each full collection walked them again, a 40-50 ms
    pause in one request out of ~20 on the 1M company page. Under gunicorn's
    ``--preload`` freezing before the fork also keeps the workers' copies shared.
    """
    from articles.text.segment import get_segmenter

    get_segmenter()
    gc.collect()
    gc.freeze()
