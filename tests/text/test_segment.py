import threading

import pytest

from articles.text import segment
from articles.text.segment import Segmenter, get_segmenter, set_dictionary_words

from . import segmenter


@pytest.fixture(scope="module")
def seg():
    return segmenter()


@pytest.fixture
def fresh():
    return Segmenter(user_dict=None)


def test_seed_title_cut(seg):
    assert seg.cut("腾讯混元大模型来了") == ["腾讯", "混元大模型", "来", "了"]


def test_seed_title_index_terms_share_parent_position(seg):
    assert seg.index_terms("腾讯混元大模型来了") == [
        ("腾讯", 1),
        ("混元大模型", 2),
        ("混元", 2),
        ("模型", 2),
        ("大模型", 2),
        ("来", 3),
        ("了", 4),
    ]


def test_index_terms_start_position(seg):
    assert seg.index_terms("腾讯 大模型", start_position=10) == [
        ("腾讯", 10),
        ("大模型", 11),
        ("模型", 11),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＧＰＴ－４o发布", ["gpt-4o", "发布"]),
        ("Llama 2 与 GPT-4.0 对比!!", ["llama", "2", "与", "gpt-4.0", "对比"]),
        ("3.5亿元融资", ["3.5", "亿元", "融资"]),
        ("apple, C++ and AT&T.", ["apple", "c++", "and", "at&t"]),
        ("-gpt- ...", ["gpt"]),
        ("臺積電發佈AI芯片", ["台积电", "发布", "ai芯片"]),
        ("OpenAI。百度！", ["openai", "百度"]),
        ("！！，。 ... —— \n\t", []),
        ("", []),
    ],
)
def test_cut(seg, text, expected):
    assert seg.cut(text) == expected


def test_hmm_off_unknown_words_fall_to_single_chars(seg):
    # With HMM on jieba would invent "元大"-style words that vary with context.
    assert seg.cut("混元来了") == ["混元", "来", "了"]
    assert seg.cut("智谱来了") == ["智", "谱", "来", "了"]


def test_latin_compound_pieces_share_position(seg):
    assert seg.index_terms("DeepSeek-R1 和 gpt-4o") == [
        ("deepseek-r1", 1),
        ("deepseek", 1),
        ("r1", 1),
        ("和", 2),
        ("gpt-4o", 3),
        ("gpt", 3),
        ("4o", 3),
    ]


def test_mixed_token_exposes_latin_part(seg):
    assert seg.index_terms("AI芯片") == [("ai芯片", 1), ("ai", 1), ("芯片", 1)]


def test_no_subwords_for_plain_numbers(seg):
    assert seg.index_terms("3.5 c++") == [("3.5", 1), ("c++", 2)]


def test_add_words_normalises(fresh):
    assert fresh.cut("月之暗面發佈ＫＩＭＩ") != ["月之暗面", "发布", "kimi"]
    fresh.add_words(["月之暗面", "ＫＩＭＩ", ""])
    assert fresh.cut("月之暗面發佈ＫＩＭＩ") == ["月之暗面", "发布", "kimi"]


def test_company_words_replace_and_restore(fresh):
    baseline = fresh.cut("元大证券和智谱AI")
    freq_before = fresh.word_freq("证券")
    fresh.set_company_words(["元大", "智谱AI", "证券"])
    assert fresh.cut("元大证券和智谱AI") == ["元大", "证券", "和", "智谱ai"]
    total = fresh.total
    fresh.set_company_words(["智谱ai", "元大", "證券"])  # same set once normalised
    assert fresh.total == total
    fresh.set_company_words([])
    assert fresh.cut("元大证券和智谱AI") == baseline
    assert fresh.word_freq("证券") == freq_before
    assert fresh.word_freq("元大") == 0


def test_user_dict_missing_is_tolerated(tmp_path):
    seg = Segmenter(user_dict=tmp_path / "missing.txt")
    assert seg.cut("腾讯") == ["腾讯"]


def test_user_dict_is_loaded_and_normalised(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text(
        "\ufeff# comment\n\nＡＩ芯片 1000 n\n具身智能\n多模態 500\nllama 2 3000 nz\n",
        encoding="utf-8",
    )
    seg = Segmenter(user_dict=path)
    assert seg.cut("AI芯片与具身智能、多模态") == ["ai芯片", "与", "具身智能", "多模态"]
    assert seg.word_freq("llama 2") == 3000


def test_shipped_dictionary_loads():
    seg = get_segmenter()
    assert "大模型" in seg.cut("大模型")
    assert get_segmenter() is seg


def test_get_segmenter_thread_safe_init(monkeypatch):
    monkeypatch.setattr(segment, "_instance", None)
    built = []
    real_init = Segmenter.__init__

    def counting_init(self, *args, **kwargs):
        built.append(1)
        real_init(self, *args, user_dict=None)

    monkeypatch.setattr(Segmenter, "__init__", counting_init)
    results = []
    threads = [threading.Thread(target=lambda: results.append(get_segmenter())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1
    assert len({id(r) for r in results}) == 1


def test_set_dictionary_words_targets_process_segmenter(monkeypatch, fresh):
    monkeypatch.setattr(segment, "_instance", fresh)
    set_dictionary_words(["零一万物"])
    assert fresh.cut("零一万物发布") == ["零一万物", "发布"]
