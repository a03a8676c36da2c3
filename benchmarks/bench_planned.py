"""Planned-project checks: quality on a labelled set, and the time to check one project against 60,000 systems.

Usage:
  python benchmarks/bench_planned.py [planned1] [--json] [--show]   # quality on benchmarks/planned/<set>.yaml
  python benchmarks/bench_planned.py speed [60000]                  # one project against N synthetic systems
  python benchmarks/bench_planned.py fit [planned1 … planned11]     # refit the duplicate model on development sets

Quality. The set's existing systems become the inventory (each unit's systems, owned by the unit or the
owner it names); each labelled project is checked against it and against the set's other projects.
- duplicates: a project labelled `duplicate` is found when the outcome is 建议不予立项; precision is the
  share of 建议不予立项 outcomes that are labelled `duplicate`;
- partial overlaps: a project labelled `partial` is named when the outcome is 核减 (or 不予立项) and one of
  its labelled systems is among the systems listed as duplicating or overlapping it;
- matches: of the labelled (project, system) pairs, how many the check lists (duplicate or overlap);
- new projects: how many get 可以立项 (the others are false alarms);
- reuse: of the labelled systems to reuse, how many appear anywhere in the check's answer.

Speed. N systems from the demo's generator (`inventory/demo/synth.py`), each given a description vector
of its own (random unit vectors stand in for N distinct encoded descriptions: encoding them is the
one-off precompute, not the check); the floor is one matrix product over those vectors and the name
cores' (what any search by meaning must do), measured in the same run. Medians of 5.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import common  # noqa: F401  (the checkout's package first on sys.path, not an installed copy)
import numpy as np
import yaml

from inventory.assess.model import System
from inventory.form import load_roster
from inventory.planned.result import Checker

HERE = Path(__file__).resolve().parent / "planned"
KINDS = {"office": {"category": "办公及内部管理系统"}, "vnat": {"build_mode": "上级统建（国垂）", "scope": "国家垂直"},
         "vprov": {"build_mode": "上级统建（省垂）"}, "stopped": {"status": "停用"}, "building": {"status": "在建"}}  # fmt: skip
REFUSE, TRIM, GO = "建议不予立项", "核减", "可以立项"


def _listed(v: Any) -> list[str]:
    if isinstance(v, list):
        return [str(x) for x in v]
    return [x for x in str(v or "").replace("，", "、").split("、") if x]


def inventory_of(data: dict[str, Any], roster: Any) -> list[System]:
    out = []
    for short, systems in data["units"].items():
        unit = roster.resolve(short).name
        for n, s in enumerate(systems, start=1):
            values: dict[str, Any] = {
                "system_name": s["name"],
                "functions": s["fn"],
                "owner_unit": s.get("owner") or unit,
                "status": "在用",
            }
            values.update(KINDS.get(s.get("p") or "", {}))
            for k, v in (s.get("set") or {}).items():
                values[k] = _listed(v) if k == "users" else v
            out.append(System(unit=unit, submission_id=1, row=n, values=values, key=f"{short}-{n}"))
    return out


def project_of(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": p["id"],
        "project_name": p["name"],
        "owner_unit": p["owner"],
        "nature": p.get("nature") or "新建",
        "functions": p["content"],
        "users": _listed(p.get("users")),
        "scope": p.get("scope"),
        "budget": p.get("budget"),
        "deploy": p.get("deployment"),
        "data_needs": "、".join(_listed(p.get("data_needed"))),
    }


def quality(name: str, as_json: bool, show: bool) -> dict[str, Any]:
    data = yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
    roster = load_roster()
    started = time.perf_counter()
    checker = Checker(inventory_of(data, roster), roster)
    projects = [project_of(p) for p in data["projects"]]
    checker.with_round(projects)
    results = {p["key"]: checker.check(p) for p in projects}
    took = time.perf_counter() - started
    dup = [p for p in data["projects"] if p["label"] == "duplicate"]
    part = [p for p in data["projects"] if p["label"] == "partial"]
    new = [p for p in data["projects"] if p["label"] == "new"]
    refused = [p for p in data["projects"] if REFUSE in results[p["id"]]["outcome"]]

    def named(p: dict[str, Any]) -> set[str]:
        return {m["系统"] for m in results[p["id"]]["existing"] if m["关系"] in ("重复", "部分重叠")}

    def anywhere(p: dict[str, Any]) -> set[str]:
        r = results[p["id"]]
        return named(p) | {u["系统"] for u in r["platforms"]} | {s["系统"] for d in r["data"] for s in d["可提供的系统"]}

    def fellows(p: dict[str, Any]) -> set[str]:
        return {m["系统"] for m in results[p["id"]]["planned"] if m["关系"] == "重复"}

    ids = {p["id"]: p["name"] for p in data["projects"]}
    dup_existing = [p for p in dup if not all(m in ids for m in p["matches"])]
    dup_planned = [p for p in dup if p not in dup_existing]
    found_existing = [p for p in dup_existing if REFUSE in results[p["id"]]["outcome"]]
    found_planned = [p for p in dup_planned if {ids[m] for m in p["matches"]} & fellows(p) and GO not in results[p["id"]]["outcome"]]

    def platforms_of(p: dict[str, Any]) -> set[str]:
        return {u["系统"] for u in results[p["id"]]["platforms"]}

    part_named = [p for p in part if GO not in results[p["id"]]["outcome"] and set(p["matches"]) & named(p)]
    part_named_or_platform = [p for p in part if GO not in results[p["id"]]["outcome"] and set(p["matches"]) & (named(p) | platforms_of(p))]
    pairs = [(p, m) for p in dup + part for m in p["matches"]]
    pairs_found = [1 for p, m in pairs if m in named(p)]
    reuse = [(p, r) for p in data["projects"] for r in p.get("reuse") or []]
    reuse_found = [1 for p, r in reuse if r in anywhere(p)]
    figures = {
        "set": name,
        "projects": len(projects),
        "systems": len(checker.inventory),
        "duplicate_recall": round(sum(REFUSE in results[p["id"]]["outcome"] for p in dup) / max(len(dup), 1), 3),
        "duplicate_precision": round(sum(p["label"] == "duplicate" for p in refused) / max(len(refused), 1), 3),
        "duplicates": f"{sum(REFUSE in results[p['id']]['outcome'] for p in dup)}/{len(dup)} refused, {len(refused)} refused in all",
        "duplicates_of_existing_refused": f"{len(found_existing)}/{len(dup_existing)}",
        "duplicates_of_planned_listed": f"{len(found_planned)}/{len(dup_planned)} (the other project listed as 重复)",
        "duplicate_recall_both": round((len(found_existing) + len(found_planned)) / max(len(dup), 1), 3),
        "partial_named": f"{len(part_named)}/{len(part)}",
        "partial_named_incl_platforms": f"{len(part_named_or_platform)}/{len(part)}",
        "partial_flagged": f"{sum(GO not in results[p['id']]['outcome'] for p in part)}/{len(part)}",
        "new_passed": f"{sum(GO in results[p['id']]['outcome'] for p in new)}/{len(new)}",
        "matches_listed": f"{len(pairs_found)}/{len(pairs)}",
        "reuse_named": f"{len(reuse_found)}/{len(reuse)}",
        "seconds": round(took, 1),
    }
    if show:
        for p in data["projects"]:
            r = results[p["id"]]
            print(f"{p['id']} [{p['label']}] {p['name']} -> {r['outcome']}")
            print(f"   labelled: {p['matches']} reuse: {p.get('reuse')}")
            for m in r["existing"][:5]:
                print(
                    f"   {m['关系']} {m['系统']} {m['理由']} {json.dumps({k: v for k, v in m['依据'].items() if k in ('名称相似度', '建设内容语义相似度', '名称语义相似度', '相同业务词')}, ensure_ascii=False)}"
                )
            print(
                f"   platforms: {[u['系统'] for u in r['platforms']]} data: {[[s['系统'] for s in d['可提供的系统']] for d in r['data']]} planned: {[m['系统'] for m in r['planned']]}"
            )
    print(json.dumps(figures, ensure_ascii=False) if as_json else "\n".join(f"{k}: {v}" for k, v in figures.items()))
    return figures


def speed(n: int) -> None:
    from inventory.demo.synth import system_rows
    from inventory.form.roster import load_roster as roster_of

    roster = roster_of()
    units = [u for u in roster if u.is_government or u.level == "省级"][:120]
    rng = random.Random(7)
    systems: list[System] = []
    per = n // len(units) + 1
    for u in units:
        for row, values in enumerate(system_rows(u, per, rng, dt.date(2025, 6, 30)), start=1):
            systems.append(System(unit=u.name, submission_id=1, row=row, values=values, key=f"{u.code}-{row}"))
    systems = systems[:n]
    t0 = time.perf_counter()
    checker = Checker(systems, roster)
    build = time.perf_counter() - t0
    index = checker.inventory
    dim = index.text_vectors.shape[1] if index.text_vectors is not None else 384
    vectors = np.random.default_rng(1).standard_normal((len(index), dim)).astype(np.float32)
    index.text_vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    index.text_row = np.arange(len(index), dtype=np.int64)  # every system a description of its own
    project = {
        "project_name": "德阳市不动产登记智慧服务平台建设项目",
        "owner_unit": "德阳市自然资源和规划局",
        "nature": "新建",
        "functions": "建设不动产登记网上申请、预约和进度查询功能；对接税务和住建实现交易登记一窗办理；建设登记档案电子化管理。",
        "data_needs": "人口基础信息、企业登记信息",
    }
    checker.check(project)  # the project's own texts encoded once (then cached, as in a review session)
    q = np.random.default_rng(2).standard_normal(dim).astype(np.float32)
    floors, checks = [], []
    for _ in range(5):
        t = time.perf_counter()
        _ = index.text_vectors @ q
        if index.core_vectors is not None:
            _ = index.core_vectors @ q[: index.core_vectors.shape[1]]
        floors.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = checker.check(project)
        checks.append(time.perf_counter() - t)
    floor, check = statistics.median(floors), statistics.median(checks)
    print(f"systems: {len(index)}  index build: {build:.1f} s (names read, vectors from cache)")
    print(f"floor (matrix product over {len(index)} description vectors): {floor * 1000:.1f} ms")
    print(f"check one project: {check * 1000:.0f} ms  = {check / floor:.0f}x the floor  (target ≤ 2 s)")
    print(f"outcome: {result['outcome']}; existing listed: {len(result['existing'])}")


def signals_of(name: str) -> list[dict[str, Any]]:
    """Every (project, system serving its area) pair the check compares clause by clause in set `name`,
    with the duplicate model's signals and whether the set labels the pair a duplicate."""
    import copy

    from inventory.planned.check import STOPPED, nearest
    from inventory.planned.fields import check_settings
    from inventory.planned.index import covers
    from inventory.planned.query import query_of
    from inventory.planned.result import _base_systems

    data = yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
    roster = load_roster()
    settings = copy.deepcopy(check_settings())
    settings["thresholds"].update(near_function=-1.0, duplicate_model=None)  # every candidate, judged without the model
    inv = Checker(inventory_of(data, roster), roster, settings).inventory
    out = []
    for p in data["projects"]:
        project = project_of(p)
        q, base = query_of(project, inv), _base_systems(inv, project)
        for m in nearest(inv, q, settings):
            e = inv.entries[m.i]
            if m.signals is None or m.i in base or e.values.get("status") == STOPPED or not covers(inv, m.i, q.area):
                continue
            out.append({"set": name, "project": p["id"], "y": int(p["label"] == "duplicate" and e.name in p["matches"]), **m.signals})
    return out


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic model (Newton's method on standardised signals, weights returned
    on the signals' own scale)."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        hess = (z * (p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w[:-1] / sd, float(w[-1] - (w[:-1] * mu / sd).sum())


def fit(names: list[str], threshold: float = 0.3) -> None:
    """The duplicate model fitted on `names` (development sets only), with its figures left out one set
    at a time: duplicates of existing systems refused and the precision of refusals, per project."""
    rows = [r for name in names for r in signals_of(name)]
    from inventory.planned.fields import SIGNALS

    keys = list(SIGNALS)
    x, y = np.array([[r[k] for k in keys] for r in rows]), np.array([r["y"] for r in rows], dtype=float)
    sets = np.array([r["set"] for r in rows])
    z = np.zeros(len(rows))
    for name in names:
        w, b = _logistic(x[sets != name], y[sets != name])
        z[sets == name] = x[sets == name] @ w + b
    best: dict[tuple[str, str], tuple[float, int]] = {}
    for r, v in zip(rows, z, strict=True):
        k = (r["set"], r["project"])
        best[k] = max(best.get(k, (-1e9, 0)), (v, 0))
        if r["y"]:
            best[k] = (max(best[k][0], v), 1)
    cut = float(np.log(threshold / (1 - threshold)))
    labelled = 0
    for name in names:
        data = yaml.safe_load((HERE / f"{name}.yaml").read_text(encoding="utf-8"))
        ids = {p["id"] for p in data["projects"]}
        labelled += sum(p["label"] == "duplicate" and not all(m in ids for m in p["matches"]) for p in data["projects"])
    refused = [dup for v, dup in best.values() if v >= cut]
    print(f"pairs: {len(rows)} ({int(y.sum())} labelled duplicates); left out one set at a time, at {threshold}:")
    print(f"  duplicates of existing systems refused {sum(refused)}/{labelled}, precision {sum(refused) / max(len(refused), 1):.3f}")
    w, b = _logistic(x, y)
    model = {"threshold": threshold, "bias": round(b, 3), "weights": {k: round(float(v), 3) for k, v in zip(keys, w, strict=True)}}
    print("x-check.thresholds.duplicate_model.e5 =", json.dumps(model, ensure_ascii=False))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args and args[0] == "fit":
        fit(args[1:] or [f"planned{n}" for n in range(1, 12)])
    elif args and args[0] == "speed":
        speed(int(args[1]) if len(args) > 1 else 60_000)
    else:
        quality(args[0] if args else "planned1", "--json" in sys.argv, "--show" in sys.argv)
