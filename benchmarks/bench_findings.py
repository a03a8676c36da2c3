"""Precision and recall of the findings on a labelled round (benchmarks/findings/*.yaml).

Each labelled unit becomes a real return: its systems are written into the unit's own template,
validated and imported into a fresh SQLite database exactly as an office would do it; then the
issues report's findings are compared with the labels.

Usage: python benchmarks/bench_findings.py [tune|holdout|holdout2|holdout3|holdout4|holdout5] [--json]

Scoring:
- per-system kinds: a (system, code) pair is a true positive when labelled, a false positive when not;
- duplicate groups: a labelled group is *found* when one reported finding of its kind holds all its
  members (also shown: *touched*, two or more members linked); a reported duplicate finding is
  *correct* when all its members belong to one labelled group of its kind; hard-negative pairs
  linked by any duplicate finding are listed;
- overall: seeded problems = labelled (system, code) pairs + labelled groups;
- leads (`FIND_DUPLICATE_POSSIBLE`) are not claims and count in neither figure: they are scored on
  their own, as the office's review queue (how many, how many hold one labelled group), and a group
  is *found or queued* when the duplicate findings and the leads together connect all its members.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import common  # noqa: F401  (the checkout's package first on sys.path, not an installed copy)
import yaml

from inventory.demo.synth import child_rows, make_uscc, write_return
from inventory.form import load_form, load_roster
from inventory.form.roster import COUNTY
from inventory.report import Reports
from inventory.store.db import open_db
from inventory.store.importer import Importer

HERE = Path(__file__).resolve().parent / "findings"

BASE: dict[str, Any] = {
    "layer": "应用层",
    "category": "业务应用系统",
    "basis": "本单位权责清单相关事项",
    "division": "信息中心",
    "users": "政府内部、企业",
    "approval_date": "2019-05",
    "approval_doc": "川发改数字〔2019〕123号",
    "build_mode": "自行建设",
    "vendor": "四川华西信息技术有限公司",
    "om_vendor": "四川华西信息技术有限公司",
    "status": "在用",
    "build_start": "2019-08",
    "golive_date": "2020-09",
    "build_amount": 320,
    "om_amount": 28,
    "om_mode": "外包服务",
    "om_contract_end": "2026-06-30",
    "total_invest": 400,
    "registered_users": 6000,
    "monthly_active": 1500,
    "annual_volume": 30000,
    "self_zombie": "否",
    "networks": "电子政务外网",
    "secret_class": "非涉密",
    "virtualized": "是",
    "virt_vendor": "华为",
    "architecture": "B/S",
    "os": "麒麟 V10",
    "database": "达梦 DM8",
    "backup": "是",
    "backup_mode": "本地和异地",
    "disaster_recovery": "是",
    "mlps_level": "第二级",
    "mlps_filing": "已备案",
    "mlps_test_date": "2024-11-20",
    "mlps_test_result": "符合",
    "crypto_status": "不适用",
    "interconnect": "是，对接省政务信息共享平台",
    "catalogued": "是",
    "catalogue_count": 12,
    "mounted_count": 8,
    "defer_integration": "否",
    "upgrade_need": "无",
    "evidence": "立项批复、合同、等保备案证明",
}
IN_USE_ONLY = (
    "golive_date",
    "om_vendor",
    "om_amount",
    "om_fund_source",
    "om_mode",
    "om_contract_end",
    "registered_users",
    "monthly_active",
    "annual_volume",
    "mlps_level",
    "mlps_filing",
    "mlps_filing_no",
    "mlps_test_date",
    "mlps_test_result",
    "crypto_status",
    "crypto_date",
    "total_invest",
)


def _vertical(row: dict[str, Any], mode: str, scope: str, fund: str) -> None:
    row.update(build_mode=mode, scope=scope, fund_source=fund, deploy_location="上级部门机房", build_amount=0, total_invest=0)
    row.update(om_amount=0, om_mode="上级统一运维", mlps_level="第三级", mlps_test_date="2025-01-20", crypto_status="已开展-通过")
    row["crypto_date"] = "2025-01-10"
    for k in ("vendor", "om_vendor", "om_contract_end", "om_fund_source", "approval_date", "approval_doc"):
        row.pop(k, None)


PROFILES = {
    "l3": lambda r: r.update(mlps_level="第三级", mlps_test_date="2025-03-12", crypto_status="已开展-通过", crypto_date="2025-02-18"),
    "building": lambda r: (
        [r.pop(k, None) for k in IN_USE_ONLY]
        and r.update(
            status="在建",
            build_stage="系统开发",
            contract_amount=r["build_amount"],
            paid_amount=100,
            contract_sign_date="2024-09-01",
            contract_end_date="2026-03-31",
            planned_golive="2026-01",
            build_start="2024-09",
        )
    ),
    "stopped": lambda r: (
        [r.pop(k, None) for k in ("om_contract_end", "om_fund_source", "om_vendor")]
        and r.update(status="停用", om_amount=0, om_mode="暂无运维")
    ),
    "vprov": lambda r: _vertical(r, "上级统建（省垂）", "省市县三级", "省级财政"),
    "vnat": lambda r: _vertical(r, "上级统建（国垂）", "国家垂直", "中央资金"),
    "office": lambda r: r.update(
        category="办公及内部管理系统",
        users="政府内部",
        scope="本单位内部",
        interconnect="否，无对接",
        catalogued="否",
        catalogue_count=0,
        mounted_count=0,
    ),
}


def build_round(which: str, folder: Path) -> tuple[list[Path], dict[str, Any]]:
    """Write one return per labelled unit; returns the files and the labels keyed by (unit, system_no)."""
    spec = yaml.safe_load((HERE / f"{which}.yaml").read_text(encoding="utf-8"))
    form, roster = load_form(), load_roster()
    regions = {r["code"]: r["name"] for r in form.regions}
    rng = random.Random(7)
    labels: dict[str, Any] = {"systems": {}, "groups": spec["groups"], "negatives": spec["negatives"]}
    files = []
    for short, systems in spec["units"].items():
        unit = roster.resolve(short)
        city = unit.is_city
        county = unit.group == COUNTY
        rows = []
        owner_codes: dict[str, str] = {}
        for i, s in enumerate(systems, start=1):
            row = copy.deepcopy(BASE)
            owner = s.get("owner", unit.name)
            owner_codes.setdefault(owner, make_uscc(rng, "11", unit.region_code))
            row.update(
                owner_unit=owner,
                owner_uscc=owner_codes[owner],
                system_no=f"SYS-{i:03d}",
                system_name=s["name"],
                functions=s["fn"],
                scope="县（市、区）本级" if county else "市（州）本级" if city else "省级",
                deploy_location="市（州）级政务云" if city else "省级政务云",
                approval_dept="市发展和改革委员会" if city else "省发展改革委",
                fund_source="市县财政" if city else "省级财政",
                om_fund_source="市县财政" if city else "省级财政",
                mlps_filing_no=f"510100990{i:02d}-{rng.randrange(10**5):05d}",
            )
            if s.get("p"):
                PROFILES[s["p"]](row)
            for k, v in (s.get("set") or {}).items():
                if v is None:
                    row.pop(k, None)
                else:
                    row[k] = v
            rows.append(row)
            labels["systems"][(unit.name, row["system_no"])] = {"name": s["name"], "expect": set(s.get("expect", [])), "dup": s.get("dup")}
        values = {
            "unit_name": unit.name,
            "uscc": make_uscc(rng, "11", unit.region_code),
            "unit_nature": "行政机关",
            "level": unit.level,
            "region": regions.get(unit.region_code, unit.short_name) if city else "四川省（省本级）",
            "contact_name": "王敏",
            "contact_phone": "13800000000",
            "contact_email": "xxzx@sc.gov.cn",
            "fill_date": dt.date(2025, 7, 20),
        }
        sheets = {form.main.name: rows, **child_rows(form, rows, rng)}
        files.append(write_return(folder / f"{short}.xlsx", form, unit, values, sheets))
    return files, labels


def _connected(want: set[Any], groups: list[set[Any]]) -> bool:
    """Whether the groups, taken together, join all of `want`."""
    reach = {next(iter(want))}
    grew = True
    while grew:
        grew = False
        for keys in groups:
            if keys & reach and not keys <= reach:
                reach |= keys
                grew = True
    return want <= reach


def score(findings: list[dict[str, Any]], labels: dict[str, Any]) -> dict[str, Any]:
    by_name: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key, lab in labels["systems"].items():
        by_name[(key[0], lab["name"])].append(key)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    expected = {(key, code) for key, lab in labels["systems"].items() for code in lab["expect"]}
    predicted: set[tuple[Any, str]] = set()
    dup_findings, leads = [], []
    for f in findings:
        if f["code"] == "FIND_DUPLICATE_POSSIBLE":
            leads.append({(m["单位"], m["系统编号"]) for m in f["evidence"]["系统"]})
            continue
        if f["code"].startswith("FIND_DUPLICATE"):
            dup_findings.append(f)
            continue
        for key in by_name.get((f["unit"], f["system"]), []):
            predicted.add((key, f["code"]))
    for key, code in predicted | expected:
        kinds[code]["tp" if (key, code) in predicted and (key, code) in expected else "fp" if (key, code) in predicted else "fn"] += 1
    # duplicates
    members: dict[str, set[Any]] = defaultdict(set)
    for key, lab in labels["systems"].items():
        if lab["dup"]:
            members[lab["dup"]].add(key)
    predicted_groups = []
    for f in dup_findings:
        keys = {(m["单位"], m["系统编号"]) for m in f["evidence"]["系统"]}
        predicted_groups.append((f["code"], keys, f))
    found = touched = queued = 0
    group_rows = []
    for gid, g in labels["groups"].items():
        want = members[gid]
        same_kind = [keys for code, keys, _ in predicted_groups if code == g["kind"]]
        full = any(want <= keys for keys in same_kind)
        part = any(len(want & keys) >= 2 for keys in same_kind)
        found += full
        touched += part
        queued += full or _connected(want, same_kind + leads)
        group_rows.append((gid, g["kind"], len(want), full, part))
    leads_right = sum(len({labels["systems"][k]["dup"] for k in keys if k in labels["systems"]} - {None}) == 1 for keys in leads)
    lead_rows = [
        (
            len({labels["systems"][k]["dup"] for k in keys if k in labels["systems"]} - {None}) == 1,
            sorted(labels["systems"][k]["name"] for k in keys if k in labels["systems"]),
        )
        for keys in leads
    ]
    correct = 0
    wrong_groups = []
    for code, keys, _ in predicted_groups:
        gids = {labels["systems"][k]["dup"] for k in keys if k in labels["systems"]}
        ok = len(gids) == 1 and None not in gids and labels["groups"][next(iter(gids))]["kind"] == code
        correct += ok
        if not ok:
            wrong_groups.append((code, sorted(labels["systems"][k]["name"] for k in keys if k in labels["systems"])))
    name_keys: dict[str, set[Any]] = defaultdict(set)
    for key, lab in labels["systems"].items():
        name_keys[lab["name"]].add(key)
    linked_negatives = [
        (a, b) for a, b in labels["negatives"] if any(name_keys[a] & keys and name_keys[b] & keys for _, keys, _ in predicted_groups)
    ]
    tp = sum(c["tp"] for c in kinds.values())
    fp = sum(c["fp"] for c in kinds.values())
    fn = sum(c["fn"] for c in kinds.values())
    seeded = tp + fn + len(labels["groups"])
    return {
        "kinds": {k: dict(v) for k, v in sorted(kinds.items())},
        "groups": group_rows,
        "groups_found": found,
        "groups_touched": touched,
        "groups_found_or_queued": queued,
        "leads": len(leads),
        "leads_right": leads_right,
        "lead_rows": lead_rows,
        "dup_findings": len(predicted_groups),
        "dup_correct": correct,
        "wrong_groups": wrong_groups,
        "linked_negatives": linked_negatives,
        "recall": (tp + found) / seeded if seeded else 1.0,
        "precision": (tp + correct) / (tp + fp + len(predicted_groups)) if (tp + fp + len(predicted_groups)) else 1.0,
        "seeded": seeded,
    }


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    which = args[0] if args else "tune"
    with tempfile.TemporaryDirectory() as tmp:
        files, labels = build_round(which, Path(tmp))
        engine = open_db(f"sqlite:///{Path(tmp) / 'eval.db'}")
        importer = Importer(engine)
        results = [importer.import_file(p) for p in files]
        rejected = [
            (r.path.name, sorted({i.code for i in r.report.issues if i.severity == "error"})) for r in results if r.status != "imported"
        ]
        data = Reports(engine).issues()
    s = score(data["findings"], labels)
    s["rejected"] = rejected
    s["returns"] = len(files)
    if "--json" in sys.argv:
        print(json.dumps(s, ensure_ascii=False, indent=2, default=str))
        return
    print(f"labelled round: {which}  ({len(labels['systems'])} systems in {len(files)} returns)")
    print(f"returns rejected: {len(rejected)}" + "".join(f"\n  {n}: {', '.join(c)}" for n, c in rejected))
    print(f"\n{'kind':28} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>8}")
    for code, c in s["kinds"].items():
        tp, fp, fn = c.get("tp", 0), c.get("fp", 0), c.get("fn", 0)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        print(f"{code:28} {tp:4} {fp:4} {fn:4} {p:10.2f} {r:8.2f}")
    print(f"\nduplicate groups found {s['groups_found']}/{len(labels['groups'])} (touched {s['groups_touched']})")
    for gid, kind, n, full, part in s["groups"]:
        print(f"  {gid:4} {kind:24} members {n}  {'found' if full else 'touched' if part else 'missed'}")
    print(f"duplicate findings reported {s['dup_findings']}, correct {s['dup_correct']}")
    for code, names in s["wrong_groups"]:
        print(f"  wrong: {code} {' / '.join(names)}")
    for right, names in s["lead_rows"] if "--leads" in sys.argv else ():
        print(f"  lead {'right' if right else 'wrong'}: {' / '.join(names)}")
    print(
        f"leads for review (FIND_DUPLICATE_POSSIBLE) {s['leads']}, within one labelled group {s['leads_right']}; "
        f"groups found or queued {s['groups_found_or_queued']}/{len(labels['groups'])}"
    )
    print(
        f"hard negatives linked: {len(s['linked_negatives'])}/{len(labels['negatives'])}"
        + "".join(f"\n  {a} ~ {b}" for a, b in s["linked_negatives"])
    )
    print(f"\noverall: recall {s['recall']:.2f} precision {s['precision']:.2f} over {s['seeded']} seeded problems")


if __name__ == "__main__":
    main()
