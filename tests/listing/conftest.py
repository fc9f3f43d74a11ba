import json
from pathlib import Path

import pytest

from articles.dictionary import load_company_dictionary
from articles.importing.service import import_paths

COMPANIES = [
    {
        "slug": "tencent",
        "name": "腾讯",
        "name_en": "Tencent",
        "aliases": ["腾讯云"],
        "products": ["混元"],
    },
    {"slug": "baidu", "name": "百度", "name_en": "Baidu", "aliases": [], "products": ["文心一言"]},
    {
        "slug": "alibaba",
        "name": "阿里巴巴",
        "name_en": "Alibaba",
        "aliases": ["阿里云"],
        "products": [],
    },
]

RECORDS = [
    # (title, link, keywords, technologies, industries, event summary)
    (
        "腾讯发布混元大模型",
        "https://example.com/1",
        "大模型, 腾讯云",
        "大模型",
        "金融、零售",
        "2023年9月7日，腾讯发布混元大模型。",
    ),
    (
        "百度发布文心一言",
        "https://example.com/2",
        "大模型, 文心一言",
        "大模型",
        "金融",
        "2023年3月16日，百度发布文心一言。",
    ),
    (
        "阿里云宣布大模型降价",
        "https://example.com/3",
        "降价",
        "大模型",
        "零售",
        "2024年5月21日，阿里云宣布通义千问大模型降价。",
    ),
    (
        "腾讯与百度达成合作",
        "https://example.com/4",
        "合作",
        "云计算",
        "教育",
        "2024年1月10日，腾讯与百度宣布达成战略合作。",
    ),
    (
        "<script>alert(1)</script>腾讯发布新品",
        "https://example.com/5",
        "<img src=x onerror=alert(1)>",
        "大模型",
        "游戏",
        "2024年6月1日，腾讯发布新品。",
    ),
]


def write_records(folder: Path, records) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, (title, link, keywords, technologies, industries, event) in enumerate(records):
        text = (
            f"标题: {title}\n链接: {link}\n总结: {title}。{event}\n关键词: {keywords}\n"
            f"AI技术: {technologies}\n行业: {industries}\n重大事件摘要: {event}\n"
        )
        (folder / f"{index:03d}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def companies(tmp_path, db):
    path = tmp_path / "companies.json"
    path.write_text(json.dumps(COMPANIES, ensure_ascii=False), encoding="utf-8")
    load_company_dictionary(path)


@pytest.fixture
def articles(companies, tmp_path):
    report = import_paths([str(write_records(tmp_path / "records", RECORDS))])
    assert report.errors == [] and report.created == len(RECORDS)
    return report


@pytest.fixture
def client(client):
    client.defaults["HTTP_HOST"] = "testserver"
    return client
