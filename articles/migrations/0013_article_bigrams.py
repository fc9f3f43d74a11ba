"""Character-bigram vectors of every article (articles.text.bigrams), for substring search.

Existing articles get theirs here, from the same text the word vector indexes (title,
tags, linked company names, event summary, summary); the GIN index is built after
the rows, in one pass. Re-enriching an article writes it again.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

from articles.text.bigrams import bigram_vector

BATCH = 2000
TAG_LINKS = ("keyword_links", "technology_links", "industry_links")


def _names(links) -> str:
    return " ".join(link.tag.name for link in sorted(links, key=lambda link: link.position))


def backfill(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    connection = schema_editor.connection
    last = 0
    while True:
        batch = list(
            Article.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "title", "summary", "event_summary")
            .prefetch_related(*(f"{name}__tag" for name in TAG_LINKS), "company_links__company")
            [:BATCH]
        )
        if not batch:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE articles_articlebigrams")  # the planner's estimates
            return
        vectors = []
        for article in batch:
            keywords, technologies, industries = (
                _names(getattr(article, name).all()) for name in TAG_LINKS
            )
            linked = " ".join(link.company.name for link in article.company_links.all())
            vectors.append(
                bigram_vector(
                    [
                        ("A", article.title),
                        ("B", keywords),
                        ("B", linked),
                        ("B", technologies),
                        ("B", industries),
                        ("B", article.event_summary),
                        ("C", article.summary),
                    ]
                )
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO articles_articlebigrams (article_id, vector) "
                "SELECT * FROM unnest(%s::bigint[], %s::tsvector[])",
                [[article.pk for article in batch], vectors],
            )
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0012_jobs_durable_background"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleBigrams",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="bigrams",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="articlebigrams",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["vector"], name="article_bigrams_vector"
            ),
        ),
    ]
