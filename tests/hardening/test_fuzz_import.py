"""Fuzzing the importer with generated files: random bytes, truncated records, labels
without values, 10 MB fields, mixed encodings and broken JSON Lines.

Whatever the files, ``import_paths``

* never raises;
* reports every file that yields no record as an error naming that file;
* imports every good record exactly (the stored content hashes to the record's hash);
* leaves no half-written article: every article's stored content, tags in order,
  matches the hash written with it;
* in strict mode, leaves the database byte-for-byte unchanged when anything failed.

IMPORT_FUZZ_EXAMPLES sets the number of examples per test (default 60; ``make fuzz``
raises it).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from articles.exporting import article_content, export_queryset
from articles.importing.parser import parse_file
from articles.importing.service import import_paths
from articles.importing.urls import canonical_url
from articles.models import Article, ImportBatch
from tests.helpers import database_checksum

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("IMPORT_FUZZ_EXAMPLES", "60"))
MB = 1024 * 1024


def examples(count: int = EXAMPLES) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# -- file contents ----------------------------------------------------------------------

LABELS = [
    "标题",
    "链接",
    "总结",
    "关键词",
    "AI技术",
    "行业",
    "重大事件摘要",
    "Title",
    "URL",
    "標題",
    "作者",
]
LINKS = [
    "https://news.test/a",
    "https://news.test/b?id=1",
    "http://例子.测试/路径",
    "https://news.test/a#frag",
    "javascript:alert(1)",
    "ftp://news.test/x",
    "https://",
    "news.test/no-scheme",
    "https://news.test/with space",
    "",
]
words = st.text(
    alphabet=st.sampled_from("腾讯百度混元大模型发布，。、abcXYZ019 -:：\t\u200b\u202e🙂"),
    max_size=40,
)


def good_link(number: int) -> str:
    return f"https://news.test/fuzz/{number}"


@st.composite
def record_texts(draw) -> str:
    """One .txt record, each field present or not, possibly invalid."""
    lines = []
    for label, value in [
        ("标题", st.one_of(words, words.map(lambda w: "腾讯" + w))),
        ("链接", st.one_of(st.sampled_from(LINKS), st.integers(0, 50).map(good_link))),
        ("总结", st.text(max_size=200)),
        ("关键词", words),
        ("AI技术", words),
        ("行业", words),
        ("重大事件摘要", words),
        ("来源", words),
    ]:
        if draw(st.booleans()) or label in ("标题", "链接"):
            lines.append(f"{label}{draw(st.sampled_from([':', '：', ' : ']))} {draw(value)}")
    return "\n".join(lines) + "\n"


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


random_bytes = st.binary(max_size=3000)
truncated = st.builds(
    lambda records, cut: (b := "\n".join(records).encode())[: int(len(b) * cut)],
    st.lists(record_texts(), min_size=1, max_size=3),
    st.floats(0, 1),
)
labels_without_values = st.lists(
    st.builds(
        lambda label, colon, space: f"{label}{colon}{space}",
        st.sampled_from(LABELS),
        st.sampled_from([":", "：", ""]),
        st.sampled_from(["", " ", "\t", "  \u3000"]),
    ),
    min_size=1,
    max_size=12,
).map(lambda lines: "\n".join(lines).encode())
mixed_encodings = st.lists(
    st.tuples(record_texts(), st.sampled_from(["utf-8", "gb18030", "big5", "utf-16"])),
    min_size=2,
    max_size=4,
).map(lambda parts: b"\n".join(encoded(text, encoding) for text, encoding in parts))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["title", "link", "summary", "keywords", "x"]), children)
    ),
    max_leaves=8,
)
jsonl_lines = st.one_of(
    json_values.map(json.dumps),
    st.builds(
        lambda title, link, cut: json.dumps({"title": title, "link": link})[:cut],
        words,
        st.sampled_from(LINKS),
        st.integers(0, 80),
    ),
    st.text(max_size=30),
)
jsonl_files = st.lists(jsonl_lines, max_size=5).map(lambda lines: "\n".join(lines).encode())
good_files = st.lists(record_texts(), min_size=1, max_size=3).map(
    lambda records: "\n".join(records).encode()
)
file_contents = st.one_of(
    st.tuples(st.just(".txt"), random_bytes),
    st.tuples(st.just(".jsonl"), random_bytes),
    st.tuples(st.just(".txt"), truncated),
    st.tuples(st.just(".txt"), labels_without_values),
    st.tuples(st.just(".txt"), mixed_encodings),
    st.tuples(st.just(".jsonl"), jsonl_files),
    st.tuples(st.just(".txt"), good_files),
)


# -- checks -----------------------------------------------------------------------------


def write_files(folder: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    paths = []
    for number, (suffix, data) in enumerate(files):
        path = folder / f"{number:02d}{suffix}"
        path.write_bytes(data)
        paths.append(path)
    return paths


def content_hash(content: dict) -> str:
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def assert_no_half_written_article() -> None:
    for article in export_queryset():
        assert article.title and article.url and article.canonical_url
        assert article.canonical_url == canonical_url(article.url)
        assert article.content_hash == content_hash(article_content(article)), article.url


def assert_reported_or_imported(paths: list[Path], report) -> None:
    failed_sources = {error.source for error in report.errors}
    winners = {}
    for path in paths:
        parsed = parse_file(path)
        if not parsed.records:
            assert str(path) in failed_sources, f"{path.name}: no record and no error"
        if parsed.errors:
            assert str(path) in failed_sources, f"{path.name}: its errors are not reported"
        for record in parsed.records:
            winners[canonical_url(record.link)] = record
    stored = dict(
        Article.objects.filter(canonical_url__in=list(winners)).values_list(
            "canonical_url", "content_hash"
        )
    )
    for url, record in winners.items():
        assert stored.get(url) == record.content_hash(), f"{url} not imported exactly"


# -- tests ------------------------------------------------------------------------------


@examples()
@given(files=st.lists(file_contents, min_size=1, max_size=4))
def test_generated_files_never_crash_and_every_bad_file_is_reported(files):
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(Path(folder), files)
        report = import_paths([folder])  # must not raise
        imported = report.created + report.updated + report.unchanged
        event(f"records imported: {min(imported, 3)}, errors: {min(len(report.errors), 3)}")
        assert_reported_or_imported(paths, report)
        assert report.batch is not None and report.batch.failed_count == len(report.errors)
    assert_no_half_written_article()


@examples()
@given(
    good=st.lists(st.tuples(st.just(".txt"), good_files), max_size=2),
    bad=st.lists(file_contents, min_size=1, max_size=3),
)
def test_strict_mode_leaves_the_database_unchanged_on_any_failure(good, bad):
    with tempfile.TemporaryDirectory() as folder:
        write_files(Path(folder), good + bad)
        before = database_checksum()
        batches = ImportBatch.objects.count()
        report = import_paths([folder], strict=True)
        if report.errors:
            assert report.rolled_back and report.batch is None
            assert database_checksum() == before
            assert ImportBatch.objects.count() == batches
        else:
            assert not report.rolled_back
    assert_no_half_written_article()


HUGE_FIELDS = ["总结", "标题", "链接", "关键词", "行业", "重大事件摘要", "作者"]


@examples(min(EXAMPLES, 6))
@given(
    field=st.sampled_from(HUGE_FIELDS),
    unit=st.sampled_from(["字", "a", "字, ", "x" * 999 + "\n", "🙂"]),
    strict=st.booleans(),
)
def test_ten_megabyte_fields(field, unit, strict):
    value = unit * (10 * MB // len(unit.encode()))
    fields = {"标题": "十兆字段", "链接": "https://news.test/huge", field: value}
    text = "".join(f"{label}: {fields[label]}\n" for label in fields)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "huge.txt"
        path.write_text(text, encoding="utf-8")
        before = database_checksum()
        report = import_paths([str(path)], strict=strict)
        assert_reported_or_imported([path], report)
        if report.errors:
            assert any(error.source == str(path) for error in report.errors)
            if strict:
                assert database_checksum() == before
    assert_no_half_written_article()


def test_each_kind_of_bad_file_is_reported(tmp_path):
    """One example of each kind, named, so a regression points at its cause."""
    record = "标题: 腾讯发布混元大模型\n链接: https://news.test/a\n总结: 2023年9月7日，发布。\n"
    files = {
        "random.txt": bytes(range(256)) * 4,
        "truncated.txt": record.encode()[:5],
        "labels.txt": "标题:\n链接:\n总结:\n关键词:\n".encode(),
        "mixed.txt": record.encode()
        + record.replace("news.test/a", "news.test/b").encode("gb18030"),
        "huge.txt": f"标题: x\n链接: https://news.test/h\n总结: {'字' * (10 * MB)}\n".encode(),
        "broken.jsonl": b'{"title": "t", "link": "https://news.test/j"',
        "empty.txt": b"",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    before = database_checksum()
    report = import_paths([str(tmp_path)], strict=True)
    assert {Path(error.source).name for error in report.errors} == set(files)
    assert database_checksum() == before
    report = import_paths([str(tmp_path)])
    assert report.created == 0 and Article.objects.count() == 0
    assert report.batch.status == ImportBatch.Status.PARTIAL


def test_the_checks_catch_a_half_written_article(tmp_path):
    (tmp_path / "a.txt").write_text(
        "标题: 腾讯\n链接: https://news.test/a\n关键词: 甲, 乙\n", encoding="utf-8"
    )
    import_paths([str(tmp_path)])
    assert_no_half_written_article()
    Article.objects.get().keyword_links.filter(position=1).delete()  # a lost tag link
    with pytest.raises(AssertionError):
        assert_no_half_written_article()
