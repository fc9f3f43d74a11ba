from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class ArticleBigrams(models.Model):
    """An article's CJK character bigrams (``articles.text.bigrams``): substring search.

    A table of its own rather than a column: the vector is as large as the word
    vector, and the list, count and facet queries that never read it would otherwise
    carry it in every article row. Written with the word vector, by enrichment only.
    """

    article = models.OneToOneField(
        "Article", on_delete=models.CASCADE, primary_key=True, related_name="bigrams"
    )
    vector = SearchVectorField()

    class Meta:
        indexes = [GinIndex(fields=["vector"], name="article_bigrams_vector")]

    def __str__(self) -> str:
        return f"bigrams of article {self.article_id}"
