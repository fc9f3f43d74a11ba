"""Fixtures for the public pages: a few small records imported the real way."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from articles.dictionary import load_company_dictionary
from articles.importing.service import import_paths
from articles.models import Article

ROOT = Path(__file__).resolve().parents[2]

SCRIPT_TITLE = '<script>alert("title")</script>腾讯发布混元大模型'
SCRIPT_SUMMARY = "2023年9月7日，腾讯发布混元大模型。<script>alert('summary')</script>"

# Four published records and one to hide. 金融 is on three published articles and on
# the hidden one; 秘密行业 and 秘密词 are only on the hidden one.
SITE_RECORDS = f"""\
标题: 百度发布文心一言4.0
链接: https://news.test/baidu-ernie-4
总结: 2023年10月17日，百度在世界大会上发布文心一言4.0，腾讯和阿里巴巴也在关注。

百度称新版本理解能力明显提升。
第二段第二行。
关键词: 文心一言, 大模型
AI技术: 大语言模型
行业: 金融、教育
作者: 测试员
来源频道: 科技

标题: 百度文心一言用户数突破一亿
链接: https://news.test/baidu-ernie-users
总结: 2023年12月28日，百度宣布文心一言用户数突破一亿。
关键词: 文心一言, 用户数
AI技术: 大语言模型
行业: 金融

标题: 阿里巴巴开源通义千问7B模型
链接: https://news.test/alibaba-qwen-7b
总结: 2023年8月3日，阿里巴巴开源通义千问70亿参数模型。
关键词: 通义千问, 开源
AI技术: 大语言模型, 开源模型
行业: 金融、电商

标题: {SCRIPT_TITLE}
链接: https://news.test/tencent-hunyuan
总结: {SCRIPT_SUMMARY}
关键词: 混元, <img src=x onerror=alert(3)>
AI技术: 大语言模型
行业: 互联网

标题: 隐藏的秘密文章：百度完成新一轮融资
链接: https://news.test/hidden
总结: 2023年11月1日，百度完成新一轮融资。这篇文章已被隐藏。
关键词: 秘密词
AI技术: 大语言模型
行业: 金融、秘密行业
"""


def write_records(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def numbered_records(start: int, stop: int) -> str:
    """Articles of one shape, so pages built from 3 or from 10 run the same queries."""
    records = []
    for i in range(start, stop):
        month = i % 12 + 1
        records.append(
            f"标题: 百度发布文心大模型第{i}版\n"
            f"链接: https://news.test/numbered/{i}\n"
            f"总结: 2024年{month}月{i % 27 + 1}日，百度发布文心大模型第{i}版，腾讯也在关注。\n"
            f"关键词: 文心一言, 大模型, 版本{i}\n"
            f"AI技术: 大语言模型\n"
            f"行业: 金融、行业{i}\n"
        )
    return "\n".join(records)


@pytest.fixture
def dictionary(db):
    load_company_dictionary(ROOT / "fixtures" / "companies.json")


@pytest.fixture
def site(dictionary, tmp_path):
    """The small corpus above; returns the articles by a short name."""
    report = import_paths([str(write_records(tmp_path / "site.txt", SITE_RECORDS))])
    assert report.errors == [] and report.created == 5
    by_url = {article.canonical_url.rsplit("/", 1)[1]: article for article in Article.objects.all()}
    hidden = by_url["hidden"]
    hidden.status = Article.Status.HIDDEN
    hidden.save(update_fields=["status"])
    return {
        "ernie": by_url["baidu-ernie-4"],
        "users": by_url["baidu-ernie-users"],
        "qwen": by_url["alibaba-qwen-7b"],
        "script": by_url["tencent-hunyuan"],
        "hidden": hidden,
    }


@pytest.fixture
def import_numbered(dictionary, tmp_path):
    """Import numbered articles [start, stop) (see numbered_records)."""

    def run(start: int, stop: int) -> None:
        path = write_records(
            tmp_path / f"numbered-{start}-{stop}.txt", numbered_records(start, stop)
        )
        report = import_paths([str(path)])
        assert report.errors == [] and report.created == stop - start

    return run


@pytest.fixture
def client():
    """English pages (chosen as the language switch does), so tests match exact strings."""
    client = Client()
    client.cookies["django_language"] = "en"
    return client
