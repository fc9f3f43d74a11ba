"""The benchmark's corpus, and the terms, filters and pages chosen from it."""

from __future__ import annotations

import math
import re
import time


def ensure_corpus(n: int, seed: int, workers: int, copies: int = 1) -> dict:
    from django.core.management import call_command

    from articles.models import Article, ImportBatch
    from bench.corpus import Corpus

    corpus = Corpus(n, seed, copies=copies)
    fingerprint = corpus.fingerprint()
    batch = ImportBatch.objects.filter(sources=corpus.marker()).order_by("-pk").first()
    if batch and Article.objects.count() == n:
        print(f"reusing the corpus in the database: {n:,} articles, seed {seed}; vacuuming")
        # The state a load leaves: an interrupted run (a crashed import, say) leaves dead
        # rows behind, and they are enough to flip the plan of a common-term search.
        from django.db import connection

        from bench.fastload import _written_tables

        with connection.cursor() as cursor:
            for table in _written_tables():
                cursor.execute(f"VACUUM ANALYZE {table}")
        return {
            "n": n,
            "seed": seed,
            "copies": copies,
            "fingerprint": fingerprint,
            "generated_in_this_run": False,
            "load_seconds": (batch.finished_at - batch.started_at).total_seconds(),
        }
    print(f"generating {n:,} articles (seed {seed}) straight into the database …")
    started = time.monotonic()
    call_command(
        "generate_corpus", n, seed=seed, db=True, truncate=True, workers=workers, copies=copies
    )
    seconds = time.monotonic() - started
    return {
        "n": n,
        "seed": seed,
        "copies": copies,
        "fingerprint": fingerprint,
        "generated_in_this_run": True,
        "load_seconds": seconds,
        "articles_per_second": n / seconds,
    }


# -- choosing what to ask ------------------------------------------------------------

_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def choose_inputs(n: int) -> dict:
    """Terms, filters and pages picked from the data itself."""
    from django.db import connection
    from django.db.models import Count
    from django.utils.encoding import iri_to_uri

    from articles.dictionary import current_matcher, search_for
    from articles.models import Article, ArticleCompany, Company, Industry
    from articles.text.tsvector import quote_lexeme

    published = Article.objects.published()
    total = published.count()
    largest = Company.objects.annotate(n=Count("article_links")).order_by("-n", "slug").first()
    industry = Industry.objects.annotate(n=Count("article_links")).order_by("-n", "slug").first()
    _, matcher = current_matcher()

    # Document frequencies from a sample of about 2,000 vectors.
    step = max(1, total // 2000)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT search_vector FROM articles_article "
            f"WHERE id % {step} = 0$$)"  # noqa: S608 - an integer
        )
        stats = cursor.fetchall()
        sample = max(1, total // step)

    def fraction(term: str) -> float:
        return published.search(search_for(term)).count() / max(1, total)

    def usable(stats_rows):
        return [(w, d) for w, d in stats_rows if _CJK_WORD.match(w) and not matcher.expand(w)]

    words = usable(stats)
    words.sort(key=lambda wd: (abs(wd[1] / sample - 0.30), wd[0]))
    common = min(words[:6], key=lambda wd: (abs(fraction(wd[0]) - 0.30), wd[0]))[0]
    rare_limit = max(1, math.ceil(total / 10_000) - 1)  # < 0.01 %, or 1 article for N ≤ 10k
    # Rare words come from a larger random sample (~20,000 vectors): a word seen once in
    # 2,000 vectors is in about 0.05 % of the articles, five times the limit. Random
    # rows, not every k-th id: in a corpus of copies every k-th id repeats originals.
    percent = min(100.0, 100.0 * 20_000 / max(1, total))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT search_vector FROM articles_article "
            f"TABLESAMPLE BERNOULLI ({percent:.4f}) REPEATABLE (1)$$)"  # noqa: S608 - a float
        )
        rare_candidates = usable(cursor.fetchall())
    # The sample's rarest words first, then the first whose real count is under the
    # limit, else the rarest one checked.
    rare, fewest = None, None
    for word, _ in sorted(rare_candidates, key=lambda wd: (wd[1], wd[0]))[:400]:
        if search_for(word).tsquery != quote_lexeme(word):
            continue  # cut into a phrase of commoner words: not a rare term to a reader
        hits = published.search(search_for(word)).count()
        if 1 <= hits <= rare_limit:
            rare = word
            break
        if hits and (fewest is None or hits < fewest[1]):
            fewest = (word, hits)
    rare = rare or (fewest[0] if fewest else words[-1][0])

    filters = [("company", largest.slug), ("industry", industry.slug)]
    ids = list(published.order_by("id").values_list("id", flat=True))
    chosen = ids[:: max(1, len(ids) // 1000)][:1000]
    detail_urls = [
        iri_to_uri(a.get_absolute_url())
        for a in published.filter(id__in=chosen).order_by("id").only("id", "title")
    ]
    csv_params, csv_rows = _csv_filter(total)
    return {
        "articles": total,
        "largest_company": largest.slug,
        "largest_company_articles": ArticleCompany.objects.filter(company=largest).count(),
        "filters": filters,
        "filtered_articles": published.filter(
            company_links__company=largest, industry_links__tag=industry
        ).count(),
        "common_term": common,
        "common_fraction": fraction(common),
        "rare_term": rare,
        "rare_articles": published.search(search_for(rare)).count(),
        "detail_urls": detail_urls,
        "csv_params": csv_params,
        "csv_rows": csv_rows,
    }


def _csv_filter(total: int) -> tuple[list[tuple[str, str]], int]:
    """The filter whose result is closest to 10,000 rows (none when N ≤ 10k)."""
    from django.db.models import Count
    from django.db.models.functions import ExtractYear

    from articles.models import Article, Industry, Technology

    if total <= 10_000:
        return [], total
    published = Article.objects.published()
    options: list[tuple[int, list[tuple[str, str]]]] = []
    for year, count in (
        published.exclude(event_date=None)
        .annotate(y=ExtractYear("event_date"))
        .values_list("y")
        .annotate(n=Count("id"))
    ):
        options.append((count, [("year", str(year))]))
    for value, count in published.values_list("event_type").annotate(n=Count("id")):
        options.append((count, [("event_type", value)]))
    for param, model in (("industry", Industry), ("technology", Technology)):
        for slug, count in (
            model.objects.annotate(n=Count("article_links"))
            .order_by("-n")
            .values_list("slug", "n")[:40]
        ):
            options.append((count, [(param, slug)]))
    count, params = min(options, key=lambda o: (abs(o[0] - 10_000), o[1]))
    return params, count
