"""The pages measured: their labels and targets, and the URLs asked for each."""

from __future__ import annotations

# page key -> (label, target p95 in ms or None)
PAGES = {
    "list": ("list with facets, no filter", 150),
    "list_filtered": ("list + 2 facet filters", 150),
    "search_common": ("search, common term", 200),
    "search_rare": ("search, rare term", 50),
    "search_filtered": ("search + 2 filters", None),
    "detail": ("detail page (cached)", 20),
    "detail_uncached": ("detail page, first view (rendered)", None),
    "company": ("company page (largest; cached)", 150),
    "feed": ("Atom feed", None),
    "csv": ("CSV export (first row / total)", 200),
}


# Pages whose aggregates (facets, counts, page totals) are cached by data version
# (articles/aggregate_cache.py), or whose body is (the company page,
# articles/company_page.py): also timed with those caches emptied before every
# request, i.e. the first reader after an import or an edit.
COLD_PAGES = ("list", "list_filtered", "search_common", "search_rare", "search_filtered", "company")


def table_rows():
    """(result key, label, target) of every row of the page table, cold ones included."""
    for key, (label, target) in PAGES.items():
        yield key, label, target
        if key in COLD_PAGES:
            yield f"{key}_cold", f"{label} — cold cache", target


DETAIL_CACHED = 30


def page_urls(inputs: dict) -> dict[str, list[str]]:
    from articles import querystring

    def url(path, params):
        encoded = querystring.encode(params)
        return path + (f"?{encoded}" if encoded else "")

    filters = inputs["filters"]
    common = [("q", inputs["common_term"])]
    return {
        "list": [url("/articles/", [])],
        "list_filtered": [url("/articles/", filters)],
        "search_common": [url("/articles/", common)],
        "search_rare": [url("/articles/", [("q", inputs["rare_term"])])],
        "search_filtered": [url("/articles/", common + filters)],
        # The same 30 articles again and again, after a warm-up over them: what a reader
        # gets once anyone has read the article. Then 30 articles never asked for before:
        # the page rendered from scratch (articles/detail_page.py).
        "detail": inputs["detail_urls"][:DETAIL_CACHED],
        "detail_uncached": inputs["detail_urls"][DETAIL_CACHED:],
        "company": [f"/companies/{inputs['largest_company']}/"],
        "feed": [url("/articles/feed/", [])],
        "csv": [url("/articles.csv", inputs["csv_params"])],
    }
