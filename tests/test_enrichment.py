"""Enrichment through the importer, the commands and search, on real PostgreSQL."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.dictionary import load_company_dictionary, search_for
from articles.importing.service import import_paths
from articles.models import Article, Company, CompanyName, DictionaryVersion, Event

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "articles" / "000_e58a2ad425dc6a32.txt"
COMPANIES = ROOT / "fixtures" / "companies.json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def dictionary():
    report = load_company_dictionary(COMPANIES)
    assert report.errors == []
    return report


@pytest.fixture
def seed(dictionary):
    import_paths([str(SEED)])
    return Article.objects.get()


def write(tmp_path, name, title, link, event, summary="", keywords="") -> Path:
    path = tmp_path / name
    path.write_text(
        f"标题: {title}\n链接: {link}\n总结: {summary or event}\n关键词: {keywords}\n"
        f"重大事件摘要: {event}\n",
        encoding="utf-8",
    )
    return path


def test_seed_links_tencent_as_main_and_every_mentioned_company(seed):
    assert seed.main_company.slug == "tencent"
    linked = set(seed.company_links.values_list("company__name", flat=True))
    assert {
        "腾讯",
        "百度",
        "阿里巴巴",
        "OpenAI",
        "微软",
        "商汤",
        "MiniMax",
        "科大讯飞",
        "360",
    } <= linked
    main_links = seed.company_links.filter(is_main=True)
    assert list(main_links.values_list("company__name", flat=True)) == ["腾讯"]
    assert seed.company_links.get(company__name="腾讯").in_title
    assert not seed.company_links.get(company__name="百度").in_title


def test_seed_event_is_a_dated_launch(seed):
    assert seed.event_type == "launch"
    assert seed.event_date.isoformat() == "2023-09-07"
    assert seed.event_date_precision == "day"
    assert "发布" in seed.event_cues
    assert seed.event.main_company.slug == "tencent"
    assert seed.event.date == seed.event_date


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("腾讯", True),
        ("混元大模型", True),
        ('"腾讯 混元大模型"', True),  # a phrase: sub-words sit at their parent's position
        ("混元大模型", True),  # a product word that must not lose characters to 腾讯混元
        ('"混元 文心一言"', False),  # both words occur, never next to each other
        ("Tencent", True),  # English alias
        ("腾讯云", True),  # alias
        ("騰訊", True),  # Traditional input
        ("ＭｉｎｉＭａｘ", True),  # full-width Latin
        ("大模型 -百度", False),  # exclusion: the seed mentions 百度
        ("大模型 -字节跳动公司年报", True),
        ("百度 OR 不存在的词", True),
        ("不存在的词", False),
        ("-腾讯", False),  # only exclusions: nothing to search for
    ],
)
def test_search(seed, query, found):
    assert Article.objects.search(search_for(query)).exists() is found


def test_search_ranks_title_matches_first(dictionary, tmp_path):
    write(
        tmp_path,
        "a.txt",
        "行业观察",
        "https://example.com/a",
        "有关报道。",
        summary="文中提到智能体。",
    )
    write(tmp_path, "b.txt", "智能体新品发布", "https://example.com/b", "2024年1月1日发布。")
    import_paths([str(tmp_path)])
    ranked = list(
        Article.objects.search(search_for("智能体"))
        .order_by("-rank")
        .values_list("title", flat=True)
    )
    assert ranked == ["智能体新品发布", "行业观察"]


def test_same_event_groups_articles_within_days(dictionary, tmp_path):
    event = "2024年5月15日，字节跳动宣布豆包大模型大幅降价。"
    later = "2024年5月16日，字节跳动宣布豆包大模型降价。"
    other = "2024年8月1日，字节跳动宣布豆包大模型再次降价。"
    write(tmp_path, "1.txt", "字节跳动豆包大模型降价", "https://example.com/1", event)
    write(tmp_path, "2.txt", "字节跳动宣布豆包降价", "https://example.com/2", later)
    write(tmp_path, "3.txt", "字节跳动豆包再次降价", "https://example.com/3", other)
    import_paths([str(tmp_path)])
    events = {a.url[-1]: a.event_id for a in Article.objects.all()}
    assert events["1"] == events["2"] != events["3"]
    grouped = Event.objects.get(pk=events["1"])
    assert grouped.event_type == "pricing" and grouped.main_company.slug == "bytedance"
    assert grouped.articles.count() == 2


def test_load_companies_is_idempotent(dictionary):
    again = load_company_dictionary(COMPANIES)
    assert (again.created, again.updated, again.names_added) == (0, 0, 0)
    assert again.unchanged == Company.objects.count() >= 120


def test_changed_dictionary_reenriches_only_stale_articles(dictionary, tmp_path):
    write(
        tmp_path,
        "a.txt",
        "某某智能发布新模型",
        "https://example.com/a",
        "2024年3月1日，某某智能发布新模型。",
    )
    write(
        tmp_path, "b.txt", "百度发布新品", "https://example.com/b", "2024年3月2日，百度发布新品。"
    )
    import_paths([str(tmp_path)])
    article = Article.objects.get(url="https://example.com/a")
    assert article.main_company is None
    before = DictionaryVersion.current()
    CompanyName.objects.create(company=Company.objects.get(slug="baidu"), name="某某智能")
    assert DictionaryVersion.current() > before
    out = StringIO()
    call_command("enrich_articles", "--changed-dictionary", "--no-progress", stdout=out)
    assert "enriched 2 article(s)" in out.getvalue()
    article.refresh_from_db()
    assert article.main_company.slug == "baidu"
    assert article.dictionary_version == DictionaryVersion.current()
    out = StringIO()
    call_command("enrich_articles", "--changed-dictionary", "--no-progress", stdout=out)
    assert "enriched 0 article(s)" in out.getvalue()


def test_enriched_export_adds_companies_and_event(seed, tmp_path):
    out = tmp_path / "enriched.jsonl"
    call_command("export_articles", "--enriched", "-o", str(out))
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["event"] == {
        "type": "launch",
        "date": "2023-09-07",
        "precision": "day",
        "cues": seed.event_cues,
    }
    main = [company for company in line["companies"] if company["main"]]
    assert [(c["name"], c["name_en"], c["slug"]) for c in main] == [("腾讯", "Tencent", "tencent")]
    assert "腾讯云" in main[0]["aliases"] and main[0]["mentions"] > 10
    plain = tmp_path / "plain.jsonl"
    call_command("export_articles", "-o", str(plain))
    assert set(json.loads(plain.read_text(encoding="utf-8"))) == {
        "title",
        "link",
        "summary",
        "event_summary",
        "keywords",
        "technologies",
        "industries",
    }
