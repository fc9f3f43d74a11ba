import dataclasses
from pathlib import Path

import pytest

from articles.importing.parser import parse_file
from articles.text.companies import CompanyEntry, CompanyMatcher, load_company_entries
from articles.text.segment import Segmenter

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED = FIXTURES / "articles" / "000_e58a2ad425dc6a32.txt"

EXTRA = [
    # Short Latin and numeric names are the risky ones; "Yi" is 01.AI's model family.
    CompanyEntry("test-yi", "易测", "Yi Test", aliases=("Yi",)),
    CompanyEntry("test-multi", "多词公司", "Acme Robotics Lab", aliases=("Acme Lab",)),
]


@pytest.fixture(scope="module")
def matcher():
    entries = load_company_entries(FIXTURES / "companies.json") + EXTRA
    # Its own segmenter: company words must not leak into other tests' segmenter.
    return CompanyMatcher(entries, segmenter=Segmenter())


def slugs(matcher, **fields):
    fields.setdefault("title", "")
    return [m.slug for m in matcher.find(**fields)]


def test_load_entries():
    entries = {e.slug: e for e in load_company_entries(FIXTURES / "companies.json")}
    assert entries["tencent"].name == "腾讯"
    assert "混元" in entries["tencent"].products
    assert isinstance(entries["tencent"].aliases, tuple)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yi 发布新模型", ["test-yi"]),
        ("Yield farming is back", []),
        ("yi-34b 开源", ["01-ai"]),  # the longer product wins over the bare alias
        ("AMD发布MI300X", ["amd"]),
        ("AMDX is not AMD", ["amd"]),
        ("AMDX rises", []),
        ("小米发布新手机", ["xiaomi"]),
        ("早上喝了一碗小米粥", []),
        ("百度百科收录了这个词条", ["baidu"]),
        ("Google DeepMind 发布新模型", ["google"]),
        ("Acme Robotics Lab 与 Acme Lab", ["test-multi"]),
        ("Acme 发布新产品", []),  # only the whole token sequence counts
        ("Mistral AI发布Mixtral", ["mistral-ai"]),
        ("360智脑上线", ["360-security"]),
        ("360度全景相机", []),
        ("营收360亿元", []),
        ("华为公司发布盘古大模型", ["huawei"]),
        ("Llama-3-70B 开源", ["meta"]),
    ],
)
def test_word_boundaries(matcher, text, expected):
    assert slugs(matcher, title=text) == expected


def test_alias_and_product_count_as_company(matcher):
    [mention] = matcher.find(title="通义千问开源Qwen2.5", summary="阿里云宣布")
    assert mention.slug == "alibaba"
    assert mention.mentions == 3
    assert mention.matched == ("通义千问", "Qwen2.5", "阿里云")
    assert mention.in_title and mention.is_main


def test_traditional_and_full_width_forms(matcher):
    assert slugs(matcher, title="騰訊發布混元") == ["tencent"]
    assert slugs(matcher, title="ＯｐｅｎＡＩ发布ＧＰＴ-４ｏ") == ["openai"]


def test_expand_names_and_aliases_not_products(matcher):
    assert matcher.expand("阿里云") == ["阿里巴巴"]
    assert matcher.expand("Tencent") == ["腾讯"]
    assert matcher.expand("腾讯") == ["腾讯"]
    # A product search is about the product, not every article on its maker.
    assert matcher.expand("通义千问") == []
    assert matcher.expand("ChatGPT") == []
    assert matcher.expand("未知公司") == []


def test_all_words_registered(matcher):
    words = matcher.all_words()
    assert {"腾讯", "混元", "openai", "google deepmind"} <= set(words)
    assert matcher.segmenter.word_freq("混元") > 0


def test_main_is_first_company_in_title(matcher):
    found = matcher.find(title="微软投资OpenAI", event_summary="微软宣布向OpenAI追加投资。")
    assert [(m.slug, m.is_main) for m in found] == [("microsoft", True), ("openai", False)]


def test_title_subject_outranks_event_summary_subject(matcher):
    found = matcher.find(
        title="OpenAI与微软遭英伟达起诉", event_summary="英伟达在法院起诉OpenAI和微软。"
    )
    assert found[0].slug == "openai" and found[0].is_main
    assert sum(m.is_main for m in found) == 1


def test_english_event_summary_first_sentence(matcher):
    found = matcher.find(
        title="A new model arrives",
        event_summary="On May 13, 2024, OpenAI launched GPT-4o. Google answered with Gemini.",
    )
    assert [(m.slug, m.is_main) for m in found] == [("openai", True), ("google", False)]


def test_main_from_event_summary_when_title_names_none(matcher):
    found = matcher.find(title="大模型又有新进展", event_summary="字节跳动发布了豆包大模型。")
    assert found[0].slug == "bytedance" and found[0].is_main


def test_no_main_when_government_leads(matcher):
    found = matcher.find(
        title="生成式AI管理办法施行",
        event_summary="国家网信办公布办法，百度、阿里等首批通过备案。",
    )
    assert {m.slug for m in found} == {"baidu", "alibaba"}
    assert not any(m.is_main for m in found)


def test_no_main_for_round_up_without_subject(matcher):
    found = matcher.find(
        title="大模型周报", event_summary="本周行业动态不断。", summary="百度、腾讯发布新品。"
    )
    assert found and not any(m.is_main for m in found)


def test_pre_cut_tokens_give_same_result(matcher):
    record = parse_file(SEED).records[0]
    fields = dict(title=record.title, event_summary=record.event_summary, summary=record.summary)
    cut = matcher.segmenter.cut
    tokens = {name: cut(text) for name, text in fields.items()}
    assert matcher.find(**fields, tokens=tokens) == matcher.find(**fields)


def test_seed_article(matcher):
    record = parse_file(SEED).records[0]
    found = matcher.find(
        title=record.title,
        event_summary=record.event_summary,
        summary=record.summary,
        keywords=record.keywords,
    )
    assert found[0].slug == "tencent" and found[0].is_main and found[0].in_title
    assert sum(m.is_main for m in found) == 1
    linked = {m.slug for m in found}
    expected = {"baidu", "alibaba", "openai", "microsoft", "sensetime", "minimax", "iflytek"}
    assert expected | {"360-security"} <= linked
    assert {"混元", "腾讯云"} <= set(found[0].matched)
    assert dataclasses.is_dataclass(found[0])
