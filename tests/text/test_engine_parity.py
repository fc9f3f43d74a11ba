"""rjieba (the engine) against the original pure-Python jieba cutting (the reference).

The switch must not change a single token: the index, the queries and the company
matching all depend on it. Both segmenters are built exactly as production builds
them (shipped user dictionary, company words raised) and compared on every record of
the sample corpus.
"""

from pathlib import Path

import pytest
import rjieba

from articles.importing.parser import parse_file
from articles.text.companies import CompanyMatcher, load_company_entries
from articles.text.pipeline import enrich_text
from articles.text.segment import JIEBA_DICT_PATH, Segmenter

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="module")
def records():
    records = []
    for path in sorted((FIXTURES / "articles").glob("*.txt")):
        result = parse_file(path)
        assert not result.errors, result.errors
        records.extend(result.records)
    assert len(records) >= 65
    return records


@pytest.fixture(scope="module")
def matchers():
    entries = load_company_entries(FIXTURES / "companies.json")
    return {
        engine: CompanyMatcher(entries, Segmenter(engine=engine)) for engine in ("rjieba", "jieba")
    }


def test_rjieba_embeds_jiebas_default_dictionary():
    """Same words, same frequencies, same total: suggest_freq agrees (to float rounding)."""
    engine = rjieba.Jieba()
    parts = JIEBA_DICT_PATH.read_text(encoding="utf-8").split()
    freqs = dict(zip(parts[0::3], map(int, parts[1::3]), strict=True))
    total = sum(map(int, parts[1::3]))
    disagree = []
    for word, freq in freqs.items():
        assert engine.has_word(word), word
        product = 1.0
        for piece in engine.cut(word, False):
            product *= (freqs.get(piece) or 1) / total
        expected = max(int(product * total) + 1, freq)
        if abs(engine.suggest_freq(word) - expected) > 1:
            disagree.append((word, freq, engine.suggest_freq(word), expected))
    assert disagree == []


def test_same_tokens_on_the_sample_corpus(records, matchers):
    rust, python = matchers["rjieba"].segmenter, matchers["jieba"].segmenter
    assert rust.engine_name == "rjieba" and python.engine_name == "jieba"
    fields = ("title", "summary", "event_summary")
    compared = 0
    for record in records:
        texts = [getattr(record, name) for name in fields]
        texts += [*record.keywords, *record.technologies, *record.industries]
        for text in texts:
            assert rust.cut(text) == python.cut(text), text
            assert rust.index_terms(text) == python.index_terms(text), text
            compared += 1
    assert compared > 65 * 3


def test_same_enrichment_on_the_sample_corpus(records, matchers):
    names = {e.slug: e.name for e in load_company_entries(FIXTURES / "companies.json")}
    for record in records:
        results = [
            enrich_text(
                matcher,
                title=record.title,
                summary=record.summary,
                event_summary=record.event_summary,
                keywords=record.keywords,
                technologies=record.technologies,
                industries=record.industries,
                company_names=names,
            )
            for matcher in (matchers["rjieba"], matchers["jieba"])
        ]
        assert results[0] == results[1], record.title
        assert results[0].search_vector


def test_company_word_changes_reach_both_engines():
    rust, python = Segmenter(user_dict=None), Segmenter(user_dict=None, engine="jieba")
    text = "元大模型公司与混元大模型"
    for words in (["元大"], ["混元大模型", "元大"], []):
        rust.set_company_words(words)
        python.set_company_words(words)
        assert rust.cut(text) == python.cut(text), words
        assert rust.word_freq("元大") == python.word_freq("元大")
    assert rust.cut(text) == Segmenter(user_dict=None).cut(text)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        Segmenter(engine="hmm")
