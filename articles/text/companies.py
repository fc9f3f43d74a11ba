"""Company mentions in an article, matched on segmented text. Pure code, no Django.

Names, English names, aliases and products are registered as segmenter words, then
matched as whole tokens or token sequences, never as raw substrings: "小米" does not
fire inside "小米粥", "yi" not inside "yield", "amd" not inside "amdx". A few tokens
jieba keeps whole ("华为公司") are accepted when a name is followed only by a generic
company suffix, and Latin compounds match on their leading pieces ("llama-3" → Llama).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .normalize import normalize
from .segment import Segmenter, get_segmenter

# Generic tails that jieba may glue to a name ("华为公司"); the name still counts.
COMPANY_SUFFIXES = ("公司", "集团", "股份", "控股", "官方", "总部", "旗下", "内部", "团队")
# Tokens after which a purely numeric name ("360") is a quantity, not a company.
NUMERIC_UNITS = re.compile(
    r"^(?:[度亿万千百元个家年月日天号倍多余位款台次名人张只条项部种期届层米秒分]|%|k|w|b|m)"
)
# The subject of an event summary's first sentence may be a public body, not a company.
GOVERNMENT = re.compile(
    r"网信办|工信部|发改委|国务院|国家|政府|监管|委员会|总局|部门|法院|人大|欧盟|白宫|国会|议会"
    r"|商务部|科技部|教育部|公安部|央行|证监会|ftc|sec|european|congress|government"
)
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.\s")
_LATIN = re.compile(r"[a-z0-9][a-z0-9.\-_+#&]*")
_PIECE_SPLIT = re.compile(r"(?<=[a-z0-9])[-_](?=[a-z0-9])")


@dataclass(frozen=True)
class CompanyEntry:
    slug: str
    name: str
    name_en: str = ""
    aliases: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    def forms(self) -> list[str]:
        """Surface forms in priority order: name, English name, aliases, products."""
        return [f for f in (self.name, self.name_en, *self.aliases, *self.products) if f]


@dataclass(frozen=True)
class CompanyMention:
    slug: str
    mentions: int
    in_title: bool
    is_main: bool
    matched: tuple[str, ...]  # registered surface forms that matched, in order of appearance


@dataclass
class _Tally:
    mentions: int = 0
    title_pos: int | None = None
    lead_pos: int | None = None  # position in the event summary's first sentence
    order: int = 0
    matched: list[str] = field(default_factory=list)


def load_company_entries(path: str | Path) -> list[CompanyEntry]:
    """Read the ``fixtures/companies.json`` format."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        CompanyEntry(
            slug=item["slug"],
            name=item["name"],
            name_en=item.get("name_en") or "",
            aliases=tuple(item.get("aliases") or ()),
            products=tuple(item.get("products") or ()),
        )
        for item in data
    ]


def _is_compound(form: str, forms) -> bool:
    if " " in form or len(form) < 4:
        return False
    return any(form[:i] in forms and form[i:] in forms for i in range(2, len(form) - 1))


class CompanyMatcher:
    def __init__(self, entries: Iterable[CompanyEntry], segmenter: Segmenter | None = None):
        self._segmenter = segmenter or get_segmenter()
        self._entries = {e.slug: e for e in entries}
        self._canonical = {slug: normalize(e.name).strip() for slug, e in self._entries.items()}
        # normalised form -> (slugs, display form); an earlier/higher-priority owner wins.
        self._forms: dict[str, tuple[list[str], str]] = {}
        # Forms that name the company itself (name, English name, aliases), for search
        # expansion. Products are left out: a search for 文心一言 is about the product,
        # not every article on 百度.
        self._naming: set[str] = set()
        for tier in range(4):
            for slug, entry in self._entries.items():
                groups = ((entry.name,), (entry.name_en,), entry.aliases, entry.products)
                for raw in groups[tier]:
                    form = normalize(raw or "").strip()
                    if not form:
                        continue
                    slugs, _ = self._forms.setdefault(form, ([], raw))
                    if tier < 3:
                        self._naming.add(form)
                    # Names may be shared by several companies; other forms keep one owner.
                    if (tier == 0 or not slugs) and slug not in slugs:
                        slugs.append(slug)
        self._segmenter.set_company_words(self.segmenter_words())
        # first token -> [(token sequence, form)], longest first
        self._seqs: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for form in self._forms:
            tokens = tuple(self._segmenter.cut(form)) or (form,)
            self._seqs.setdefault(tokens[0], []).append((tokens, form))
        for seqs in self._seqs.values():
            seqs.sort(key=lambda s: -len(s[0]))
        # token -> can a match start here? Most tokens are ordinary words; deciding it
        # once per token spares ``_match_at`` for them.
        self._may_start: dict[str, bool] = {}

    @property
    def segmenter(self) -> Segmenter:
        return self._segmenter

    @property
    def entries(self) -> tuple[CompanyEntry, ...]:
        return tuple(self._entries.values())

    def all_words(self) -> list[str]:
        """Every normalised name, alias and product known to the matcher."""
        return sorted(self._forms)

    def segmenter_words(self) -> list[str]:
        """The forms jieba should keep whole.

        Leaves out compounds of two other forms (腾讯混元 = 腾讯 + 混元): kept whole,
        they would pull characters away from the next word (腾讯混元|大模型 instead
        of 腾讯|混元大模型), so a search for 混元大模型 would miss. They still match,
        as token sequences.
        """
        forms = self._forms
        return sorted(form for form in forms if not _is_compound(form, forms))

    def expand(self, token: str) -> list[str]:
        """A normalised name or alias → canonical normalised names of its companies.

        Products do not expand (see ``_naming``).
        """
        form = normalize(token).strip()
        if form not in self._naming:
            return []
        slugs, _ = self._forms[form]
        return [self._canonical[s] for s in slugs]

    # -- matching ---------------------------------------------------------------

    def _match_at(self, tokens: Sequence[str], i: int) -> tuple[str, int] | None:
        """(form, tokens consumed) of the longest company form starting at ``tokens[i]``."""
        tok = tokens[i]
        for seq, form in self._seqs.get(tok, ()):
            n = len(seq)
            if tuple(tokens[i : i + n]) == seq:
                if form.isdigit() and i + n < len(tokens) and NUMERIC_UNITS.match(tokens[i + n]):
                    return None
                return form, n
        if _LATIN.fullmatch(tok):  # "llama-3-70b" → "llama-3", "llama"
            pieces = _PIECE_SPLIT.split(tok)
            for k in range(len(pieces) - 1, 0, -1):
                prefix = tok[: sum(map(len, pieces[:k])) + k - 1]
                if prefix in self._forms and not prefix.isdigit():
                    return prefix, 1
        else:
            for suffix in COMPANY_SUFFIXES:
                if tok.endswith(suffix) and tok[: -len(suffix)] in self._forms:
                    return tok[: -len(suffix)], 1
        return None

    def _can_start(self, tok: str) -> bool:
        # Outside the sequences, ``_match_at`` looks at this one token only.
        may = tok in self._seqs or self._match_at((tok,), 0) is not None
        if len(self._may_start) >= 300_000:
            self._may_start.clear()
        self._may_start[tok] = may
        return may

    def scan(self, tokens: Sequence[str]) -> list[str]:
        """Normalised forms found in a token list, in order."""
        found, i = [], 0
        may_start = self._may_start
        while i < len(tokens):
            may = may_start.get(tokens[i])
            if may is None:
                may = self._can_start(tokens[i])
            if not may:
                i += 1
                continue
            hit = self._match_at(tokens, i)
            if hit:
                found.append(hit[0])
                i += hit[1]
            else:
                i += 1
        return found

    def find(
        self,
        *,
        title: str,
        event_summary: str = "",
        summary: str = "",
        keywords: Sequence[str] = (),
        tokens: Mapping[str, Sequence[str]] | None = None,
    ) -> list[CompanyMention]:
        """Companies mentioned in an article: the main company first, then by mentions.

        ``tokens`` may carry ``segmenter.cut()`` of "title", "event_summary" and/or
        "summary" when the caller has them already (e.g. from indexing): each field
        is then not segmented again.
        """
        tokens = tokens or {}
        cut = self._segmenter.cut
        event = normalize(event_summary)
        end = _SENTENCE_END.search(event)
        lead = event[: end.start()] if end else event
        lead_tokens = cut(lead)
        if "event_summary" in tokens:
            event_tokens = tokens["event_summary"]
            rest_tokens = event_tokens[len(lead_tokens) :]
        else:
            rest_tokens = cut(event[end.end() :]) if end else []
        parts = [
            ("title", self.scan(tokens["title"] if "title" in tokens else cut(title))),
            ("lead", self.scan(lead_tokens)),
            ("rest", self.scan(rest_tokens)),
            ("summary", self.scan(tokens["summary"] if "summary" in tokens else cut(summary))),
        ]
        parts += [("keyword", self.scan(cut(k))) for k in keywords]
        tallies: dict[str, _Tally] = {}
        for part, forms in parts:
            for pos, form in enumerate(forms):
                slugs, display = self._forms[form]
                for slug in slugs:
                    t = tallies.setdefault(slug, _Tally(order=len(tallies)))
                    t.mentions += 1
                    if display not in t.matched:
                        t.matched.append(display)
                    if part == "title" and t.title_pos is None:
                        t.title_pos = pos
                    elif part == "lead" and t.lead_pos is None:
                        t.lead_pos = pos
        main = self._main(tallies, lead, title)
        ranked = sorted(
            tallies.items(), key=lambda kv: (kv[0] != main, -kv[1].mentions, kv[1].order)
        )
        return [
            CompanyMention(
                slug=slug,
                mentions=t.mentions,
                in_title=t.title_pos is not None,
                is_main=slug == main,
                matched=tuple(t.matched),
            )
            for slug, t in ranked
        ]

    def _main(self, tallies: dict[str, _Tally], lead: str, title: str) -> str | None:
        """The subject company: named in the title and/or leading the event summary."""
        scores: dict[str, float] = {}
        for slug, t in tallies.items():
            if t.title_pos is None and t.lead_pos is None:
                continue
            score = math.log2(1 + t.mentions) * 0.5
            if t.title_pos is not None:
                score += 3.0 + (1.5 if t.title_pos == 0 else 0.0)
            if t.lead_pos is not None:
                score += 2.0 + (1.0 if t.lead_pos == 0 else 0.0)
            scores[slug] = score
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < 0.25:
            return None  # several companies share the story
        best = ranked[0][0]
        if tallies[best].title_pos is None and self._government_leads(lead):
            return None
        return best

    def _government_leads(self, lead: str) -> bool:
        """Does a public body come before any company in the event summary's first sentence?"""
        m = GOVERNMENT.search(lead)
        return bool(m) and not self.scan(self._segmenter.cut(lead[: m.start()]))
