"""The same pages on the naive baseline (bench/baseline.py), without the extra indexes."""

from __future__ import annotations

from bench.timing import measure, print_figure

BASELINE_PATHS = {
    "list": "/baseline/articles/",
    "list_filtered": "/baseline/articles/",
    "search_common": "/baseline/articles/",
    "search_rare": "/baseline/articles/",
    "search_filtered": "/baseline/articles/",
    "feed": "/baseline/articles/feed/",
    "csv": "/baseline/articles.csv",
}


def measure_baseline(urls: dict[str, list[str]], requests: int, budget: float) -> dict:
    """The naive pages, with the extra indexes dropped in a transaction rolled back after."""
    from django.db import connection, transaction
    from django.test import Client

    from bench.baseline import extra_indexes

    client = Client()
    results = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            dropped = extra_indexes(cursor)
            for name, _ in dropped:
                cursor.execute(f"DROP INDEX {name}")
        print(f"baseline: dropped {len(dropped)} extra indexes: {', '.join(n for n, _ in dropped)}")
        for key, page_urls_ in urls.items():
            path = BASELINE_PATHS.get(key)
            base = page_urls_
            if path:  # the same query string on the baseline's view
                base = [path + (url[url.index("?") :] if "?" in url else "") for url in base]
            elif key.startswith(("detail", "company")):  # the same page, rendered every time
                base = ["/baseline" + url for url in base]
            results[key] = measure(client, base, requests, budget=budget)
            print_figure("baseline", key, results[key])
        transaction.set_rollback(True)
    results["_dropped_indexes"] = [name for name, _ in dropped]
    return results
