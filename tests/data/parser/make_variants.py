"""Regenerate the encoded and binary parser test files in this directory.

Run from anywhere: ``python tests/data/parser/make_variants.py``. The hand-written files
here (``english_labels.txt`` …) are plain UTF-8 and not touched. ``tests/test_parser.py``
checks that the committed files still equal what :func:`variants` returns.
"""

from __future__ import annotations

import codecs
from pathlib import Path

HERE = Path(__file__).resolve().parent

# One record in simplified Chinese; every encoded variant holds exactly this text.
SAMPLE = (
    "标题: 腾讯发布混元大模型\n"
    "链接: https://example.com/news/hunyuan?id=1\n"
    "总结: 腾讯在全球数字生态大会上发布了混元大模型。\n"
    "\n"
    "混元已接入50多个业务。\n"
    "关键词: 混元大模型, 腾讯云、AI时代\n"
    "AI技术: 大模型；行业大模型\n"
    "行业: 金融/文旅|零售\n"
    "重大事件摘要: 腾讯发布混元大模型。\n"
)

# The same record in traditional script with traditional labels, for Big5.
SAMPLE_TRADITIONAL = (
    "標題: 騰訊發布混元大模型\n"
    "鏈接: https://example.com/news/hunyuan?id=1\n"
    "總結: 騰訊在全球數字生態大會上發布了混元大模型。\n"
    "\n"
    "混元已接入50多個業務。\n"
    "關鍵詞: 混元大模型, 騰訊雲、AI時代\n"
    "AI技術: 大模型；行業大模型\n"
    "行業: 金融/文旅|零售\n"
    "重大事件摘要: 騰訊發布混元大模型。\n"
)

# A PNG-like header: NUL bytes and no byte order mark.
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))


def variants() -> dict[str, bytes]:
    return {
        "utf8.txt": SAMPLE.encode("utf-8"),
        "utf8_bom.txt": codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        "utf16le_bom.txt": codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"),
        "utf16be_bom.txt": codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"),
        "gb18030.txt": SAMPLE.encode("gb18030"),
        "big5.txt": SAMPLE_TRADITIONAL.encode("big5"),
        "crlf.txt": SAMPLE.replace("\n", "\r\n").encode("utf-8"),
        "cr_only.txt": SAMPLE.replace("\n", "\r").encode("utf-8"),
        "binary.bin": BINARY,
    }


def main() -> None:
    for name, data in variants().items():
        (HERE / name).write_bytes(data)
        print(f"wrote {name} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
