"""Tests for articles.text (pure code, no database)."""

from functools import lru_cache

# A fixed vocabulary so exact-output tests do not depend on the shipped ai_terms.txt.
WORDS = ("混元", "大模型", "混元大模型", "腾讯", "台积电", "AI芯片", "OpenAI", "百度")


@lru_cache(maxsize=1)
def segmenter():
    """A shared segmenter without the shipped user dictionary. Do not mutate it."""
    from articles.text.segment import Segmenter

    return Segmenter(WORDS, user_dict=None)
