import json
import os
import shutil
import subprocess
import sys
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.importing.service import import_paths
from articles.models import Article, ImportBatch, Keyword
from tests.helpers import database_checksum, database_url

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fixtures" / "articles"
DATA = Path(__file__).resolve().parent / "data" / "importer"

pytestmark = pytest.mark.django_db


def corpus_record_count() -> int:
    from articles.importing.parser import parse_file

    return sum(len(parse_file(path).records) for path in sorted(CORPUS.glob("*.txt")))


def test_sample_corpus_imports_once_then_unchanged():
    total = corpus_record_count()
    assert total >= 60
    first = import_paths([str(CORPUS)])
    assert first.errors == []
    assert (first.created, first.updated, first.unchanged) == (total, 0, 0)
    assert Article.objects.count() == total
    second = import_paths([str(CORPUS)])
    assert (second.created, second.updated, second.unchanged) == (0, 0, total)
    assert second.batch.status == ImportBatch.Status.SUCCEEDED
    assert ImportBatch.objects.count() == 2


def test_record_fields_provenance_and_tag_order(tmp_path):
    report = import_paths([str(DATA / "good_two.txt")])
    assert report.created == 2 and report.errors == []
    article = Article.objects.get(canonical_url="https://example.com/news/1?id=7")
    assert article.url == "https://Example.COM/news/1?utm_source=feed&id=7#top"
    assert article.source_domain == "example.com"
    assert article.summary == "第一段。\n\n第二段。"
    assert article.extra_fields == {"作者": "测试员"}
    assert article.source_file.endswith("good_two.txt")
    assert article.source_line == 1
    assert article.import_batch == report.batch
    keywords = [link.tag.name for link in article.keyword_links.order_by("position")]
    assert keywords == ["大模型", "AI"]
    assert [link.tag.name for link in article.industry_links.all()] == ["金融", "教育"]
    assert Keyword.objects.get(normalized_name="ai").slug == "ai"
    second = Article.objects.get(canonical_url="https://example.com/news/2")
    assert second.source_line == 12


def test_changed_record_updates_its_article(tmp_path):
    source = tmp_path / "one.txt"
    source.write_text(
        "标题: 旧标题\n链接: https://example.com/a\n关键词: 甲, 乙\n", encoding="utf-8"
    )
    import_paths([str(source)])
    article = Article.objects.get()
    source.write_text(
        "标题: 新标题\n链接: https://example.com/a\n关键词: 乙, 丙\n", encoding="utf-8"
    )
    report = import_paths([str(source)])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    article.refresh_from_db()
    assert article.title == "新标题"
    assert [link.tag.name for link in article.keyword_links.all()] == ["乙", "丙"]
    assert Article.objects.count() == 1


def test_dry_run_changes_nothing():
    before = database_checksum()
    report = import_paths([str(CORPUS)], dry_run=True)
    assert report.created == corpus_record_count()
    assert database_checksum() == before
    assert Article.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_default_mode_imports_good_records_and_names_broken_ones(tmp_path):
    for name in ("good_two.txt", "broken.txt", "binary.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    report = import_paths([str(tmp_path)])
    assert report.created == 2
    messages = [str(error) for error in report.errors]
    broken = str(tmp_path / "broken.txt")
    assert f"{broken}:1: link: missing field" in messages
    assert any(m.startswith(f"{broken}:5: link:") and "javascript" in m for m in messages)
    assert any(m.startswith(str(tmp_path / "binary.txt")) for m in messages)
    batch = report.batch
    assert batch.status == ImportBatch.Status.PARTIAL
    assert batch.failed_count == len(messages) == 3
    assert {error["source"] for error in batch.errors} == {broken, str(tmp_path / "binary.txt")}


def test_strict_mode_leaves_the_database_unchanged(tmp_path):
    import_paths([str(DATA / "good_two.txt")])
    before = database_checksum()
    shutil.copy(DATA / "broken.txt", tmp_path / "broken.txt")
    (tmp_path / "new.txt").write_text("标题: 新\n链接: https://example.com/new\n", encoding="utf-8")
    report = import_paths([str(tmp_path)], strict=True)
    assert report.rolled_back and report.created == 1 and report.failed == 2
    assert database_checksum() == before
    assert not Article.objects.filter(canonical_url="https://example.com/new").exists()


def test_command_reports_errors_and_exit_status(tmp_path):
    shutil.copy(DATA / "broken.txt", tmp_path / "broken.txt")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_articles", str(tmp_path / "broken.txt"), stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert f"{tmp_path / 'broken.txt'}:1: link: missing field" in err.getvalue()
    assert "created 0, updated 0, unchanged 0; failed 2" in out.getvalue()


def test_globs_stdin_and_missing_paths(tmp_path):
    (tmp_path / "a.txt").write_text("标题: A\n链接: https://example.com/a\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("标题: B\n链接: https://example.com/b\n", encoding="utf-8")
    report = import_paths([str(tmp_path / "*.txt"), str(tmp_path / "nope.txt")])
    assert report.created == 2
    assert [str(e) for e in report.errors] == [
        f"{tmp_path / 'nope.txt'}: no such file or directory"
    ]
    stdin = BytesIO(b'{"title": "C", "link": "https://example.com/c", "keywords": ["x"]}\n')
    report = import_paths(["-"], stdin=stdin)
    assert report.created == 1 and report.errors == []
    assert Article.objects.get(url="https://example.com/c").source_file == "<stdin>"


def test_export_round_trip_is_byte_identical(tmp_path):
    import_paths([str(CORPUS), str(DATA / "good_two.txt")])
    first = tmp_path / "first.jsonl"
    call_command("export_articles", "-o", str(first))
    lines = first.read_text(encoding="utf-8").splitlines()
    assert len(lines) == Article.objects.count()
    assert json.loads(lines[0]).keys() >= {"title", "link", "summary", "keywords"}
    Article.objects.all().delete()
    report = import_paths([str(first)])
    assert report.errors == [] and report.created == len(lines)
    second = tmp_path / "second.jsonl"
    call_command("export_articles", "-o", str(second))
    assert second.read_bytes() == first.read_bytes()


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_imports_of_overlapping_files(tmp_path):
    files = sorted(CORPUS.glob("*.txt"))
    left, right = tmp_path / "left", tmp_path / "right"
    left.mkdir()
    right.mkdir()
    for path in files[: len(files) * 2 // 3]:
        shutil.copy(path, left / path.name)
    for path in files[len(files) // 3 :]:
        shutil.copy(path, right / path.name)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "archive.settings_test",
    }
    command = [sys.executable, str(ROOT / "manage.py"), "import_articles", "--no-progress"]
    processes = [
        subprocess.Popen(
            [*command, str(folder)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for folder in (left, right)
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
    total = corpus_record_count()
    assert Article.objects.count() == total
    assert Article.objects.values("canonical_url").distinct().count() == total
    created = sum(int(out.decode().split("created ")[1].split(",")[0]) for out, _ in outputs)
    assert created == total
