"""Related articles: candidates of each kind, ranked by what they share."""

import pytest

from articles.importing.service import import_paths
from articles.models import Article

from .conftest import write_records

pytestmark = pytest.mark.django_db

# Related to the Ernie article: by a keyword only (one), by both keywords and Baidu, the
# maker of 文心一言 (two).
SHARERS = """\
标题: 某初创团队发布大模型评测工具
链接: https://news.test/keyword-one
总结: 2022年5月3日，一个初创团队发布了大模型评测工具。
关键词: 大模型, 评测

标题: 某高校团队发布大模型和文心一言对比报告
链接: https://news.test/keyword-two
总结: 2021年6月1日，一个高校团队发布了对比报告。
关键词: 大模型, 文心一言

标题: 某团队的隐藏文章
链接: https://news.test/keyword-hidden
总结: 2024年1月1日，这篇文章会被隐藏。
关键词: 大模型
"""


def related(article):
    article = Article.objects.for_cards().get(pk=article.pk)
    return [
        other.canonical_url.rsplit("/", 1)[1]
        for other in Article.objects.published().related_to(article)
    ]


def test_keyword_sharers_are_ranked_by_what_they_share(site, tmp_path):
    report = import_paths([str(write_records(tmp_path / "sharers.txt", SHARERS))])
    assert report.created == 3
    Article.objects.filter(canonical_url__endswith="/keyword-hidden").update(
        status=Article.Status.HIDDEN
    )
    # Company and both keywords (5 + 2 + 2), company and 文心一言 (5 + 2), 大模型 (2).
    assert related(site["ernie"]) == ["keyword-two", "baidu-ernie-users", "keyword-one"]
    # An article with no event, company or keyword in common has none.
    assert "keyword-one" not in related(site["qwen"])


def test_only_published_articles_are_candidates(site, tmp_path):
    import_paths([str(write_records(tmp_path / "sharers.txt", SHARERS))])
    Article.objects.filter(canonical_url__contains="/keyword-").update(status=Article.Status.HIDDEN)
    assert related(site["ernie"]) == ["baidu-ernie-users"]
