"""True counts, computed independently of the derived rows: plain ORM over the links."""

from __future__ import annotations

from django.db.models import Count

from articles.models import (
    Article,
    ArticleCompany,
    ArticleFacetRow,
    ArticleIndustry,
    ArticleKeyword,
    ArticleTechnology,
    Company,
    Industry,
    Keyword,
    Technology,
)

DIMENSIONS = {
    "company": (Company, ArticleCompany, "company_id"),
    "industry": (Industry, ArticleIndustry, "tag_id"),
    "technology": (Technology, ArticleTechnology, "tag_id"),
    "keyword": (Keyword, ArticleKeyword, "tag_id"),
}


def true_rows() -> dict[int, tuple]:
    ids = {
        name: {
            pk: sorted(link_model.objects.filter(article_id=pk).values_list(column, flat=True))
            for pk in Article.objects.values_list("pk", flat=True)
        }
        for name, (_, link_model, column) in DIMENSIONS.items()
    }
    return {
        article.pk: (
            article.status,
            article.event_type,
            article.event_date,
            article.main_company_id,
            *(ids[name][article.pk] for name in DIMENSIONS),
        )
        for article in Article.objects.all()
    }


def derived_rows() -> dict[int, tuple]:
    return {
        row.article_id: (
            row.status,
            row.event_type,
            row.event_date,
            row.main_company_id,
            row.company_ids,
            row.industry_ids,
            row.technology_ids,
            row.keyword_ids,
        )
        for row in ArticleFacetRow.objects.all()
    }


def true_counts(articles=None) -> dict[str, dict[str, int]]:
    """``{facet parameter: {slug: published articles linked}}`` with ``Count`` over the links."""
    articles = Article.objects.published() if articles is None else articles
    counts = {}
    for name, (model, _, _) in DIMENSIONS.items():
        counted = model.objects.filter(article_links__article__in=articles).annotate(
            n=Count("article_links")
        )
        counts[name] = {obj.slug: obj.n for obj in counted}
    counts["event_type"] = dict(
        articles.order_by().values_list("event_type").annotate(n=Count("pk"))
    )
    return counts


def shown_counts(facets) -> dict[str, dict[str, int]]:
    """The list page's facets as ``{parameter: {slug: count}}``."""
    return {facet.spec.param: {v.slug: v.count for v in facet.values} for facet in facets}
