"""Trades and kinds of work in system names, for the duplicate finder.

A system's trade is its owner's line of business as the owner's name says it (交通运输局: 交通运输);
owners whose names share a word are one trade. A word found in the names of several trades' systems
names a kind of work every trade does (招生, 车辆, 应急), not one business: two trades' systems that
share nothing else are not one business built twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from .alike import Bigrams
from .dup_groups import Groups
from .names import NameProfile, NameReader


def work_words(
    idx: list[int], prof: dict[int, NameProfile], trade: dict[int, frozenset[str]], reader: NameReader, t: dict[str, Any]
) -> set[str]:
    """Words that name a kind of work rather than a business: found in the names of systems of at least
    `dup_work_word_trades` different trades in the round (招生 in a school's, a technical college's and a
    medical school's systems; 车辆 in police, fleet and farm-machine systems). Owners whose names share a
    word are one trade (规划和自然资源局 and 自然资源厅); an owner whose name holds the word itself (不动产
    登记中心 for 不动产, 应急管理局 for 应急) is that word's own trade and is not counted. A business that
    crosses trades (视频监控, 12345热线: the lexicon's cross_domain_words) is not a kind of work. The lexicon's
    work_words are kinds of work in any round (a small round may show 执法 in two trades only)."""
    merged = Groups()  # trades that share a word are one
    first: dict[str, int] = {}
    for i in idx:
        for w in trade[i]:
            merged.join(first.setdefault(w, i), i)
    trades: dict[str, set[Any]] = defaultdict(set)
    for i in idx:
        for w in prof[i].words - trade[i]:
            trades[w].add(merged.find(i))
    found = {w for w, seen in trades.items() if len(seen) >= t["dup_work_word_trades"]}
    return (found | reader.work) - reader.cross_domain


def only_work(shared: list[str], work: set[str], reader: NameReader) -> bool:
    return bool(shared) and all(w in work or w in reader.weak for w in shared)


def by_trade(
    members: list[int], words: frozenset[str], work: set[str], trade: dict[int, frozenset[str]], vertical: set[int]
) -> list[list[int]]:
    """Systems with the same business words, kept together; when the words only name a kind of work,
    only systems of one trade are (a 上级统建 copy stays with all: it is the same system)."""
    if not words or not words <= work or not vertical.isdisjoint(members):
        return [members]
    parts: dict[frozenset[str], list[int]] = defaultdict(list)
    for i in members:
        parts[trade[i]].append(i)
    return [part for part in parts.values() if len(part) > 1] or []


def governments(roster: Any) -> Callable[[str], str | None]:
    """The government (省, 市(州), 区(县)) an owner unit belongs to, by the roster tree; None for an owner
    the roster does not know."""
    held: dict[str, str | None] = {}

    def government(owner: str) -> str | None:
        if owner not in held:
            unit = roster.match(owner).unit if hasattr(roster, "parent_of") else None
            while unit is not None and not unit.is_government:
                unit = roster.parent_of(unit)
            held[owner] = unit.code if unit is not None else None
        return held[owner]

    return government


def same_cores(
    members: list[int], prof: dict[int, NameProfile], texts: dict[int, str], t: dict[str, Any]
) -> list[tuple[list[int], list[int], str, dict[str, Any]]]:
    """Among names made only of their owners' line of work, those whose cores are identical and whose
    descriptions are alike (character pairs, as the name routes weigh them)."""
    by_core: dict[str, list[int]] = defaultdict(list)
    for i in members:
        if len(prof[i].core) >= 4:
            by_core[prof[i].core].append(i)
    out = []
    for core, same in by_core.items():
        if len(same) < 2:
            continue
        fns = Bigrams({i: texts[i] for i in same})
        for x, a in enumerate(same):
            for b in same[x + 1 :]:
                fn = fns(a, b)
                if fn >= t["dup_function_min"]:
                    signals = {"名称相似度": 1.0, "业务功能相似度": round(fn, 2), "相同业务词": sorted(prof[a].words), "相同的名称": core}
                    out.append(([a], [b], "名称（去掉地区、期次）完全相同，业务功能描述也相似", signals))
    return out
