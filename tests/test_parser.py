"""The pure record parser: no database, no Django settings needed."""

from __future__ import annotations

import codecs
import importlib.util
import json
from pathlib import Path

import pytest

from articles.importing import parser
from articles.importing.labels import match_label
from articles.importing.parser import parse_bytes, parse_file, parse_jsonl, split_list
from articles.importing.records import ParsedRecord

DATA = Path(__file__).parent / "data" / "parser"

SIMPLIFIED = {
    "title": "腾讯发布混元大模型",
    "link": "https://example.com/news/hunyuan?id=1",
    "summary": "腾讯在全球数字生态大会上发布了混元大模型。\n\n混元已接入50多个业务。",
    "event_summary": "腾讯发布混元大模型。",
    "keywords": ["混元大模型", "腾讯云", "AI时代"],
    "technologies": ["大模型", "行业大模型"],
    "industries": ["金融", "文旅", "零售"],
}
TRADITIONAL = {
    "title": "騰訊發布混元大模型",
    "link": "https://example.com/news/hunyuan?id=1",
    "summary": "騰訊在全球數字生態大會上發布了混元大模型。\n\n混元已接入50多個業務。",
    "event_summary": "騰訊發布混元大模型。",
    "keywords": ["混元大模型", "騰訊雲", "AI時代"],
    "technologies": ["大模型", "行業大模型"],
    "industries": ["金融", "文旅", "零售"],
}


def parse(name: str):
    return parse_file(DATA / name, display_name=name)


def only_record(name: str) -> ParsedRecord:
    result = parse(name)
    assert [str(error) for error in result.errors] == []
    assert len(result.records) == 1
    return result.records[0]


def error_strings(result) -> list[str]:
    return [str(error) for error in result.errors]


def txt(text: str, name: str = "x.txt"):
    return parse_bytes(text.encode("utf-8"), name)


def fields(record: ParsedRecord) -> dict:
    content = record.content()
    content.pop("extra", None)
    return content


# --- encodings and line endings ------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "utf8.txt",
        "utf8_bom.txt",
        "utf16le_bom.txt",
        "utf16be_bom.txt",
        "gb18030.txt",
        "crlf.txt",
        "cr_only.txt",
    ],
)
def test_encoded_variants_give_the_same_record(name):
    record = only_record(name)
    assert fields(record) == SIMPLIFIED
    assert record.extra == {}
    assert record.line == 1
    assert record.source == name


def test_big5_is_told_apart_from_gb18030():
    # These bytes also decode as GB18030 (as nonsense); the judge must pick Big5.
    data = (DATA / "big5.txt").read_bytes()
    data.decode("gb18030")
    record = only_record("big5.txt")
    assert fields(record) == TRADITIONAL


def test_committed_variants_match_the_generator():
    spec = importlib.util.spec_from_file_location("make_variants", DATA / "make_variants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, data in module.variants().items():
        assert (DATA / name).read_bytes() == data, name


def test_binary_file_is_one_clear_error():
    result = parse("binary.bin")
    assert result.records == []
    assert error_strings(result) == [
        "binary.bin: not a text file (it contains NUL bytes; UTF-16 needs a byte order mark)"
    ]


def test_utf16_without_bom_is_refused_not_misread():
    result = parse_bytes("标题: x\n链接: https://a.com\n".encode("utf-16-le"), "u.txt")
    assert result.records == []
    assert error_strings(result) == [
        "u.txt: not a text file (it contains NUL bytes; UTF-16 needs a byte order mark)"
    ]


def test_many_control_characters_mean_not_text():
    result = parse_bytes(b"\x01\x02\x03\x04\x05 title: x", "c.txt")
    assert error_strings(result) == ["c.txt: not a text file (too many control characters)"]


def test_undecodable_bytes_are_refused():
    result = parse_bytes(b"Title: Caf\xe9 au lait\nLink: https://a.com\n", "l.txt")
    assert error_strings(result) == ["l.txt: cannot decode as UTF-8, UTF-16, GB18030 or Big5"]


def test_broken_utf8_is_refused_with_its_line_not_read_as_gb18030():
    good = (DATA / "utf8.txt").read_bytes()
    lines = good.split(b"\n")
    lines[4] = lines[4][:3] + b"\xff" + lines[4][3:]
    data = b"\n".join(lines)
    offset = data.index(b"\xff")
    result = parse_bytes(data, "b.txt")
    assert result.records == []
    assert error_strings(result) == [f"b.txt:5: invalid UTF-8 byte at offset {offset}"]


def test_utf16_with_bom_but_broken_is_refused():
    data = codecs.BOM_UTF16_LE + "标题: x\n".encode("utf-16-le") + b"\x00\xd8a\x00"
    result = parse_bytes(data, "s.txt")
    assert error_strings(result) == ["s.txt:2: cannot decode as UTF-16 despite its byte order mark"]


def test_utf32_with_bom_is_read():
    data = codecs.BOM_UTF32_LE + "标题: 三十二\n链接: https://a.com\n".encode("utf-32-le")
    assert [record.title for record in parse_bytes(data, "u32.txt").records] == ["三十二"]


def test_extra_byte_order_marks_and_zero_width_spaces_are_ignored():
    data = codecs.BOM_UTF8 + "\ufeff\ufeff标题: 甲\n\u200b链接: https://a.com\n".encode()
    result = parse_bytes(data, "z.txt")
    assert error_strings(result) == []
    assert (result.records[0].title, result.records[0].link) == ("甲", "https://a.com")


@pytest.mark.parametrize("data", [b"", b"  \r\n\n\t", codecs.BOM_UTF8])
def test_empty_file(data):
    assert error_strings(parse_bytes(data, "empty.txt")) == ["empty.txt: empty file"]


def test_empty_file_on_disk():
    assert error_strings(parse("empty.txt")) == ["empty.txt: empty file"]


def test_line_numbers_with_mixed_line_endings():
    text = "标题: a\r\n链接: https://a.com\r\n标题: b\r链接: javascript:x\r"
    result = txt(text)
    assert [record.line for record in result.records] == [1]
    assert error_strings(result) == [
        "x.txt:4: link: only http and https links are accepted, not 'javascript'"
    ]


# --- labels --------------------------------------------------------------------------


def test_fullwidth_colons():
    record = only_record("fullwidth_colon.txt")
    assert fields(record) == {
        "title": "全角冒号",
        "link": "https://example.com/fullwidth",
        "summary": "冒号是全角的。",
        "event_summary": "没有大事。",
        "keywords": ["冒号", "全角"],
        "technologies": ["无"],
        "industries": ["出版"],
    }


def test_spaces_around_colons_including_fullwidth_spaces_and_tabs():
    record = only_record("spaced_colons.txt")
    assert fields(record) == {
        "title": "空格冒号",
        "link": "https://example.com/spaced",
        "summary": "左右都有空格。",
        "event_summary": "",
        "keywords": ["a", "b"],
        "technologies": ["大模型"],
        "industries": [],
    }


def test_traditional_labels():
    record = only_record("traditional_labels.txt")
    assert fields(record) == {
        "title": "騰訊發布混元大模型",
        "link": "https://example.com/tw",
        "summary": "騰訊發布了混元。",
        "event_summary": "騰訊發布混元。",
        "keywords": ["混元", "騰訊雲"],
        "technologies": ["大模型"],
        "industries": ["金融"],
    }


def test_english_labels_any_case_and_link_kept_as_written():
    record = only_record("english_labels.txt")
    assert fields(record) == {
        "title": "OpenAI releases a new model",
        "link": "https://Example.com/Path?utm_source=x",
        "summary": "First paragraph.\n\nSecond paragraph.",
        "event_summary": "OpenAI released a model.",
        "keywords": ["OpenAI", "GPT"],
        "technologies": ["LLM"],
        "industries": ["Software"],
    }


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("ＡＩ技術：大模型", "technologies", "大模型"),
        ("  AI  Technologies : LLM", "technologies", "LLM"),
        ("technology: LLM", "technologies", "LLM"),
        ("MAJOR EVENT: x", "event_summary", "x"),
        ("Major event summary:x", "event_summary", "x"),
        ("Industry: 金融", "industries", "金融"),
        ("URL: https://a.com", "link", "https://a.com"),
        ("Link:https://a.com", "link", "https://a.com"),
        ("重大事件摘要 ： 发布", "event_summary", "发布"),
    ],
)
def test_known_label_spellings(line, field, value):
    match = match_label(line)
    assert (match.field, match.value) == (field, value)


@pytest.mark.parametrize(
    ("line", "label", "value"),
    [
        ("作者: 张三", "作者", "张三"),
        ("来源：新华社", "来源", "新华社"),
        ("  编辑 ： 李四", "编辑", "李四"),
        ("Source: xyz", "Source", "xyz"),
        ("Published at: 2023-09-07", "Published at", "2023-09-07"),
        ("Ed's note: hi", "Ed's note", "hi"),
        ("标题党: 不是标题", "标题党", "不是标题"),
        ("蒋杰认为：测试很多", "蒋杰认为", "测试很多"),  # the shape fits; context decides
    ],
)
def test_unknown_label_shape_accepted(line, label, value):
    match = match_label(line)
    assert (match.field, match.label, match.value) == (None, label, value)


@pytest.mark.parametrize(
    "line",
    [
        "蒋杰认为，测试：很多",  # sentence punctuation in the label
        "“引号”：不是标签",
        "据《人民日报》: 报道",
        "Hello, world: x",
        "这是一个非常长的标签名称超过十二字: x",  # longer than 12 characters
        "a very long label: x",  # colon beyond 12 characters
        "a b c d: x",  # four Latin words
        "中文 标签: x",  # a space inside a CJK label
        "https://example.com/page",  # a URL on its own line
        "10:30 开会",  # does not start with a letter
        "：前面没有标签",
        "没有冒号的一行",
        "",
    ],
)
def test_unknown_label_shape_rejected(line):
    assert match_label(line) is None


def test_unknown_fields_go_to_extra_but_never_split_prose():
    record = only_record("unknown_fields.txt")
    assert record.line == 2  # the title's line, although 作者 came first
    assert record.extra == {
        "作者": "张三",
        "来源": "新华社",
        "Source": "xyz",
        "Published at": "2023-09-07",
        "备注": "第一行\n第二行\n注意：这一行属于备注。",
    }
    assert record.summary == (
        "据报道，会议于上午召开。\n"
        "蒋杰认为：测试大语言模型的途径有很多。\n"
        "Note: this line belongs to the summary."
    )
    assert record.keywords == ["测试"]
    assert record.event_summary == "发布。\n编辑: 这一行属于重大事件摘要。"


def test_known_label_always_ends_a_summary():
    record = txt("标题: a\n链接: https://a.com\n总结: 第一行\n行业: 金融\n").records[0]
    assert (record.summary, record.industries) == ("第一行", ["金融"])


def test_unknown_label_after_one_line_extra_is_a_new_field():
    record = txt("标题: a\n链接: https://a.com\n作者: 张三\n编辑: 李四\n").records[0]
    assert record.extra == {"作者": "张三", "编辑": "李四"}


# --- values --------------------------------------------------------------------------


def test_multiline_summary_keeps_paragraphs():
    record = only_record("multiline_summary.txt")
    assert record.summary == "第一段第一行。\n第一段第二行。\n\n\u3000\u3000第二段。\n\n第三段。"
    assert record.keywords == ["段落"]


def test_multiline_title_is_joined_with_a_space_and_link_may_follow_its_label():
    record = txt("标题: 第一行\n  第二行  \n链接:\nhttps://a.com/x\n").records[0]
    assert (record.title, record.link) == ("第一行 第二行", "https://a.com/x")


def test_link_over_two_lines_is_an_error():
    result = txt("标题: a\n链接: https://a.com/x\nhttps://b.com\n")
    assert error_strings(result) == ["x.txt:2: link: contains spaces or line breaks"]


def test_control_characters_are_removed_and_tabs_kept():
    record = txt("标题: A\x07B\n链接: https://a.com\x0b\n总结: a\tb\n").records[0]
    assert (record.title, record.link, record.summary) == ("AB", "https://a.com", "a\tb")


def test_list_separators_normalisation_and_duplicates():
    record = only_record("list_separators.txt")
    assert record.keywords == [
        "大模型",
        "腾讯云",
        "AI时代",
        "ChatGPT",
        "文心一言",
        "通义千问",
        "盘古",
        "混元",
        "星火",
    ]
    assert record.technologies == ["GPT-4", "LLM", "RAG", "Agent"]
    assert record.industries == ["金融", "医疗", "教育"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a, b，c、d; e；f / g | h\ni", ["a", "b", "c", "d", "e", "f", "g", "h", "i"]),
        ("AI/ML", ["AI", "ML"]),
        ("ＧＰＴ－４，ｇｐｔ－４, Gpt-4", ["GPT-4"]),
        ("  large   language\u3000model ,, ", ["large language model"]),
        ("Kimi, kimi, KIMI, 月之暗面", ["Kimi", "月之暗面"]),
        ("a／b｜c；d", ["a", "b", "c", "d"]),
        ("", []),
        (" ,、;\n ", []),
    ],
)
def test_split_list(value, expected):
    assert split_list(value) == expected


# --- validation ----------------------------------------------------------------------


def test_missing_title():
    result = parse("missing_title.txt")
    assert result.records == []
    assert error_strings(result) == ["missing_title.txt:1: title: missing field"]


def test_missing_link():
    result = parse("missing_link.txt")
    assert result.records == []
    assert error_strings(result) == ["missing_link.txt:1: link: missing field"]


def test_bad_scheme():
    result = parse("bad_scheme.txt")
    assert result.records == []
    assert error_strings(result) == [
        "bad_scheme.txt:2: link: only http and https links are accepted, not 'javascript'"
    ]


def test_link_without_host():
    result = txt("标题: a\n链接: https:///path\n")
    assert error_strings(result) == ["x.txt:2: link: the link has no host"]


def test_multi_record_file_keeps_the_good_records():
    result = parse("multi_record.txt")
    assert [(record.title, record.line, record.link) for record in result.records] == [
        ("第一篇", 1, "https://example.com/1"),
        ("Third", 11, "https://example.com/3"),
    ]
    assert result.records[0].summary == "一"  # the ----- separator is not kept
    assert result.records[0].keywords == ["a"]
    assert error_strings(result) == [
        "multi_record.txt:7: link: only http and https links are accepted, not 'javascript'"
    ]


def test_duplicate_fields_reject_the_record():
    text = (
        "标题: a\n链接: https://a.com\nURL: https://b.com\n作者: x\n作者: y\n"
        "标题: b\n链接: https://c.com\n"
    )
    result = txt(text)
    assert [record.title for record in result.records] == ["b"]
    assert error_strings(result) == [
        "x.txt:3: link: duplicate field",
        "x.txt:5: 作者: duplicate field",
    ]


def test_text_before_the_first_label_is_reported():
    result = txt("今日新闻汇总\n\n标题: a\n链接: https://a.com\n")
    assert [record.title for record in result.records] == ["a"]
    assert error_strings(result) == ["x.txt:1: text before the first label"]


@pytest.mark.parametrize("text", ["只是一些文字\n没有任何标签\n", "作者: 张三\n来源: 新华社\n"])
def test_no_records_found(text):
    assert error_strings(txt(text)) == ["x.txt: no records found"]


def base(extra: str = "") -> str:
    return "标题: t\n链接: https://a.com\n" + extra


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "标题: " + "字" * 501 + "\n链接: https://a.com\n",
            "1: title: too long: 501 characters (limit 500)",
        ),
        (
            "标题: t\n链接: https://a.com/" + "a" * 1987 + "\n",
            "2: link: too long: 2,001 characters (limit 2,000)",
        ),
        (
            base("重大事件摘要: " + "事" * 20_001),
            "3: event_summary: too long: 20,001 characters (limit 20,000)",
        ),
        (base("作者: " + "名" * 10_001), "3: 作者: too long: 10,001 characters (limit 10,000)"),
        (
            base("关键词: a, " + "b" * 101),
            "3: keywords: item 2 too long: 101 characters (limit 100)",
        ),
        (
            base("行业: " + ",".join(f"i{n}" for n in range(51))),
            "3: industries: too many items: 51 (limit 50)",
        ),
        (
            base("".join(f"f{n}: v\n" for n in range(51))),
            "1: extra: too many fields: 51 (limit 50)",
        ),
    ],
)
def test_size_limits(text, error):
    result = txt(text)
    assert result.records == []
    assert error_strings(result) == [f"x.txt:{error}"]


def test_values_at_the_limits_are_accepted():
    text = (
        "标题: " + "字" * 500 + "\n链接: https://a.com/" + "a" * 1986 + "\n"
        "总结: " + "文" * 200_000 + "\n关键词: " + ",".join(f"k{n}" for n in range(50)) + "\n"
    )
    result = txt(text)
    assert error_strings(result) == []
    assert len(result.records[0].link) == 2000
    assert len(result.records[0].keywords) == 50


def test_one_megabyte_summary_is_rejected_quickly_with_its_line():
    text = (
        "\n标题: 超长\n链接: https://a.com\n作者: 张三\n总结: " + "字" * 1_000_000 + "\n关键词: a\n"
    )
    result = txt(text, "big.txt")
    assert result.records == []
    assert error_strings(result) == [
        "big.txt:5: summary: too long: 1,000,000 characters (limit 200,000)"
    ]


def test_pathological_lines_do_not_hang():
    assert error_strings(txt(":" * 1_000_000)) == ["x.txt: no records found"]
    assert error_strings(txt("标题: a\n" + " " * 1_000_000 + "a:" * 500_000)) == [
        "x.txt:1: link: missing field",
        "x.txt:2: a: too long: 999,998 characters (limit 10,000)",
    ]


def test_file_size_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(parser, "MAX_FILE_BYTES", 10)
    assert error_strings(parse_bytes(b"x" * 11, "big.txt")) == [
        "big.txt: file too large: 11 bytes (limit 10)"
    ]
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"{}" * 6)
    assert error_strings(parse_file(path, "big.jsonl")) == [
        "big.jsonl: file too large: 12 bytes (limit 10)"
    ]


# --- JSON Lines ----------------------------------------------------------------------


def test_jsonl_records():
    result = parse("records.jsonl")
    assert error_strings(result) == []
    first, second, third = result.records
    assert first.content() == {
        "title": "JSON 一",
        "link": "https://example.com/j1",
        "summary": "第一段\n\n第二段",
        "event_summary": "事件",
        "keywords": ["大模型", "GPT"],
        "technologies": ["LLM", "RAG"],
        "industries": ["金融", "医疗"],
        "extra": {"作者": "张三"},
    }
    assert (second.line, second.link, second.event_summary) == (3, "https://example.com/j2", "大事")
    assert second.extra == {"source": "新华社", "rank": "3", "tags": '["a", "b"]'}
    assert (third.line, third.title, third.summary) == (4, "JSON 三", "AB\nC")
    assert first.source == "records.jsonl"


def test_bad_jsonl_reports_each_line_and_keeps_the_good_one():
    result = parse("bad.jsonl")
    assert [record.title for record in result.records] == ["好"]
    assert error_strings(result) == [
        "bad.jsonl:2: invalid JSON: Expecting value (column 24)",
        "bad.jsonl:3: expected a JSON object, not an array",
        "bad.jsonl:4: title: must be a string",
        "bad.jsonl:5: link: duplicate field",
        "bad.jsonl:6: title: missing field",
        "bad.jsonl:7: link: only http and https links are accepted, not 'ftp'",
        "bad.jsonl:8: keywords: must be a string or a list of strings",
        "bad.jsonl:9: extra: must be an object",
        "bad.jsonl:10: title: duplicate field",
    ]


def test_jsonl_in_utf16_with_crlf():
    text = '{"Title": "甲", "URL": "https://a.com"}\r\n\r\n{"title": "乙", "link": "https://b.com"}\r\n'
    result = parse_jsonl(codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "u.jsonl")
    assert [(record.title, record.line) for record in result.records] == [("甲", 1), ("乙", 3)]


def test_jsonl_nesting_and_huge_numbers_are_errors_not_crashes():
    data = b'{"title": "a", "link": "https://a.com"}\n' + b"[" * 100_000 + b"\n"
    data += b'{"title": 1' + b"0" * 5000 + b"}\n"
    result = parse_jsonl(data, "n.jsonl")
    assert error_strings(result) == [
        "n.jsonl:2: invalid JSON: too large or too deeply nested",
        "n.jsonl:3: invalid JSON: too large or too deeply nested",
    ]


def test_export_round_trip():
    records = []
    for name in sorted(DATA.iterdir()):
        if name.suffix in {".txt", ".jsonl"}:
            records.extend(parse(name.name).records)
    assert len(records) >= 20
    exported = "".join(json.dumps(r.content(), ensure_ascii=False) + "\n" for r in records)
    result = parse_jsonl(exported.encode("utf-8"), "export.jsonl")
    assert error_strings(result) == []
    assert [r.content() for r in result.records] == [r.content() for r in records]
    assert [r.content_hash() for r in result.records] == [r.content_hash() for r in records]


# --- parse_file ----------------------------------------------------------------------


def test_parse_file_picks_the_format_by_suffix(tmp_path):
    line = '{"title": "a", "link": "https://a.com"}\n'
    for suffix in (".jsonl", ".NDJSON"):
        path = tmp_path / f"r{suffix}"
        path.write_text(line, encoding="utf-8")
        result = parse_file(path)
        assert [record.title for record in result.records] == ["a"]
        assert result.records[0].source == str(path)
    path = tmp_path / "r.txt"
    path.write_text(line, encoding="utf-8")  # JSON is not the txt format
    assert error_strings(parse_file(path, "r.txt")) == ["r.txt: no records found"]


def test_parse_file_read_errors_become_record_errors(tmp_path):
    missing = tmp_path / "missing.txt"
    assert error_strings(parse_file(missing, "missing.txt")) == [
        "missing.txt: cannot read the file: No such file or directory"
    ]
    assert error_strings(parse_file(tmp_path, "dir")) == [
        "dir: cannot read the file: Is a directory"
    ]
