"""Duplicates across units: one system reported by several units, and one business built by several.

Every name is read into business words (names.py). Candidates are systems that share a business
word that is not everywhere (an inverted index; identical word sets are grouped first, so no Python
loop runs over all pairs). A candidate pair is linked on several signals, each kept as evidence:
how much of the smaller name's business the other holds (idf-weighted), whether each name has a
business word the other lacks (食品 vs 药品), and how alike their 业务功能 texts are.

- `FIND_DUPLICATE_REPORT`: the same system counted twice — a 上级统建 (国垂/省垂) system reported
  by its user and by its builder or another user, or the same provincial/national name reported by
  several units, or one name reported by two departments of one return. The inventory counts it once.
- `FIND_DUPLICATE_BUILD`: the same business built separately by several units (neither is 上级统建).
- `FIND_DUPLICATE_POSSIBLE`: a lead for the office, not a claim: the names share a strong business
  word and the descriptions are close in meaning, but not close enough to link (dup_groups.py).
Linked systems are grouped (three cities with the same platform are one finding).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from ..form.assessment import load_names
from ..form.normalize import clean_text
from ..parallel import ChildLost, beside
from .alike import Bigrams, Phrasing, alike_pairs, closest_clauses, for_encoder, pair_meanings
from .dup_groups import Groups, build_findings, possible_findings, report_findings
from .findings import applies_to
from .model import Finding, System
from .names import NameProfile, NameReader, abbreviations, places
from .trades import by_trade, governments, only_work, same_cores, work_words

NATIONAL_MODE = "上级统建（国垂）"
VERTICAL = (NATIONAL_MODE, "上级统建（省垂）")
WEAK_REST = "业务核心词相同，其余只是监管、预警一类说做什么的词"
MULTI_LEVEL = ("省市两级", "省市县三级", "省市县乡四级", "国家垂直")


def _typed(name: str) -> str:
    """A name as typed, but for spaces and full-width forms (一期 and 二期 stay apart)."""
    return clean_text(name).replace(" ", "")


@lru_cache(maxsize=2)
def name_reader(roster: Any) -> NameReader:
    """The name reader for a roster, built once (its segmentation dictionary: dictionary.py)."""
    return NameReader(load_names(), places(roster))


class NameMatch(NamedTuple):
    score: float  # how much of the smaller name's business the other holds
    exclusive: bool  # each has a strong word the other lacks
    shared: list[str]  # the business words both hold
    weight: float  # their weight
    weak_rest: bool  # every word they do not share only says what a system does
    apart: bool  # each has a known business term (or its owner's trade) the other lacks
    owners_only: bool  # all they share is both owners' broad line of work (two 教育 units' 教育)


class _Scorer:
    def __init__(self, profiles: list[NameProfile], t: dict[str, Any], reader: NameReader) -> None:
        df: Counter[str] = Counter()
        for p in profiles:
            df.update(p.words)
        n = max(len(profiles), t["dup_min_corpus"])  # a small round does not make every word look common
        self.weight = {w: math.log(1 + n / d) for w, d in df.items()}
        self.df = df
        self.short_forms = abbreviations(df, reader.is_dictionary_word)  # word -> the round's words that are its 简称
        self.t = t
        self.weak = reader.weak
        self.terms = reader.terms
        self.cross_domain = reader.cross_domain

    def name(self, a: NameProfile, b: NameProfile) -> NameMatch:
        """How two names compare. Words that only repeat the owner unit's business, and words for what a
        system does rather than what it is about (监管, 预警), weigh little."""
        w, factor, weak = self.weight, self.t["dup_owner_word_weight"], self.weak
        shared_words = a.words & b.words
        rest_a, rest_b = a.words - shared_words, b.words - shared_words
        forms = self.short_forms
        short = {(x, y) for x in rest_a for y in rest_b if x in forms.get(y, ()) or y in forms.get(x, ())}
        if short:  # 危化 and 危险化学品 are one business word, spelled short and long
            shared_words = shared_words | {max(pair, key=len) for pair in short}
            rest_a, rest_b = rest_a - {x for x, _ in short}, rest_b - {y for _, y in short}
        shared = sum(w[x] * (factor if x in weak else 1.0) for x in shared_words)

        def soft(x: str, own: frozenset[str]) -> float:
            return w[x] * (factor if x in own or x in weak else 1.0)

        wa = shared + sum(soft(x, a.owner_words) for x in rest_a)
        wb = shared + sum(soft(x, b.owner_words) for x in rest_b)
        lo, hi = min(wa, wb), max(wa, wb)
        score = shared / (lo + self.t["dup_extra_word_weight"] * (hi - lo)) if lo else 0.0
        strong = self.t["dup_distinct_word_weight"]
        exclusive = any(soft(x, a.owner_words) >= strong for x in rest_a) and any(soft(x, b.owner_words) >= strong for x in rest_b)
        # each name carries its own owner's line of business (交通运输 / 城市管理 综合执法): two trades' systems
        trades = (
            not shared_words & self.cross_domain and bool(rest_a & a.owner_words & self.terms) and bool(rest_b & b.owner_words & self.terms)
        )
        # ... or a known business term the other lacks (学籍 / 教师资格): different businesses, however alike they read
        apart = trades or (bool(rest_a & self.terms) and bool(rest_b & self.terms))
        weak_rest = all(x in weak or x in a.owner_words for x in rest_a) and all(x in weak or x in b.owner_words for x in rest_b)
        owners_only = self.trade_only(shared_words, a.owner_words & b.owner_words)
        return NameMatch(score, exclusive or trades, sorted(shared_words), shared, weak_rest, apart, owners_only)

    def trade_only(self, words: frozenset[str], owned: frozenset[str]) -> bool:
        """Whether the words say no more than the owners' broad line of work (two 教育 units' 教育): too
        little to call two systems one business. What the systems do (消防 + 监控) is more."""
        return not words & self.terms and words <= owned

    def linked(self, name: float, exclusive: bool, fn: float, shared: float, upstream: bool = False, weak_rest: bool = False) -> str | None:
        """The rule that links two names, or None. Sharing only a word found in many names (交通, 审批)
        is not enough unless the names are otherwise the same. `upstream`: one side is a 上级统建 copy and
        the other a system its builder level runs (a provincial unit's, or one used at several levels),
        where two names of one system often differ by a word each (核心业务 / 经办)."""
        t = self.t
        if name < 0.999 and shared < t["dup_distinct_word_weight"]:
            return None
        if exclusive:
            if name >= t["dup_name_min"] and fn >= t["dup_function_strict"]:
                return "业务核心相近、各有独有业务词，但业务功能描述高度相似"
            if upstream and name >= t["dup_name_min"] and shared >= 2 * t["dup_distinct_word_weight"]:
                return "上级统建系统与建设层级的系统有两个以上相同业务词"
            return None
        if name >= 0.999:
            return "业务核心相同"
        if weak_rest and name >= t["dup_name_min"]:
            return WEAK_REST
        if name >= t["dup_name_contained"]:
            return "一方的业务核心包含在另一方中"
        if name >= t["dup_name_min"] and fn >= t["dup_function_min"]:
            return "业务核心相近且业务功能描述相似"
        return None


def _by_meaning(unsure, texts, prof, phrasing, t):  # type: ignore[no-untyped-def]
    """The pairs sharing a strong business word, split by what their descriptions and names mean: nearly
    the same in both (招生入学 / 阳光招生, 科技计划项目 / 科技项目申报): linked; descriptions only close:
    leads for the office. Each with its similarities added to the evidence."""
    pairs = [(ma[0], mb[0]) for ma, mb, _ in unsure]
    sims = pair_meanings(pairs, texts, {i: prof[i].core for pair in pairs for i in pair}, phrasing, t)
    linked, leads = [], []
    for ma, mb, signals in unsure:
        got = sims.get((ma[0], mb[0]))
        if not got or got[0] < t["dup_possible_function"]:
            continue
        signals = {**signals, "业务功能语义相似度": round(got[0], 2), "名称语义相似度": round(got[1], 2)}
        sure = got[0] >= t["dup_meaning_shared_function"] and got[1] >= t["dup_meaning_shared_name"]
        (linked if sure else leads).append((ma, mb, signals))
    return linked, leads


def _signals(m: NameMatch, fn: float, pa: NameProfile, pb: NameProfile) -> dict[str, Any]:
    """What linked (or nearly linked) two names, for the evidence."""
    signals: dict[str, Any] = {"名称相似度": round(m.score, 2), "业务功能相似度": round(fn, 2), "相同业务词": m.shared}
    if m.exclusive:
        signals["各自独有"] = [sorted(pa.words - pb.words), sorted(pb.words - pa.words)]
    return signals


def _vertical(v: dict[str, Any]) -> bool:
    return v.get("build_mode") in VERTICAL or v.get("scope") == "国家垂直"


def _national(profile: NameProfile, v: dict[str, Any]) -> bool:
    """A national system: its name says so (全国…, 国家…), or it is reported as 国垂 (a city's copy often
    drops the 全国 from the name)."""
    return profile.level == "national" or v.get("build_mode") == NATIONAL_MODE or v.get("scope") == "国家垂直"


def duplicate_findings(systems: list[System], rules: dict[str, Any], roster: Any) -> list[Finding]:
    """Group duplicates across owners; mark copies of a system reported elsewhere as not counted."""
    t, meta = for_encoder(rules["thresholds"]), rules["findings"]
    reader = name_reader(roster)
    report_ok = applies_to(meta["FIND_DUPLICATE_REPORT"]["applies"])
    build_ok = applies_to(meta["FIND_DUPLICATE_BUILD"]["applies"])
    idx = [i for i, s in enumerate(systems) if s.name and report_ok(s.values)]
    prof = {i: reader.read(systems[i].name, systems[i].owner) for i in idx}
    vertical = {i for i in idx if _vertical(systems[i].values)}
    provincial = {u.name for u in roster if not u.is_city}
    report, build = Groups(), Groups()
    # the same name: one system, when the name says it is provincial/national, one side is 上级统建, or one return holds both
    by_full: dict[str, list[int]] = defaultdict(list)
    for i in idx:
        by_full[prof[i].full].append(i)
    same_system: dict[int, int] = {}
    government = governments(roster)
    for members in by_full.values():
        first = members[0]
        for j in members[1:]:
            a, b = systems[first], systems[j]
            ga, gb = government(a.owner), government(b.owner)  # two departments of one government (as far as the roster knows)
            one_return = a.unit == b.unit and (ga is None or gb is None or ga == gb)
            if a.owner == b.owner and _typed(a.name) == _typed(b.name):  # one owner's system listed twice under one name
                report.join(first, j, {"系统": [a.name, b.name], "依据": "同一建设单位的同名系统"})
                same_system[j] = first
            elif a.owner != b.owner and (prof[j].level or first in vertical or j in vertical or one_return):
                report.join(first, j, {"系统": [a.name, b.name], "依据": "名称相同"})
                same_system[j] = first
    # candidates: identical business-word sets first, then pairs that share a word not found everywhere
    scorer = _Scorer([prof[i] for i in idx], t, reader)
    by_words: dict[tuple[frozenset[str], frozenset[str], bool], list[int]] = defaultdict(list)
    for i in idx:
        if prof[i].words:
            by_words[(prof[i].words, prof[i].owner_words, _national(prof[i], systems[i].values))].append(i)
    reps = list(by_words)
    index: dict[str, list[int]] = defaultdict(list)
    for r, (words, _, _) in enumerate(reps):
        for w in {*words, *(x for y in words for x in scorer.short_forms.get(y, ()))}:
            if scorer.df[w] <= t["dup_max_word_systems"]:
                index[w].append(r)
    pairs: set[tuple[int, int]] = set()
    for rs in index.values():
        pairs.update((a, b) for x, a in enumerate(rs) for b in rs[x + 1 :])
    trade = {i: reader.owner_words(systems[i].owner) or frozenset({systems[i].owner}) for i in idx}

    def texts_of(members: list[int]) -> dict[int, str]:
        return {i: str(systems[i].values.get("functions") or "").strip() for i in members}

    work = work_words(idx, prof, trade, reader, t)
    candidates: list[tuple[list[int], list[int], str, dict[str, Any]]] = []
    for (words, owned, _), members in by_words.items():
        if scorer.trade_only(words, owned) and vertical.isdisjoint(members):
            # only the owner's broad line of work (an 教育局's 教育): too little to go on, unless the names'
            # cores are one and the same (智慧教育云平台 in a city and in its county) and so are the descriptions
            candidates += same_cores(members, prof, texts_of(members), t)
            continue
        for part in by_trade(members, words, work, trade, vertical):
            candidates.append((part, part, "业务核心相同", {"名称相似度": 1.0, "相同业务词": sorted(words)}))
    involved = {by_words[reps[r]][0] for pair in pairs for r in pair}
    builders = {i for i in idx if i not in vertical and (systems[i].unit in provincial or systems[i].values.get("scope") in MULTI_LEVEL)}
    with_copy = {r for r, key in enumerate(reps) if not vertical.isdisjoint(by_words[key])}
    with_builder = {r for r, key in enumerate(reps) if not builders.isdisjoint(by_words[key])}
    texts = {i: str(systems[i].values.get("functions") or "").strip() for i in idx}  # 业务功能
    fns = Bigrams({i: texts[i] for i in involved})
    unsure: list[tuple[list[int], list[int], dict[str, Any]]] = []  # sharing a strong word, not linked by the names alone
    for ra, rb in pairs:
        if reps[ra][2] != reps[rb][2]:
            continue  # a national system is not a provincial one of the same business
        ma, mb = by_words[reps[ra]], by_words[reps[rb]]
        pa, pb = prof[ma[0]], prof[mb[0]]
        m = scorer.name(pa, pb)
        if m.owners_only:
            continue  # like a name made only of its owner's line of work: too little to go on
        if only_work(m.shared, work, reader) and trade[ma[0]] != trade[mb[0]] and vertical.isdisjoint((*ma, *mb)):
            continue  # all they share is a kind of work every trade does (应急, 执法, 招生): two trades' own systems
        fn = fns(ma[0], mb[0])
        upstream = (ra in with_copy and rb in with_builder) or (rb in with_copy and ra in with_builder)
        why = scorer.linked(m.score, m.exclusive, fn, m.weight, upstream, m.weak_rest)
        if why:
            candidates.append((ma, mb, why, _signals(m, fn, pa, pb)))
        elif m.weight >= t["dup_distinct_word_weight"] and not m.apart and not (pa.per_unit or pb.per_unit):
            unsure.append((ma, mb, _signals(m, fn, pa, pb)))
    phrasing = Phrasing(texts.values(), t)
    by_meaning = len(set(texts.values())) <= t["dup_meaning_max_texts"]  # encoding more the first time takes minutes
    if by_meaning and t["dup_weak_rest_function"]:
        candidates = _described_alike(candidates, texts, prof, phrasing, t)
    linked, leads = _by_meaning(unsure, texts, prof, phrasing, t) if by_meaning else ([], [])
    for ma, mb, signals in linked:
        candidates.append((ma, mb, "有相同的业务词，业务功能描述和名称的意思也都相近", signals))
    own = {i for i in idx if i not in vertical and not prof[i].per_unit and build_ok(systems[i].values)}
    linker = _Linker(systems, vertical, builders, own, same_system, report, build)
    for ma, mb, why, signals in candidates:
        linker.link(ma, mb, why, signals)
    if by_meaning:

        def work_apart(a: int, b: int) -> bool:
            """Two trades' own systems whose names share only a kind of work the lexicon names (执法): their
            descriptions read alike because the work is done alike. (Sharing only words the round shows
            in many trades, such as 城市, is no worse than sharing none: the descriptions decide.)"""
            shared = sorted(prof[a].words & prof[b].words)
            apart = not trade[a] & trade[b]  # owners sharing a word are one trade (教育局, 教育和体育局)
            named = not reader.work.isdisjoint(shared)
            return named and only_work(shared, work, reader) and apart and a not in vertical and b not in vertical

        leads += _link_alike(texts, systems, prof, phrasing, t, linker, work_apart)
    return [
        *report_findings(systems, report, vertical, provincial, meta),
        *build_findings(systems, build, meta),
        *possible_findings(systems, leads, own, build, report, meta),
    ]


def _described_alike(candidates, texts, prof, phrasing, t):  # type: ignore[no-untyped-def]
    """Drops the links made by names that differ only in weak words (旅游统计监测分析 / 智慧旅游公共服务)
    when both descriptions say something and mean different things: the shared word was all there was."""
    weak = [(ma[0], mb[0]) for ma, mb, why, _ in candidates if why == WEAK_REST]
    if not weak:
        return candidates
    meant = pair_meanings(weak, texts, {i: prof[i].core for i in texts}, phrasing, t)
    floor = t["dup_weak_rest_function"]
    return [c for c in candidates if c[2] != WEAK_REST or meant.get((c[0][0], c[1][0]), (1.0, 1.0))[0] >= floor]


FORK_FROM = 20_000  # systems from which detection runs in a forked process beside the per-system checks


def duplicate_findings_beside(systems: list[System], rules: dict[str, Any], roster: Any) -> Callable[[], list[Finding]]:
    """Start duplicate detection for a large round in a forked process, so that it runs while this
    one does the per-system checks (on two cores the round's findings take the longer of the two,
    not their sum). Returns what to call afterwards for the findings; their systems then carry the
    duplicate codes after their own, and copies are marked as not counted, as when run here."""

    def apart() -> tuple[list[tuple[Any, ...]], dict[int, list[str]], list[int]]:
        had = [len(s.findings) for s in systems]
        found = duplicate_findings(systems, rules, roster)  # on the child's copy of the systems
        where = {id(s): i for i, s in enumerate(systems)}
        shapes = [(f.code, f.severity, f.unit, f.system, f.message, f.evidence, f.subject, [where[id(s)] for s in f.about]) for f in found]
        added = {i: s.findings[had[i] :] for i, s in enumerate(systems) if len(s.findings) > had[i]}
        return shapes, added, [i for i, s in enumerate(systems) if not s.counted]

    wait = beside(apart) if len(systems) >= FORK_FROM else None
    if wait is None:
        return lambda: duplicate_findings(systems, rules, roster)

    def collect() -> list[Finding]:
        try:
            shapes, codes, uncounted = wait()
        except ChildLost:  # the child was killed: detection runs here after all
            return duplicate_findings(systems, rules, roster)
        for i, more in codes.items():
            systems[i].findings.extend(more)
        for i in uncounted:
            systems[i].counted = False
        return [Finding(*shape[:7], about=[systems[i] for i in shape[7]]) for shape in shapes]

    return collect


def _link_alike(texts, systems, prof, phrasing, t, linker, work_apart) -> list[tuple[list[int], list[int], dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Links systems whose descriptions mean the same even when their names share no word; pairs a
    little less close (`dup_alike_possible_function`) are leads for the office. Two trades' systems
    whose names share only a kind of work (`work_apart`) are neither."""
    build, report = linker.build, linker.report
    texts = {i: text for i, text in texts.items() if not prof[i].per_unit}  # a portal is every unit's own
    national = {i: _national(prof[i], systems[i].values) for i in texts}
    owners = {i: systems[i].owner for i in texts}
    leads: list[tuple[list[int], list[int], dict[str, Any]]] = []
    for p in alike_pairs(texts, {i: prof[i].core for i in texts}, owners, phrasing, t):
        a, b = p.a, p.b
        if national[a] != national[b] or build.together(a, b) or report.together(a, b) or work_apart(a, b):
            continue
        signals = {
            "业务功能语义相似度": round(p.function, 2),
            "名称语义相似度": round(p.name, 2),
            "相同业务词": sorted(prof[a].words & prof[b].words),
        }
        if p.function >= t["dup_meaning_function"] and p.name >= t["dup_meaning_name"]:
            linker.link([a], [b], "业务功能描述的意思几乎相同，名称也相关（名称未必有相同的词）", signals)
        else:
            why = "名称只有很少的相同之处" if signals["相同业务词"] else "名称没有相同的词"
            leads.append(([a], [b], {**signals, "依据": f"{why}，但业务功能描述的意思很接近，不足以认定"}))
    return leads


LINKS_KEPT = 10  # reasons kept per group for its evidence (only the first ten are shown)


@dataclass
class _Linker:
    """Joins sets of alike systems: copies of a 上级统建 system into report groups, own builds into build groups."""

    systems: list[System]
    vertical: set[int]  # 上级统建 copies
    builders: set[int]  # systems of the builder level: a provincial unit's, or one used at several levels
    own: set[int]  # systems that can be built twice (not copies, not of a kind every unit has)
    same_system: dict[int, int]
    report: Groups
    build: Groups

    def link(self, ma: list[int], mb: list[int], why: str, signals: dict[str, Any]) -> None:
        systems, own_set = self.systems, self.own
        if ma is not mb and "相近的描述" not in signals:  # the clauses a reader compares first
            said = closest_clauses(str(systems[ma[0]].values.get("functions") or ""), str(systems[mb[0]].values.get("functions") or ""))
            if said:
                signals = {**signals, "相近的描述": list(said)}
        own_a = [i for i in ma if i in own_set]
        own_b = own_a if mb is ma else [i for i in mb if i in own_set]
        own = own_a if mb is ma else list(dict.fromkeys(own_a + own_b))
        if len({self.same_system.get(i, i) for i in own}) > 1 and len({systems[i].owner for i in own}) > 1:
            self.build.join_all(own[0], own[1:])
            shown = list(dict.fromkeys(systems[i].name for i in (own_a[:1] + own_b[:1] if ma is not mb else own[:3])))
            self.build.join(own[0], own[0], {"依据": why, **signals, "系统": shown})
        both = ma if mb is ma else ma + mb
        copies = [i for i in both if i in self.vertical]
        if not copies:
            return
        builders = [i for i in both if i in self.builders]
        hub = (builders or copies)[0]
        others = [i for i in copies + builders if systems[i].owner != systems[hub].owner]
        for i in others[:LINKS_KEPT]:
            self.report.join(hub, i, {"依据": f"上级统建系统重复填报（{why}）", **signals, "系统": [systems[hub].name, systems[i].name]})
        if len(others) > LINKS_KEPT:
            self.report.join_all(hub, others[LINKS_KEPT:])
