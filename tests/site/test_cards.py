"""Article cards' tag links, read as rows in batches (articles/models/cards.py)."""

from __future__ import annotations

import re

import pytest

from articles.models import Article
from articles.models.cards import BATCH
from articles.templatetags.page_parts import card_tag_items

pytestmark = pytest.mark.django_db


def through_links(article: Article) -> list[tuple[str, str, str]]:
    """The card tags as the link models give them: the truth to compare with."""
    fetched = Article.objects.with_tag_links().get(pk=article.pk)
    return [
        (kind, link.tag.slug, link.tag.name)
        for kind, links in (
            ("industry", fetched.industry_links),
            ("technology", fetched.technology_links),
            ("keyword", fetched.keyword_links),
        )
        for link in links.all()
    ]


def test_cards_carry_their_tags_in_the_order_shown(site):
    ernie = Article.objects.for_cards().get(pk=site["ernie"].pk)
    assert [(kind, name) for kind, _slug, name in ernie.card_tags] == [
        ("industry", "金融"),
        ("industry", "教育"),
        ("technology", "大语言模型"),
        ("keyword", "文心一言"),
        ("keyword", "大模型"),
    ]
    for article in Article.objects.for_cards():
        assert article.card_tags == through_links(article)


def test_the_list_shows_each_cards_tags(client, site):
    html = client.get("/articles/", {"q": "文心一言"}).content.decode()
    card = html.split(f'href="/articles/{site["ernie"].pk}-', 1)[1].split("</article>", 1)[0]
    assert re.findall(r'class="tag tag-(\w+)"[^>]*>([^<]+)<', card) == [
        ("industry", "金融"),
        ("industry", "教育"),
        ("technology", "大语言模型"),
        ("keyword", "文心一言"),
        ("keyword", "大模型"),
    ]


def test_many_cards_take_one_query_per_batch(import_numbered, django_assert_num_queries):
    import_numbered(0, BATCH * 2 + 5)
    with django_assert_num_queries(1 + 3):
        articles = list(Article.objects.order_by("pk").for_cards())
    assert len(articles) == BATCH * 2 + 5
    for article in (articles[0], articles[BATCH], articles[-1]):
        assert article.card_tags == through_links(article)
        assert ("keyword", "版本" + article.title.split("第")[1].split("版")[0]) in [
            (kind, name) for kind, _slug, name in article.card_tags
        ]
    streamed = list(Article.objects.order_by("pk").for_cards().iterator(chunk_size=50))
    assert [a.card_tags for a in streamed] == [a.card_tags for a in articles]


def test_an_article_read_otherwise_gets_its_tags_with_one_query(site, django_assert_num_queries):
    plain = Article.objects.get(pk=site["ernie"].pk)
    card = Article.objects.for_cards().get(pk=site["ernie"].pk)
    with django_assert_num_queries(1):
        html = card_tag_items(plain, "/articles/")
    with django_assert_num_queries(0):
        assert card_tag_items(card, "/articles/") == html
    assert 'class="tag tag-keyword" href="/articles/?keyword=' in html
