"""Deterministic synthetic article records in the seed ``.txt`` format. Pure code: no Django.

``Corpus(n, seed)`` describes N records; ``corpus.record(i)`` builds record ``i`` from
its own random stream (``Random(f"{seed}/{i}")``), so any record can be built alone, in
any order, in any process, and comes out the same bytes every time.

Distributions (see docs/BENCHMARKS.md):

* companies: Zipf (s = 1.0) over the company dictionary, a few giants first; the main
  company is named (name, alias or product) in the title and at the head of the event
  summary, 0–3 co-mentioned companies (flatter Zipf, s = 0.5) in the summary; ~8 % of
  records have none;
* 1–6 keywords (sample-corpus keywords, AI terms, company products, and a long tail
  of jieba nouns), 1–4 technologies, 1–5 industries, each list Zipf-weighted;
* summaries of 300–3,000 characters (log-normal, median ~1,000): a lead sentence about
  the main company, then sentences of words drawn by jieba's dictionary frequencies;
* event summaries: a date (2018–2026, weighted towards recent years, in the date styles
  of the sample corpus: ``2023年3月16日``, ``2023-03-14``, ``2024/5/13``, ``2024年2月``,
  ``2023年``, ``March 5, 2024``, or none) and an event cue word of the record's type
  (cues from ``articles/text/data/event_rules.json``); 30 % of records report the
  event (type, main company, date) of one of the 300 records before them, as several
  outlets report one event.

Summary sentences are drawn from a seeded pool (``POOL_SIZE`` sentences) rather than
built afresh for each record: term frequencies stay those of the word list, and the
fast loader can memoise segmentation per sentence (see ``bench.fastload``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANIES_PATH = ROOT / "fixtures" / "companies.json"
SAMPLE_DIR = ROOT / "fixtures" / "articles"
AI_TERMS_PATH = ROOT / "articles" / "text" / "data" / "ai_terms.txt"
EVENT_RULES_PATH = ROOT / "articles" / "text" / "data" / "event_rules.json"

RECORDS_PER_FILE = 1000
LINES_PER_RECORD = 8  # seven labelled lines and a blank one: source_line is computable
POOL_SIZE = 60_000
SUMMARY_MIN, SUMMARY_MAX, SUMMARY_MEDIAN = 300, 3000, 1000
COMPANY_ZIPF = 1.0
CO_MENTION_ZIPF = 0.5  # co-mentioned companies: flatter, or the giants would be everywhere
NO_COMPANY_SHARE = 0.08
SHARED_EVENT_SHARE = 0.3

# The giants first (Zipf rank 1, 2, …), then the rest by category and slug.
HEAD_COMPANIES = (
    "baidu", "alibaba", "tencent", "openai", "bytedance", "huawei", "nvidia", "microsoft",
    "deepseek", "google", "iflytek", "zhipu-ai", "moonshot-ai", "xiaomi", "apple", "meta",
    "sensetime", "anthropic", "kuaishou", "amazon",
)  # fmt: skip
CATEGORY_ORDER = (
    "cn_big_tech", "intl_ai_lab", "intl_big_tech", "cn_ai_startup", "chip", "cloud",
    "autonomous_driving", "robotics", "other", "investor",
)  # fmt: skip

# (event type, weight): the type a record is written as; enrichment decides what it is.
EVENT_TYPE_WEIGHTS = (
    ("launch", 26), ("funding", 11), ("partnership", 10), ("open_source", 8),
    ("investment", 6), ("earnings", 6), ("conference", 6), ("research", 6),
    ("regulation", 5), ("acquisition", 4), ("pricing", 4), ("personnel", 4),
    ("legal", 2), ("other", 2),
)  # fmt: skip
YEAR_WEIGHTS = (
    (2018, 3), (2019, 4), (2020, 5), (2021, 6), (2022, 8), (2023, 16), (2024, 20),
    (2025, 22), (2026, 16),
)  # fmt: skip
# (style, weight); see _date_phrase.
DATE_STYLES = (
    ("cn_day", 48), ("iso", 10), ("slash", 8), ("cn_day_no_year", 4), ("cn_month", 15),
    ("cn_year", 5), ("en_day", 4), ("none", 6),
)  # fmt: skip
EXTRA_INDUSTRIES = (
    "物流", "安防", "保险", "房地产", "通信", "电力", "化工", "生物医药", "餐饮", "体育",
    "旅游", "出版", "音乐", "直播", "社交", "政法", "公共安全", "智慧城市", "工业互联网",
)  # fmt: skip
DOMAINS = (
    ("36kr.com", "https://36kr.com/p/{n}"),
    ("baijiahao.baidu.com", "https://baijiahao.baidu.com/s?id={n}&wfr=spider&for=pc"),
    ("www.jiqizhixin.com", "https://www.jiqizhixin.com/articles/{n}"),
    ("www.qbitai.com", "https://www.qbitai.com/{n}.html"),
    ("tech.sina.com.cn", "https://tech.sina.com.cn/i/doc-{n}.shtml"),
    ("www.ithome.com", "https://www.ithome.com/0/{n}.htm"),
    ("new.qq.com", "https://new.qq.com/rain/a/{n}"),
    ("www.huxiu.com", "https://www.huxiu.com/article/{n}.html"),
    ("www.thepaper.cn", "https://www.thepaper.cn/newsDetail_forward_{n}"),
    ("www.jiemian.com", "https://www.jiemian.com/article/{n}.html"),
    ("www.leiphone.com", "https://www.leiphone.com/category/ai/{n}.html"),
    ("finance.sina.com.cn", "https://finance.sina.com.cn/tech/{n}.shtml"),
    ("www.163.com", "https://www.163.com/dy/article/{n}.html"),
    ("www.ifanr.com", "https://www.ifanr.com/{n}"),
    ("techcrunch.com", "https://techcrunch.com/ai/{n}/"),
    ("www.reuters.com", "https://www.reuters.com/technology/{n}/"),
)
GOVERNMENT_BODIES = ("国家网信办", "工信部", "国务院", "欧盟", "科技部", "发改委", "美国商务部")
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
LABELS = {
    "cn": ("标题", "链接", "总结", "关键词", "AI技术", "行业", "重大事件摘要"),
    "en": ("Title", "Link", "Summary", "Keywords", "AI technologies", "Industries", "Major event"),
}
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")
_NOUN_TAGS = frozenset({"n", "nz", "nt", "vn"})


def _zipf_cum(count: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, count + 1)))


def _pick(rng: random.Random, items, cum: list[float]):
    return items[bisect.bisect(cum, rng.random() * cum[-1])]


def _distinct(rng: random.Random, items, cum, k: int) -> list:
    """``k`` distinct items drawn by weight (fewer if the list is short)."""
    chosen: list = []
    for _ in range(k * 8):
        item = _pick(rng, items, cum)
        if item not in chosen:
            chosen.append(item)
            if len(chosen) == k:
                break
    return chosen


def _tag_key(name: str) -> str:
    # The importer's normalize_tag_name, without importing Django models.
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def jieba_dict_path() -> Path:
    import jieba

    return Path(jieba.__file__).resolve().parent / "dict.txt"


@dataclass(frozen=True)
class Company:
    slug: str
    name: str
    aliases: tuple[str, ...]
    products: tuple[str, ...]


@dataclass
class GeneratedRecord:
    index: int
    title: str
    link: str
    summary: str
    event_summary: str
    keywords: list[str]
    technologies: list[str]
    industries: list[str]
    labels: str  # "cn", "cn_fullwidth" or "en"
    intended_type: str
    main_company: str | None  # slug
    companies: list[str] = field(default_factory=list)  # slugs, main first

    def text(self) -> str:
        names = LABELS["en" if self.labels == "en" else "cn"]
        colon = "：" if self.labels == "cn_fullwidth" else ":"
        list_sep = ", " if self.labels == "en" else "、"
        values = (
            self.title,
            self.link,
            self.summary,
            ", ".join(self.keywords),
            ", ".join(self.technologies),
            list_sep.join(self.industries),
            self.event_summary,
        )
        lines = [f"{label}{colon} {value}" for label, value in zip(names, values, strict=True)]
        return "\n".join(lines) + "\n\n"


class Vocabulary:
    """Word lists shared by every record; built once per process (~1 s)."""

    def __init__(self, companies_path: Path = COMPANIES_PATH, sample_dir: Path = SAMPLE_DIR):
        entries = json.loads(Path(companies_path).read_text(encoding="utf-8"))
        head = {slug: rank for rank, slug in enumerate(HEAD_COMPANIES)}
        category = {name: rank for rank, name in enumerate(CATEGORY_ORDER)}
        entries.sort(
            key=lambda e: (
                head.get(e["slug"], len(head)),
                category.get(e.get("category"), len(category)),
                e["slug"],
            )
        )
        self.companies = [
            Company(
                e["slug"],
                e["name"],
                tuple(a for a in e.get("aliases") or () if a),
                tuple(p for p in e.get("products") or () if p),
            )
            for e in entries
        ]
        self.company_cum = _zipf_cum(len(self.companies), COMPANY_ZIPF)
        self.co_mention_cum = _zipf_cum(len(self.companies), CO_MENTION_ZIPF)

        sample = _sample_lists(Path(sample_dir))
        ai_terms = _ai_terms()
        products = [p for c in self.companies[:60] for p in c.products]
        self.technologies = _dedupe([*sample["technologies"], *ai_terms])
        self.industries = _dedupe([*sample["industries"], *EXTRA_INDUSTRIES])
        self.core_keywords = _dedupe(
            [*sample["keywords"], *products, *ai_terms[::3], *(c.name for c in self.companies)]
        )
        self.tech_cum = _zipf_cum(len(self.technologies), 1.1)
        self.industry_cum = _zipf_cum(len(self.industries), 0.9)
        self.keyword_cum = _zipf_cum(len(self.core_keywords), 1.0)
        self.ai_terms = ai_terms
        self.ai_cum = _zipf_cum(len(ai_terms), 0.8)

        # Company names stay out of the word list: mentions come from the record's
        # structure only ("百度", "小米", "苹果" are also ordinary dictionary words).
        forms = {
            _tag_key(form) for c in self.companies for form in (c.name, *c.aliases, *c.products)
        }
        words, weights, nouns, noun_weights = _jieba_words(exclude=forms)
        self.words = words
        self.word_cum = list(itertools.accumulate(weights))
        self.tail_keywords = nouns
        self.tail_cum = list(itertools.accumulate(noun_weights))

        rules = json.loads(EVENT_RULES_PATH.read_text(encoding="utf-8"))
        self.cues = {
            rule["slug"]: [
                cue for cue, weight in rule["cues"].items() if weight >= 0.8 and not cue.isascii()
            ]
            for rule in rules["types"]
        }
        self.event_types = [name for name, _ in EVENT_TYPE_WEIGHTS]
        self.event_type_cum = list(itertools.accumulate(w for _, w in EVENT_TYPE_WEIGHTS))
        self.years = [year for year, _ in YEAR_WEIGHTS]
        self.year_cum = list(itertools.accumulate(w for _, w in YEAR_WEIGHTS))
        self.date_styles = [style for style, _ in DATE_STYLES]
        self.date_style_cum = list(itertools.accumulate(w for _, w in DATE_STYLES))
        self.domain_cum = _zipf_cum(len(DOMAINS), 0.9)


def _dedupe(names) -> list[str]:
    """First spelling of each tag key; list separators and empty names dropped."""
    seen: set[str] = set()
    out = []
    for name in names:
        name = name.strip()
        key = _tag_key(name)
        if not key or key in seen or re.search(r"[,，、;；]", name) or len(name) > 100:
            continue
        seen.add(key)
        out.append(name)
    return out


def _sample_lists(sample_dir: Path) -> dict[str, list[str]]:
    """Keywords, technologies and industries of the sample corpus, most used first."""
    from articles.importing.parser import parse_file

    counts = {"keywords": Counter(), "technologies": Counter(), "industries": Counter()}
    for path in sorted(sample_dir.glob("*.txt")):
        for record in parse_file(path).records:
            for kind, counter in counts.items():
                counter.update(getattr(record, kind))
    return {
        kind: [name for name, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]
        for kind, c in counts.items()
    }


def _ai_terms() -> list[str]:
    from articles.text.segment import _USERDICT_LINE  # the segmenter's own reading

    terms = []
    for line in AI_TERMS_PATH.read_text(encoding="utf-8-sig").splitlines():
        line = line.strip()
        match = _USERDICT_LINE.match(line) if line and not line.startswith("#") else None
        if match:
            terms.append(match.group(1).strip())
    return _dedupe(terms)


def _jieba_words(exclude=frozenset()) -> tuple[list[str], list[int], list[str], list[float]]:
    """Chinese words of jieba's dictionary with their frequencies; nouns for tail keywords."""
    words, weights, nouns, noun_weights = [], [], [], []
    with jieba_dict_path().open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2 or not _CJK_WORD.fullmatch(parts[0]) or parts[0] in exclude:
                continue
            freq = int(parts[1])
            if freq < 2:
                continue
            words.append(parts[0])
            weights.append(freq)
            if len(parts) > 2 and parts[2] in _NOUN_TAGS and 2 <= len(parts[0]) <= 6:
                nouns.append(parts[0])
                noun_weights.append(math.sqrt(freq))
    return words, weights, nouns, noun_weights


_VOCABULARIES: dict[tuple[str, str], Vocabulary] = {}
_POOLS: dict[tuple[str, int], list[str]] = {}


def vocabulary(companies_path: Path = COMPANIES_PATH) -> Vocabulary:
    key = (str(companies_path), str(SAMPLE_DIR))
    if key not in _VOCABULARIES:
        _VOCABULARIES[key] = Vocabulary(companies_path)
    return _VOCABULARIES[key]


class Corpus:
    """N deterministic records for one seed."""

    def __init__(
        self, n: int, seed: int = 1, companies_path: Path = COMPANIES_PATH, copies: int = 1
    ):
        if n < 0:
            raise ValueError("n must be >= 0")
        if copies < 1:
            raise ValueError("copies must be >= 1")
        self.n = n
        self.seed = seed
        # The database fast path may generate n / copies records and copy each
        # (bench/replicate.py); files are always n distinct records.
        self.copies = copies
        self.distinct = -(-n // copies)
        self.companies_path = Path(companies_path)
        self.vocab = vocabulary(self.companies_path)

    # -- the pool of summary sentences ---------------------------------------------

    @property
    def pool(self) -> list[str]:
        key = (str(self.companies_path), self.seed)
        if key not in _POOLS:
            _POOLS[key] = self._build_pool()
        return _POOLS[key]

    def _build_pool(self) -> list[str]:
        rng = random.Random(f"{self.seed}/pool")
        vocab = self.vocab
        sentences = []
        for _ in range(POOL_SIZE):
            words = rng.choices(vocab.words, cum_weights=vocab.word_cum, k=rng.randint(6, 22))
            parts = []
            for position, word in enumerate(words):
                parts.append(word)
                if 2 < position < len(words) - 2 and rng.random() < 0.08:
                    parts.append("，")
            sentences.append("".join(parts) + "。")
        return sentences

    # -- URLs: computable for every index without building the record ---------------

    @cached_property
    def _domains(self) -> list[int]:
        rng = random.Random(f"{self.seed}/domains")
        # choices() draws one number per item in order, so a prefix is the same for any n.
        return rng.choices(range(len(DOMAINS)), cum_weights=self.vocab.domain_cum, k=self.n)

    def link(self, index: int) -> str:
        number = 10**15 + self.seed * 10**10 + index
        return DOMAINS[self._domains[index]][1].format(n=number)

    def source_name(self, index: int) -> tuple[str, int]:
        """(file name, line of the record's title) as ``--out`` writes them."""
        part, offset = divmod(index, RECORDS_PER_FILE)
        return f"corpus-s{self.seed}-{part:05d}.txt", offset * LINES_PER_RECORD + 1

    def file_names(self) -> list[str]:
        parts = -(-self.n // RECORDS_PER_FILE)
        return [f"corpus-s{self.seed}-{part:05d}.txt" for part in range(parts)]

    def file_text(self, part: int) -> str:
        start = part * RECORDS_PER_FILE
        stop = min(self.n, start + RECORDS_PER_FILE)
        return "".join(self.record(i).text() for i in range(start, stop))

    def write_files(self, out_dir: Path, progress=None) -> list[Path]:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for part, name in enumerate(self.file_names()):
            path = out_dir / name
            path.write_bytes(self.file_text(part).encode("utf-8"))
            paths.append(path)
            if progress:
                progress(min(self.n, (part + 1) * RECORDS_PER_FILE))
        return paths

    # -- one record ----------------------------------------------------------------

    def record(self, index: int) -> GeneratedRecord:
        if not 0 <= index < self.n:
            raise IndexError(index)
        rng = random.Random(f"{self.seed}/{index}")
        vocab = self.vocab
        # Several outlets report one event: some records cover an earlier record's event.
        source = index
        if index and rng.random() < SHARED_EVENT_SHARE:
            source = max(0, index - rng.randint(1, 300))
        event_type, main, day, style = self._event(source)
        companies: list[Company] = [main] if main else []
        if main:
            others = _distinct(rng, vocab.companies, vocab.co_mention_cum, _co_count(rng) + 1)
            companies += [c for c in others if c != main][:3]
        forms = {c.slug: _form(rng, c) for c in companies}

        subject = forms[main.slug] if main else rng.choice(GOVERNMENT_BODIES)
        cues = vocab.cues.get(event_type) or []
        cue = rng.choice(cues) if cues else rng.choice(("谈", "观察", "解读", "回顾"))
        topic = _pick(rng, vocab.ai_terms, vocab.ai_cum)
        if main and main.products and rng.random() < 0.4:
            topic = rng.choice(main.products)
        title = _title(rng, subject, cue, topic)

        date_phrase, year = _date_phrase(day, style)
        event_lead = (
            f"{date_phrase}，{subject}{cue}{topic}" if date_phrase else f"{subject}{cue}{topic}"
        )
        event_parts = [event_lead + "。"]
        if len(companies) > 1 and rng.random() < 0.5:
            event_parts.append(f"{forms[companies[1].slug]}等也参与其中。")
        event_parts.extend(rng.choices(self.pool, k=rng.randint(1, 3)))
        event_summary = "".join(event_parts)

        target = int(
            min(
                SUMMARY_MAX - 60,
                max(SUMMARY_MIN, rng.lognormvariate(math.log(SUMMARY_MEDIAN), 0.55)),
            )
        )
        lead = f"{subject}{rng.choice(cues) if cues else '发布'}{topic}"
        if year and rng.random() < 0.5:
            lead = f"{year}年，{lead}"
        parts = [
            lead + "，" + "".join(rng.choices(vocab.words, cum_weights=vocab.word_cum, k=4)) + "。"
        ]
        mentions = [forms[c.slug] for c in companies[1:]]
        terms = [_pick(rng, vocab.ai_terms, vocab.ai_cum) for _ in range(rng.randint(2, 6))]
        extras = [f"{name}方面也有动作。" for name in mentions] + [
            f"{term}成为焦点。" for term in terms
        ]
        length = len(parts[0])
        while length < target:
            if extras and rng.random() < 0.15:
                sentence = extras.pop()
            else:
                sentence = self.pool[rng.randrange(len(self.pool))]
            parts.append(sentence)
            length += len(sentence)
        summary = "".join(parts)

        keywords = _distinct(rng, vocab.core_keywords, vocab.keyword_cum, rng.randint(1, 6))
        for position, _ in enumerate(keywords):
            if rng.random() < 0.45:
                tail = _pick(rng, vocab.tail_keywords, vocab.tail_cum)
                if _tag_key(tail) not in {_tag_key(k) for k in keywords}:
                    keywords[position] = tail
        if (
            main
            and rng.random() < 0.5
            and _tag_key(main.name) not in {_tag_key(k) for k in keywords}
        ):
            keywords[0] = main.name
        technologies = _distinct(rng, vocab.technologies, vocab.tech_cum, rng.randint(1, 4))
        industries = _distinct(rng, vocab.industries, vocab.industry_cum, rng.randint(1, 5))

        roll = rng.random()
        labels = "en" if roll < 0.05 else "cn_fullwidth" if roll < 0.15 else "cn"
        return GeneratedRecord(
            index=index,
            title=title,
            link=self.link(index),
            summary=summary,
            event_summary=event_summary,
            keywords=keywords,
            technologies=technologies,
            industries=industries,
            labels=labels,
            intended_type=event_type,
            main_company=main.slug if main else None,
            companies=[c.slug for c in companies],
        )

    def _event(self, index: int) -> tuple[str, Company | None, dt.date, str]:
        """The event record ``index`` reports: type, main company, date, date style."""
        rng = random.Random(f"{self.seed}/{index}/event")
        vocab = self.vocab
        event_type = _pick(rng, vocab.event_types, vocab.event_type_cum)
        has_company = rng.random() >= NO_COMPANY_SHARE
        if event_type == "regulation":  # mostly a public body's act
            has_company = rng.random() < 0.3
        main = _pick(rng, vocab.companies, vocab.company_cum) if has_company else None
        year = _pick(rng, vocab.years, vocab.year_cum)
        start = dt.date(year, 1, 1)
        day = start + dt.timedelta(days=rng.randint(0, (dt.date(year, 12, 31) - start).days))
        return event_type, main, day, _pick(rng, vocab.date_styles, vocab.date_style_cum)

    def records(self):
        return (self.record(i) for i in range(self.n))

    def marker(self) -> list[str]:
        """``ImportBatch.sources`` of a ``--db`` load: tells which corpus a database holds."""
        copies = f" copies={self.copies}" if self.copies > 1 else ""
        return [
            f"generate_corpus --db n={self.n} seed={self.seed}{copies}",
            f"fingerprint={self.fingerprint()}",
        ]

    def fingerprint(self) -> str:
        """A short digest of records 0..min(n, 50): changes when the generator changes."""
        digest = hashlib.sha256()
        for i in range(min(self.n, 50)):
            digest.update(self.record(i).text().encode("utf-8"))
        return digest.hexdigest()[:12]


def _co_count(rng: random.Random) -> int:
    return rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]


def _form(rng: random.Random, company: Company) -> str:
    roll = rng.random()
    if roll < 0.25 and company.aliases:
        return rng.choice(company.aliases)
    if roll < 0.35 and company.products:
        return rng.choice(company.products)
    return company.name


def _title(rng: random.Random, subject: str, cue: str, topic: str) -> str:
    templates = (
        "{s}{c}{t}",
        "{s}{c}{t}，行业格局生变",
        "{s}正式{c}{t}",
        "{t}：{s}{c}新进展",
        "{s}再度{c}{t}",
        "深度｜{s}{c}{t}背后",
    )
    return rng.choice(templates).format(s=subject, c=cue, t=topic)


def _date_phrase(day: dt.date, style: str) -> tuple[str, int | None]:
    year = day.year
    if style == "cn_day":
        return f"{day.year}年{day.month}月{day.day}日", year
    if style == "iso":
        return day.isoformat(), year
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}", year
    if style == "cn_day_no_year":
        return f"{day.month}月{day.day}日", None
    if style == "cn_month":
        return f"{day.year}年{day.month}月", year
    if style == "cn_year":
        return f"{day.year}年", year
    if style == "en_day":
        return f"{EN_MONTHS[day.month - 1]} {day.day}, {day.year}", year
    return "", None
