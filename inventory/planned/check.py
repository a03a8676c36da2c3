"""The check of one planned project: its nearest existing systems (and fellow planned projects), each
with its evidence, and a suggested outcome with reasons.

Candidates come three ways, none of them a loop over the inventory: systems sharing a business word
of the project's name (the duplicate finder's word index and weights), the descriptions nearest in
meaning (one matrix product over the inventory's vectors) and the name cores nearest in meaning.
Each candidate is then judged as the duplicate finder judges a pair (how much of the business the
names share, whether each has a business term the other lacks, how close the descriptions and names
mean) and, sentence by sentence, which parts of the project's 建设内容 it already provides. A system
counts as a duplicate only where it already serves the project's area (the same government, or a
system of a government above it used at several levels); elsewhere it is an example to reuse.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..assess.alike import closest_clauses
from ..form.normalize import clean_text
from .fields import check_settings
from .index import Index, covers, vectors_of
from .query import Query, sentences

DUPLICATE, OVERLAP, ELSEWHERE, NEAR = "重复", "部分重叠", "其他地区同类", "相近"
STOPPED = "停用"
CLAUSE_CANDIDATES = 24  # candidates whose descriptions are compared clause by clause


@dataclass
class Match:
    i: int  # the entry in its index
    kind: str  # DUPLICATE, OVERLAP, ELSEWHERE or NEAR
    reasons: list[str]
    strength: float
    evidence: dict[str, Any] = field(default_factory=dict)
    covered: list[int] = field(default_factory=list)  # which of the project's items this system already provides
    signals: dict[str, float] | None = None  # what the duplicate model weighed


def _top(sims: np.ndarray, k: int) -> np.ndarray:
    if len(sims) <= k:
        return np.arange(len(sims))
    return np.argpartition(-sims, k)[:k]


def candidates(index: Index, q: Query, settings: dict[str, Any]) -> set[int]:
    """Entries sharing a business word with the project, or nearest to it in meaning."""
    out: set[int] = set()
    for w in q.profile.words:
        out.update(index.by_word.get(w, ()))
    k = settings["description_neighbours"]
    if q.function is not None and index.text_vectors is not None and len(index.text_vectors):
        rows = set(_top(index.text_vectors @ q.function, k).tolist())
        out.update(np.nonzero(np.isin(index.text_row, list(rows)))[0][: 20 * k].tolist())
    if q.core is not None and index.core_vectors is not None and len(index.core_vectors):
        rows = set(_top(index.core_vectors @ q.core, k).tolist())
        out.update(np.nonzero(np.isin(index.core_row, list(rows)))[0][: 20 * k].tolist())
    return out


def nearest(index: Index, q: Query, settings: dict[str, Any] | None = None, skip: str | None = None) -> list[Match]:
    """The entries of `index` that duplicate, overlap or come near the project, strongest first."""
    settings = settings or check_settings()
    t = settings["thresholds"]
    found = candidates(index, q, settings)
    if not found:
        return []
    ids = sorted(i for i in found if not (skip and index.entries[i].key == skip))
    fn = _sims(index.text_vectors, index.text_row, ids, q.function)
    core = _sims(index.core_vectors, index.core_row, ids, q.core)
    items, back, typical = _item_sims(index, ids, q, fn)
    names: dict[tuple[frozenset[str], frozenset[str]], Any] = {}
    out: list[Match] = []
    for n, i in enumerate(ids):
        p = index.profiles[i]
        key = (p.words, p.owner_words)
        if key not in names:
            names[key] = index.scorer.name(q.profile, p) if q.profile.words and p.words else None
        sims = [] if items is None else [float(x) for x in items[n]]
        signals = _signals(fn[n], core[n], sims, None if back is None else back[n], typical)
        m = _judge(index, i, q, names[key], fn[n], core[n], sims, signals, t)
        if m is not None:
            out.append(m)
    out.sort(key=lambda m: ({DUPLICATE: 0, OVERLAP: 1, ELSEWHERE: 2, NEAR: 3}[m.kind], -m.strength))
    return out


def _sims(vectors: np.ndarray | None, rows: np.ndarray, ids: list[int], v: np.ndarray | None) -> list[float | None]:
    if vectors is None or v is None or not len(vectors):  # no description in the inventory says anything
        return [None] * len(ids)
    r = rows[ids]
    sims = vectors[np.maximum(r, 0)] @ v
    return [float(s) if k >= 0 else None for s, k in zip(sims, r, strict=True)]


TYPICAL = 10  # candidates nearest in meaning whose clause-by-clause closeness is the project's usual level


def _item_sims(index: Index, ids: list[int], q: Query, fn: list[float | None]) -> tuple[np.ndarray | None, np.ndarray | None, float]:
    """How close each of the project's items comes to a clause of each candidate's description
    (candidates × items), how much of each candidate's description the project's items cover (its
    clauses' closest items, averaged; NaN where not compared), and the usual item-by-item closeness of
    the nearest candidates (the median of the `TYPICAL` nearest). Only the candidates whose
    descriptions are nearest are compared clause by clause; the others count as covering nothing."""
    if index.text_vectors is None or q.item_vectors is None or not q.items:
        return None, None, 0.0
    sims = np.zeros((len(ids), len(q.items)), dtype=np.float32)
    back = np.full(len(ids), np.nan, dtype=np.float32)
    order = sorted((n for n in range(len(ids)) if fn[n] is not None), key=lambda n: -fn[n])[:CLAUSE_CANDIDATES]  # type: ignore[operator]
    if not order:
        return sims, back, 0.0
    sims[order], back[order] = clause_grid(index, [ids[n] for n in order], q)
    typical = float(np.median(sims[order[:TYPICAL]].mean(axis=1)))
    return sims, back, typical


def clause_sims(index: Index, ids: list[int], q: Query) -> np.ndarray:
    """For each entry and each of the project's items, how close the item comes to the nearest clause of
    the entry's description (entries × items); clauses are encoded once, then cached."""
    return clause_grid(index, ids, q)[0]


def clause_grid(index: Index, ids: list[int], q: Query) -> tuple[np.ndarray, np.ndarray]:
    """`clause_sims`, and for each entry how closely the project's items cover its clauses (each
    clause's closest item, averaged): a project that rebuilds one module of a system covers one of
    its clauses, a duplicate covers them all."""
    out = np.zeros((len(ids), len(q.items)), dtype=np.float32)
    back = np.zeros(len(ids), dtype=np.float32)
    if q.item_vectors is None or not ids:
        return out, back
    clauses = {index.entries[i].functions: sentences(index.entries[i].functions) for i in ids}
    flat = sorted({c for cs in clauses.values() for c in cs})
    vecs = vectors_of(flat, query=True) if flat else None
    if vecs is None:
        return out, back
    at = {c: k for k, c in enumerate(flat)}
    for n, i in enumerate(ids):
        rows = [at[c] for c in clauses[index.entries[i].functions]]
        if rows:
            grid = vecs[rows] @ q.item_vectors.T  # clauses × items
            out[n] = grid.max(axis=0)
            back[n] = grid.max(axis=1).mean()
    return out, back


def _signals(fn: float | None, core: float | None, sims: list[float], back: float | None, typical: float) -> dict[str, float] | None:
    """What the duplicate model weighs for one candidate (None where the descriptions were not compared
    clause by clause)."""
    if fn is None or not sims or back is None or np.isnan(back):
        return None
    mean = sum(sims) / len(sims)
    return {
        "description": fn,
        "item_mean": mean,
        "item_max": max(sims),
        "system_covered": float(back),
        "name_meaning": core if core is not None else fn,
        "item_lead": mean - typical,
    }


def likelihood(signals: dict[str, float] | None, model: dict[str, Any] | None) -> float | None:
    """The duplicate model's estimate that the project duplicates the system (a logistic model over the
    signals, fitted on labelled projects written apart from the code; `x-check.thresholds.duplicate_model`)."""
    if signals is None or not model:
        return None
    z = model["bias"] + sum(w * signals[k] for k, w in model["weights"].items())
    return 1.0 / (1.0 + float(np.exp(-z)))


def _judge(
    index: Index,
    i: int,
    q: Query,
    m: Any,
    fn: float | None,
    core: float | None,
    sims: list[float],
    signals: dict[str, float] | None,
    t: dict[str, Any],
) -> Match | None:
    """Whether entry `i` duplicates the project, overlaps it in part, or only comes near, and why.

    A duplicate: the duplicate model (`likelihood`, for an existing system when the encoder has one)
    reaches its threshold; otherwise the whole description means nearly the same (`dup_function`) and,
    item by item, the project's 建设内容 are on average as close to a clause of the system's
    (`dup_clause_mean`), or it says the same in other words (`paraphrase`): the system does what the
    project would build, not only part of it. Without a description to compare,
    the same business in the names. An overlap: one item or more is close to a clause of the system's
    (`clause_match`) and the descriptions are related (`overlap_function`), or the names share business
    words and the descriptions are related. Where the system does not serve the project's area it is
    an example to reuse (an overlap), unless both are planned and mean the same almost word for word."""
    apart = bool(m and (m.apart or m.owners_only))
    name = m.score if m and not apart else 0.0
    f = fn if fn is not None else -1.0
    covered = covered_items(index, i, q, sims, t)
    mean = sum(sims) / len(sims) if sims else 0.0
    share = len(covered) / len(q.items) if q.items else 0.0
    reasons: list[str] = []
    kind = None
    model = None if index.entries[i].planned else t.get("duplicate_model")
    chance = likelihood(signals, model)
    alike = (
        chance >= model["threshold"]
        if chance is not None and model
        else fn is not None and f >= t["dup_function"] and mean >= t["dup_clause_mean"]
    )
    fresh = new_business(index, i, q, sims, t) if alike or (fn is not None and f >= t["dup_function"]) else []
    if alike and fresh:
        kind = OVERLAP
        covered = covered or [k for k, x in enumerate(sims) if x >= t["clause_match"]]
        said = "；".join(f"“{q.items[k]}”" for k in fresh)
        reasons.append(f"{len(covered)}/{len(q.items)} 项建设内容该系统已经提供，但{said}是该系统描述中没有的新业务，宜核减而非整体否定")
    elif alike and chance is not None and signals is not None:
        kind = DUPLICATE
        reasons.append(
            f"建设内容与其业务功能意思相同（重复可能性 {chance:.2f}，达到 {model['threshold']:.2f} 即认定重复）：整体语义相似度 {f:.2f}，逐项比对平均 {mean:.2f}"
            f"（比其他相近系统高 {signals['item_lead']:.2f}），该系统各项功能被本项目覆盖的程度 {signals['system_covered']:.2f}"
            + ("；没有哪一项照搬其描述，只是换了说法" if max(sims) < t["paraphrase_item_max"] else "")
        )
    elif alike:
        kind = DUPLICATE
        reasons.append(f"建设内容与其业务功能意思几乎相同（语义相似度 {f:.2f}），逐项比对平均 {mean:.2f}")
    elif model is None and paraphrase(f if fn is not None else None, mean, sims, t):
        kind = DUPLICATE
        reasons.append(
            f"建设内容整体与其业务功能意思相同（语义相似度 {f:.2f}），只是换了说法：没有哪一项照搬其中某一部分，"
            f"各项都与它相近（逐项比对平均 {mean:.2f}）"
        )
    elif fn is None and name >= t["dup_name"]:
        kind = DUPLICATE
        reasons.append("名称的业务核心相同（该系统没有可比的业务功能描述）")
    elif f >= t["overlap_function"] and covered:
        kind = OVERLAP
        reasons.append(f"{len(covered)}/{len(q.items)} 项建设内容该系统已经提供")
    elif name >= t["overlap_name"] and f >= t["overlap_function"]:
        kind = OVERLAP
        reasons.append("名称有相同的业务词，建设内容相近")
    served = covers(index, i, q.area)
    if kind is not None and index.entries[i].values.get("status") == STOPPED:  # nothing runs there to reuse or to duplicate
        kind, reasons = NEAR, ["该系统已停用，不构成重复；可了解其停用原因供建设参考：" + "；".join(reasons)]
    elif kind is not None and not served and not (kind == DUPLICATE and index.entries[i].planned and f >= t["dup_function_elsewhere"]):
        kind, reasons = ELSEWHERE, ["其他地区的同类系统，不覆盖本项目地区，可借鉴其建设经验或申请共用：" + "；".join(reasons)]
    if kind is None:
        if not (name >= t["overlap_name"] or f >= t["near_function"]):
            return None
        kind = NEAR
        reasons.append("业务相近，但不足以认定重叠")
    strength = max(f, 0.0) + mean + share / 10 + max(name, 0.0) / 10
    evidence = _evidence(index, i, q, m, fn, core, covered, served)
    if sims:
        evidence["逐项比对平均相似度"] = round(mean, 3)
    if chance is not None:
        evidence["重复可能性"] = round(chance, 2)
    return Match(i, kind, reasons, strength, evidence, covered, signals)


def paraphrase(f: float | None, mean: float, sims: list[float], t: dict[str, Any]) -> bool:
    """Whether the project says what the system does in other words: the whole description is very close
    in meaning (`dup_paraphrase`), every item comes near some clause (`dup_paraphrase_mean` on average),
    and yet no item is a near copy of one clause (`paraphrase_item_max`). A project that rebuilds one
    module of a system and adds its own work copies that module's clause and is cut (核减) instead."""
    return (
        f is not None
        and len(sims) >= 2
        and f >= t["dup_paraphrase"]
        and mean >= t["dup_paraphrase_mean"]
        and max(sims) < t["paraphrase_item_max"]
    )


def new_business(index: Index, i: int, q: Query, sims: list[float], t: dict[str, Any]) -> list[int]:
    """The project's items that are new business beside system `i`, when another item is plainly the
    system's own: one item matches a clause of the system almost word for word (`own_item`), while an
    item stays far from every clause (`new_item`) and names several business words (`new_item_words`,
    most of its words: `new_item_unsaid_share`) that the system's name and description never say. A
    project that rebuilds one module and adds work of its own is cut (核减), not refused; a paraphrase
    of the whole system comes evenly close on every item and keeps its refusal. Between two planned
    projects the rule does not apply: the round's projects that share a part are merged anyway."""
    e = index.entries[i]
    if e.planned or len(sims) < 2 or max(sims) < t["own_item"]:  # two planned projects that share a part merge anyway
        return []
    said = clean_text(e.name + "。" + e.functions)
    said_words = index.reader.words(said)  # a word the system says in another spelling (监测 / 监管) is said
    out = []
    for k, x in enumerate(sims):
        if x >= t["new_item"]:
            continue
        words = q.item_words[k]
        unsaid = [w for w in words if w not in said and w not in said_words]
        if len(unsaid) >= t["new_item_words"] and len(unsaid) >= t["new_item_unsaid_share"] * len(words):
            out.append(k)
    return out


def name_words(index: Index, i: int) -> frozenset[str]:
    """The business words of a system's name, its bracketed tags included (天地图·四川: 地图)."""
    p = index.profiles[i]
    tags = frozenset(w for tag in p.tags for w in index.reader.words(tag) if not index.reader.prefix.fullmatch(w))
    return p.words | tags


def covered_items(index: Index, i: int, q: Query, sims: list[float], t: dict[str, Any], platform: bool = False) -> list[int]:
    """The project's items that system `i` already provides: an item close in meaning to one of its
    clauses (`clause_match`), or a little less close (`mention_clause`) when the item names the
    system's own business (a strong word of its name: 短信, 认证, 建筑工人; where the name has several,
    its distinctive description words count towards them). A platform (`platform`) provides only
    items that say one of its name's or description's business words."""
    if not sims:
        return []
    strong = index.t["dup_distinct_word_weight"]
    own = {w for w in name_words(index, i) if w not in index.reader.weak and index.scorer.weight[w] >= strong}
    # one word of a longer name is not yet the system's business: a system named by three business words
    # or more must be mentioned by two of them (数据资源目录, not 目录; 诚信信息, not 诚信)
    least = min(2, (len(own) + 1) // 2)
    told = described_words(index, i, t)
    out = []
    for k, x in enumerate(sims):
        said = q.item_sentences[k] if q.item_sentences else q.items[k]
        if any(w in q.items[k] for w in _NOT_BUILT) or uses(index, i, said, own & index.reader.words(said)):
            continue  # the item says it builds none, or its sentence says it uses the system: reuse, not overlap
        mentioned = own & q.item_words[k]
        described = told & q.item_words[k]
        if platform and not (mentioned or described):
            continue  # a platform provides an item that says its business, not one that only sounds alike
        named = len(mentioned) >= least or (bool(mentioned) and len(mentioned | described) >= least)  # 实名认证 beside 统一身份认证
        if x >= t["clause_match"] or (x >= t["mention_clause"] and (named or len(described) >= t["described_words"])):
            out.append(k)
    return out


DESCRIPTIONS_COUNTED = 5000  # descriptions sampled to tell a distinctive word from a common one


def described_words(index: Index, i: int, t: dict[str, Any]) -> frozenset[str]:
    """The distinctive business words of system `i`'s description: words found in few of the inventory's
    descriptions (at most `described_word_share` of them, or `described_word_texts`), so 分解 交办 承办
    逾期 count and 管理 服务 企业 do not."""
    counted = getattr(index, "_description_df", None)
    if counted is None:
        texts = sorted({e.functions for e in index.entries if e.functions})
        sample = texts[:: max(1, len(texts) // DESCRIPTIONS_COUNTED)]
        counted = index._description_df = (Counter(w for x in sample for w in index.reader.words(x)), len(sample))  # type: ignore[attr-defined]
    df, n = counted
    most = max(t["described_word_texts"], t["described_word_share"] * n)
    return frozenset(w for w in index.reader.words(index.entries[i].functions) if w not in index.reader.weak and df[w] <= most)


_REUSE_VERBS = (
    "对接", "调用", "调取", "依托", "复用", "利用", "推送至", "推送到", "接入省", "接入四川省", "共享使用", "使用省", "使用四川省",
    "通过省", "通过四川省",
)  # fmt: skip
_NOT_BUILT = ("不另建", "不再建", "不单独建", "不重复建", "不另行建", "无需另建", "不自建")


def uses(index: Index, i: int, said: str, mentioned: set[str]) -> bool:
    """Whether a sentence of the project says it will use system `i` rather than build it: it names the
    system (its name without region and phase), or says 对接 / 调用 / 依托 … next to a word of the system's name."""
    core = index.profiles[i].core
    if len(core) >= 4 and core in clean_text(said).replace(" ", ""):
        return True
    return bool(mentioned) and any(v in said for v in _REUSE_VERBS)


def _evidence(
    index: Index, i: int, q: Query, m: Any, fn: float | None, core: float | None, covered: list[int], served: bool
) -> dict[str, Any]:
    e, v = index.entries[i], index.entries[i].values
    out: dict[str, Any] = {"相同业务词": list(m.shared) if m else [], "名称相似度": round(m.score, 2) if m else 0.0}
    if fn is not None:
        out["建设内容语义相似度"] = round(fn, 2)
    if core is not None:
        out["名称语义相似度"] = round(core, 2)
    pairs = []
    for k in covered or range(min(1, len(q.items))):
        said = closest_clauses(q.items[k], e.functions) if e.functions else None
        if said:
            pairs.append([q.items[k], said[1]])
    if pairs:
        out["相近的描述"] = pairs
    out["使用范围"] = [str(q.entry.values.get("scope") or "未填"), str(v.get("scope") or "未填")]
    out["使用对象"] = [_listed(q.entry.values.get("users")), _listed(v.get("users"))]
    out["覆盖本项目地区"] = "是" if served else "否（其他地区）"
    return out


def _listed(v: Any) -> str:
    if isinstance(v, list):
        return "、".join(map(str, v)) or "未填"
    return str(v or "未填")
