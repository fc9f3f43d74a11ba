import json
from pathlib import Path

import pytest

from articles.importing.parser import parse_file
from articles.text.events import (
    EVENT_TYPES,
    RULES_PATH,
    EventClassification,
    classify_event,
    load_rules,
)

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "articles" / "000_e58a2ad425dc6a32.txt"


def test_taxonomy():
    assert [slug for slug, _, _ in EVENT_TYPES] == [
        "launch", "open_source", "funding", "investment", "acquisition", "partnership",
        "pricing", "regulation", "earnings", "conference", "personnel", "research", "legal",
        "other",
    ]  # fmt: skip
    assert ("launch", "产品发布", "Product launch") in EVENT_TYPES
    assert EVENT_TYPES[-1][:2] == ("other", "其他")


@pytest.mark.parametrize(
    ("title", "event_summary", "expected"),
    [
        ("OpenAI发布GPT-4o", "OpenAI推出了新一代多模态模型GPT-4o。", "launch"),
        ("OpenAI launches GPT-5", "OpenAI released GPT-5 to all users.", "launch"),
        ("阿里开源Qwen2.5", "阿里云宣布开源通义千问Qwen2.5系列模型。", "open_source"),
        ("月之暗面完成10亿美元融资", "月之暗面完成新一轮融资，阿里领投。", "funding"),
        ("腾讯入股智谱", "腾讯战略投资智谱，持股比例未披露。", "investment"),
        ("英伟达收购Run:ai", "英伟达宣布收购以色列公司Run:ai。", "acquisition"),
        ("苹果与OpenAI达成合作", "苹果宣布与OpenAI携手，将ChatGPT集成到iOS中。", "partnership"),
        ("DeepSeek降价", "DeepSeek宣布API价格下调，输入每百万tokens 1元。", "pricing"),
        (
            "生成式AI管理办法8月15日起施行",
            "国家网信办等七部门联合公布《办法》，8月15日起施行。",
            "regulation",
        ),
        ("英伟达市值突破3万亿美元", "英伟达股价上涨，市值超越苹果。", "earnings"),
        (
            "百度发布2023年第三季度财报",
            "百度公布第三季度财报，营收345亿元，净利润同比增长。",
            "earnings",
        ),
        (
            "2024世界人工智能大会开幕",
            "2024世界人工智能大会在上海开幕，峰会聚焦大模型。",
            "conference",
        ),
        ("OpenAI首席科学家离职", "OpenAI联合创始人、首席科学家宣布离职。", "personnel"),
        ("谷歌论文登上Nature", "谷歌研究团队在Nature发表论文，提出新的方法。", "research"),
        ("纽约时报起诉OpenAI", "纽约时报以侵犯版权为由向法院提起诉讼。", "legal"),
        ("优必选在港交所挂牌上市", "优必选正式在香港联交所主板挂牌上市。", "funding"),
        ("科大讯飞与华为联合发布算力平台", "双方共同宣布算力平台正式启用。", "partnership"),
        ("车企纷纷接入DeepSeek", "多家车企宣布接入DeepSeek大模型。", "partnership"),
        (
            "Meta releases Llama 2 for free commercial use",
            "Meta made it free for commercial use.",
            "open_source",
        ),
        ("今天天气不错", "大家心情都很好。", "other"),
    ],
)
def test_types(title, event_summary, expected):
    assert classify_event(title, event_summary).type == expected


def test_launch_at_a_conference_is_a_launch():
    result = classify_event(
        "腾讯混元大模型来了", "腾讯在2023腾讯全球数字生态大会上发布了混元大模型。"
    )
    assert result.type == "launch"
    assert result.cues[0] == "发布"


def test_cues_recorded_and_matched_on_normalised_text():
    result = classify_event("騰訊宣佈開源混元", "")  # Traditional script
    assert result.type == "open_source"
    assert result.cues == ["开源"]
    assert result.score == pytest.approx(4.0)


def test_latin_cues_need_word_boundaries():
    assert classify_event("xlaunchpad", "").type == "other"
    assert classify_event("Sued by authors", "").type == "legal"


def test_low_score_or_tie_is_other():
    assert classify_event("", "", "公司融资了").type == "other"  # summary alone weighs little
    assert classify_event("收购与融资", "") == EventClassification("other", 4.0, [])


def test_rules_file_drives_classification(tmp_path):
    rules = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    rules["types"] = [{"slug": "launch", "zh": "产品发布", "en": "Launch", "cues": {"上新": 2}}]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    custom = load_rules(path)
    assert classify_event("小米上新", "", rules=custom).type == "launch"
    assert classify_event("小米发布", "", rules=custom).type == "other"
    assert custom.types[-1][0] == "other"


def test_english_event_summary_is_split_into_sentences():
    # Only the first sentence carries the lead weight; "partner" comes later.
    result = classify_event(
        "", "Meta released Llama 2 today. Microsoft was named preferred partner. A partner again."
    )
    assert result.type == "launch"


def test_negative_cue_lowers_a_type():
    # "大会上" argues against a conference: the conference is only the venue.
    venue = classify_event("", "在大会上，腾讯发布了新产品。")
    assert venue.type == "launch"


def test_seed_article():
    record = parse_file(SEED).records[0]
    result = classify_event(record.title, record.event_summary, record.summary)
    assert result.type == "launch"
    assert "发布" in result.cues
