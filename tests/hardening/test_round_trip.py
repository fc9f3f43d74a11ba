"""The export round trip with awkward data: CR LF, emoji, right-to-left marks, line and
paragraph separators, astral characters and a 100,000-character summary.

Decision (documented in docs/OPERATIONS.md): the importer stores one line ending, LF;
CR LF and lone CR inside values become LF. Everything else is kept exactly, so after
the first import export → import → export is byte-identical.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from articles.importing.service import import_paths
from articles.models import Article

pytestmark = pytest.mark.django_db

LONG_SUMMARY = ("腾讯发布混元大模型。🙂 " * 9_000)[:100_000]
AWKWARD = [
    {
        "title": "🤖 腾讯发布混元大模型 👩‍💻👍🏽",
        "link": "https://news.test/emoji?q=🙂",
        "summary": "第一行\r\n第二行\r\n\r\n第二段\r旧 Mac 行尾",
        "event_summary": "2023年9月7日，腾讯发布混元大模型。🎉",
        "keywords": ["🙂", "大模型", "𠮷野家"],
        "technologies": ["LLM 🧠"],
        "industries": ["金融"],
        "extra": {"作者": "测试员 ✍️", "来源": "第一行\r\n第二行"},
    },
    {
        "title": "\u200fمرحبا\u200f 腾讯 \u202eRTL override\u202c 标记",
        "link": "https://news.test/rtl",
        "summary": "阿拉伯语：\u200fمرحبا بالعالم\u200f。希伯来语：\u200fשלום\u200e。",
        "event_summary": "",
        "keywords": ["\u200fمرحبا"],
        "technologies": [],
        "industries": [],
    },
    {
        "title": "行分隔符\u2028段分隔符\u2029组合字符 e\u0301 零宽\u200d连接",
        "link": "https://news.test/separators",
        "summary": "第一行\u2028同一段\u2029下一段\t制表符  ＡＢＣ 全角",
        "event_summary": "",
        "keywords": ["ＡＢＣ"],
        "technologies": [],
        "industries": [],
    },
    {
        "title": "十万字的总结",
        "link": "https://news.test/long",
        "summary": LONG_SUMMARY,
        "event_summary": "",
        "keywords": [],
        "technologies": [],
        "industries": [],
    },
]


def expected(record: dict) -> dict:
    """What the archive keeps: CR LF and CR become LF; the rest is unchanged."""

    def lf(value):
        if isinstance(value, str):
            return value.replace("\r\n", "\n").replace("\r", "\n")
        if isinstance(value, dict):
            return {key: lf(item) for key, item in value.items()}
        return value

    result = {key: lf(value) for key, value in record.items()}
    result["keywords"] = [
        {"ＡＢＣ": "ABC"}.get(keyword, keyword) for keyword in result["keywords"]
    ]  # tags are NFKC-normalised (documented in articles.importing.values)
    return result


def export(path) -> list[dict]:
    call_command("export_articles", "-o", str(path))
    data = path.read_bytes()
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""  # one JSON object a line, LF-terminated
    return [json.loads(line) for line in lines[:-1]]


def test_awkward_data_survives_export_and_reimport_byte_for_byte(tmp_path):
    source = tmp_path / "awkward.jsonl"
    source.write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in AWKWARD),
        encoding="utf-8",
        newline="",
    )
    report = import_paths([str(source)])
    assert report.errors == [] and report.created == len(AWKWARD)

    first = tmp_path / "first.jsonl"
    exported = {item["link"]: item for item in export(first)}
    assert len(exported) == len(AWKWARD)  # U+2028 and U+2029 did not split a line
    for record in AWKWARD:
        item = exported[record["link"]]
        want = expected(record)
        for key in ("title", "summary", "event_summary", "keywords", "technologies"):
            assert item[key] == want[key], (record["link"], key)
        assert item.get("extra", {}) == want.get("extra", {})
    assert "\r" not in first.read_text(encoding="utf-8")
    assert len(Article.objects.get(url="https://news.test/long").summary) == 100_000

    Article.objects.all().delete()
    report = import_paths([str(first)])
    assert report.errors == [] and report.created == len(AWKWARD)
    second = tmp_path / "second.jsonl"
    export(second)
    assert second.read_bytes() == first.read_bytes()


def test_the_txt_format_keeps_the_same_values(tmp_path):
    """A .txt file with CR LF line endings reads the same as the JSON Lines above."""
    record = AWKWARD[0]
    text = (
        f"标题: {record['title']}\r\n链接: {record['link']}\r\n"
        f"总结: {record['summary']}\r\n关键词: {', '.join(record['keywords'])}\r\n"
    )
    (tmp_path / "a.txt").write_bytes(text.encode("utf-8"))
    report = import_paths([str(tmp_path / "a.txt")])
    assert report.errors == []
    article = Article.objects.get()
    assert article.title == record["title"]
    assert article.summary == expected(record)["summary"]
