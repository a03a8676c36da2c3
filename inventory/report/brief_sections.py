"""The leaders' brief as sections: headline figures, then short tables (top kinds, units, duplicates)."""

from __future__ import annotations

from typing import Any

from .sections import SEVERITY_NAMES, STATUS_NAMES, Section, pct, rate


def money(v: float) -> str:
    return f"{v:,.1f}"


def brief_sections(data: dict[str, Any]) -> list[Section]:
    t = data["coverage"]["totals"]
    dup = data["duplicate_totals"]
    figures = [
        ("应报单位", t["units_expected"]),
        ("已入库", f"{t['units_accepted']}（{rate(t)}）"),
        ("系统数", data["systems_counted"]),
        ("政务云部署率", pct(data["cloud_share"])),
        ("评估发现", data["findings"]),
        ("疑似重复组", dup["groups"]),
        ("重复组涉及金额（建设+年度运维，万元）", money(dup["build_amount"] + dup["om_amount"])),
    ]
    if data.get("days_to_deadline") is not None:
        days = data["days_to_deadline"]
        figures.append(("距截止日" if days >= 0 else "已超过截止日", f"{abs(days)} 天"))
    recs = "，".join(f"{k} {n} 个" for k, n in data["recommendations"].items())
    top = data["findings_by_kind"][0] if data["findings_by_kind"] else None
    under = data["coverage"].get("under") or {}
    text = [
        f"统计范围：{under['unit']}及其下级（按层级："
        + "，".join(
            f"{lv} 应报 {v['units_expected']}、已入库 {v['units_accepted']}" for lv, v in data["coverage"].get("by_level", {}).items()
        )
        + "）。"
        if under and not under.get("root")
        else "",
        f"本轮应报 {t['units_expected']} 个单位，已入库 {t['units_accepted']} 个、未通过校验 {t.get('units_rejected', 0)} 个、未报送 {t.get('units_not_submitted', 0)} 个；"
        f"汇总系统 {data['systems_counted']} 个（不含重复报送），部署在政务云的占 {pct(data['cloud_share'])}。",
        f"处置建议：{recs}。" if recs else "",
        f"评估发现 {data['findings']} 条，最多的是“{top['title']}”（{top['count']} 条，涉及 {top['units']} 个单位）。" if top else "",
    ]
    kinds = [[k["title"], SEVERITY_NAMES[k["severity"]], k["count"], k["units"]] for k in data["findings_by_kind"][:10]]
    groups = [
        [
            g["title"],
            "、".join(g["units"]),
            "、".join(g["systems"][:4]) + ("…" if len(g["systems"]) > 4 else ""),
            g["build_amount"],
            g["om_amount"],
        ]
        for g in data["duplicate_groups"]
    ]
    fix = [
        [u["unit"], STATUS_NAMES[u["status"]], u["systems"], u["systems_to_act"], u["findings"], u["errors"]] for u in data["units_to_fix"]
    ]
    return [
        Section("本轮概况", ["项目", "数值"], [list(f) for f in figures], widths=[22, 18], figures=figures, text=[x for x in text if x]),
        *_against_previous(data),
        Section("主要评估发现", ["发现", "级别", "条数", "涉及单位"], kinds, widths=[36, 6, 8, 10]),
        Section(
            "疑似重复建设（按金额）",
            ["类型", "涉及单位", "系统", "建设金额（万元）", "年度运维（万元）"],
            groups,
            formats={3: "#,##0.0", 4: "#,##0.0"},
            widths=[20, 36, 50, 14, 14],
            text=[
                f"共 {dup['groups']} 组，建设金额合计 {money(dup['build_amount'])} 万元，年度运维合计 {money(dup['om_amount'])} 万元；下表列金额最大的 {len(groups)} 组。同一系统重复填报的只计一次，出现在几个组里的，合计中也只计一次；疑似按“元”填写的金额不计入合计。"
                + ("金额只计本级范围内的系统；别处的同类系统只列名称，供参考。" if under and not under.get("root") else "")
            ]
            if dup["groups"]
            else ["未发现疑似重复建设。"],
        ),
        Section(
            "待处置最多的单位", ["单位", "报送状态", "系统数", "需处置系统", "评估发现", "待改错误"], fix, widths=[30, 8, 8, 10, 10, 10]
        ),
    ]


def _against_previous(data: dict[str, Any]) -> list[Section]:
    """本轮与上一轮: the headline figures side by side, and the kinds of finding that grew or shrank most."""
    before = data.get("previous")
    if not before or not before["totals"]["units_accepted"]:  # nothing of this part was in it: no change to speak of
        return []
    t, bt = data["coverage"]["totals"], before["totals"]
    dup, bdup = data["duplicate_totals"], before["duplicate_totals"]
    share, bshare = data["cloud_share"] or 0.0, before["cloud_share"] or 0.0
    amount, bamount = dup["build_amount"] + dup["om_amount"], bdup["build_amount"] + bdup["om_amount"]
    rows = [
        ["已入库单位", bt["units_accepted"], t["units_accepted"], _change(bt["units_accepted"], t["units_accepted"])],
        ["系统数", before["systems_counted"], data["systems_counted"], _change(before["systems_counted"], data["systems_counted"])],
        ["政务云部署率", pct(bshare), pct(share), f"{(share - bshare) * 100:+.1f} 个百分点" if share != bshare else "持平"],
        ["评估发现", before["findings"], data["findings"], _change(before["findings"], data["findings"])],
        ["疑似重复组", bdup["groups"], dup["groups"], _change(bdup["groups"], dup["groups"])],
        [
            "重复组涉及金额（建设+年度运维，万元）",
            money(bamount),
            money(amount),
            f"{amount - bamount:+,.1f}" if amount != bamount else "持平",
        ],
    ]
    for k in ("整合", "迁移上云", "关停下线"):
        a, b = before["recommendations"].get(k, 0), data["recommendations"].get(k, 0)
        rows.append([f"建议{k}", a, b, _change(a, b)])
    then = {k["code"]: k for k in before["findings_by_kind"]}
    now = {k["code"]: k for k in data["findings_by_kind"]}
    moved = sorted(
        ((now.get(c) or then[c])["title"], then.get(c, {}).get("count", 0), now.get(c, {}).get("count", 0)) for c in {*then, *now}
    )
    moved = sorted((m for m in moved if m[1] != m[2]), key=lambda m: -abs(m[2] - m[1]))[:8]
    return [
        Section(
            "与上一轮相比",
            ["项目", f"上一轮（{before['round']}）", "本轮", "变化"],
            rows + [[title, a, b, _change(a, b)] for title, a, b in moved],
            widths=[30, 22, 14, 12],
            text=[f"上一轮为“{before['round']}”，统计范围相同；下表后半部分是条数变化最大的评估发现。"],
        )
    ]


def _change(a: int, b: int) -> str:
    return f"{b - a:+d}" if b != a else "持平"
