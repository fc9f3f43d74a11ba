import datetime as dt
from pathlib import Path

import pytest

from articles.importing.parser import parse_file
from articles.text.dates import EventDate, extract_event_date

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "articles" / "000_e58a2ad425dc6a32.txt"


def d(y, m, day=1):
    return dt.date(y, m, day)


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("2023年9月7日，腾讯发布混元大模型", d(2023, 9, 7), "day"),
        ("2023 年 9 月 7 日发布", d(2023, 9, 7), "day"),
        ("２０２３年９月７日发布", d(2023, 9, 7), "day"),
        ("二〇二三年九月七日发布", d(2023, 9, 7), "day"),
        ("二〇二三年十月三十一日举行", d(2023, 10, 31), "day"),
        ("2023年9月7号上线", d(2023, 9, 7), "day"),
        ("发布于2023-09-07", d(2023, 9, 7), "day"),
        ("2023/9/7 发布", d(2023, 9, 7), "day"),
        ("2023.9.7 发布", d(2023, 9, 7), "day"),
        ("OpenAI announced it on September 7, 2023.", d(2023, 9, 7), "day"),
        ("Released Sept. 7, 2023", d(2023, 9, 7), "day"),
        ("On 7 September 2023 it launched", d(2023, 9, 7), "day"),
        ("Feb 15, 2024: Sora", d(2024, 2, 15), "day"),
        ("2024年6月，苹果推出Apple Intelligence", d(2024, 6), "month"),
        ("2024年6月份发布", d(2024, 6), "month"),
        ("released in June 2024", d(2024, 6), "month"),
        ("2024年，大模型价格战打响", d(2024, 1), "year"),
        ("in 2022 the company", d(2022, 1), "year"),
        ("2024年2月29日发布", d(2024, 2, 29), "day"),
    ],
)
def test_formats(text, date, precision):
    result = extract_event_date(text)
    assert result == EventDate(date, precision, "event_summary")


@pytest.mark.parametrize(
    "text", ["2023年2月30日发布", "2023年13月1日", "版本1.2.3", "没有日期", "", "2023年度报告"]
)
def test_no_date(text):
    assert extract_event_date(text) is None


def test_year_inferred_from_same_sentence():
    assert extract_event_date("9月7日举办的2023腾讯全球数字生态大会上，腾讯发布混元") == EventDate(
        d(2023, 9, 7), "day", "event_summary"
    )


def test_year_inferred_from_preceding_mention():
    text = "2022年，公司成立了AI部门。3月1日，公司发布了新模型。"
    assert extract_event_date(text).date == d(2022, 3, 1)


def test_year_inferred_from_other_fields():
    result = extract_event_date(
        "5月20日，公司宣布降价。", summary="2024年以来，价格战不断。2024年…"
    )
    assert result == EventDate(d(2024, 5, 20), "day", "event_summary")


def test_prefers_date_near_event_word():
    text = "截至2023年7月，中国已有130个大模型问世。2023年8月31日，多家厂商宣布上线大模型产品。"
    assert extract_event_date(text).date == d(2023, 8, 31)


def test_founding_date_is_not_the_event():
    text = "该公司成立于2019年5月，2024年3月宣布完成融资。"
    assert extract_event_date(text) == EventDate(d(2024, 3), "month", "event_summary")


def test_event_summary_first_then_summary_then_title():
    assert extract_event_date("", "2023年5月6日发布", "2024年1月2日").source == "summary"
    assert extract_event_date("", "", "2024年1月2日发布").source == "title"
    assert extract_event_date("2023年5月6日发布", "2022年1月2日发布").date == d(2023, 5, 6)


def test_event_summary_date_wins_even_if_coarser():
    result = extract_event_date("2023年，公司累计完成融资。", "2023年3月，公司完成A轮融资。")
    assert result == EventDate(d(2023, 1, 1), "year", "event_summary")


def test_announcement_beats_effective_date():
    text = "2023年7月13日，七部门联合公布《办法》，自2023年8月15日起施行。"
    assert extract_event_date(text).date == d(2023, 7, 13)


def test_leading_date_beats_a_later_one():
    text = "2023年11月17日，董事会突然宣布解雇CEO。11月21日，公司宣布其回归。"
    assert extract_event_date(text).date == d(2023, 11, 17)


def test_latin_event_words_need_a_word_start():
    assert extract_event_date("On May 13, 2024, OpenAI launched GPT-4o.").date == d(2024, 5, 13)


def test_seed_article():
    record = parse_file(SEED).records[0]
    result = extract_event_date(record.event_summary, record.summary, record.title)
    assert (result.date, result.precision) == (d(2023, 9, 7), "day")
