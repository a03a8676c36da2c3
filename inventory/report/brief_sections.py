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
    """本轮与上一轮: the headline figures side by side, and the kinds of finding that grew or shrank most.
    While units of the round before have not come in again, the totals differ mostly for that: the
    text says so, and a last column compares the units that are in both rounds only."""
    before = data.get("previous")
    if not before or not before["totals"]["units_accepted"]:  # nothing of this part was in it: no change to speak of
        return []
    t, bt = data["coverage"]["totals"], before["totals"]
    both = before.get("both")
    alike = both if both and both["units"] else None
    rows = [["已入库单位", bt["units_accepted"], t["units_accepted"], _change(bt["units_accepted"], t["units_accepted"])]]
    rows += [list(r) for r in _figures(before, data)]
    if alike:
        rows[0].append("—")
        for row, (_, a, b, change) in zip(rows[1:], _figures(alike["before"], alike["now"]), strict=True):
            row.append(f"{a} → {b}（{change}）")
    then, now = _kinds(alike["before"] if alike else before), _kinds(alike["now"] if alike else data)
    raw_then, raw_now = _kinds(before), _kinds(data)
    codes = sorted((c for c in {*then, *now} if _count(then, c) != _count(now, c)), key=lambda c: (now.get(c) or then[c])["title"])
    for c in sorted(codes, key=lambda c: -abs(_count(now, c) - _count(then, c)))[:8]:  # like with like, where the units differ
        a, b = _count(raw_then, c), _count(raw_now, c)
        row = [(now.get(c) or then[c])["title"], a, b, _change(a, b)]
        if alike:
            x, y = _count(then, c), _count(now, c)
            row.append(f"{x} → {y}（{_change(x, y)}）")
        rows.append(row)
    columns = ["项目", f"上一轮（{before['round']}）", "本轮", "变化"]
    text = f"上一轮为“{before['round']}”，统计范围相同；下表后半部分是条数变化最大的评估发现。"
    if both:
        text = (
            f"上一轮为“{before['round']}”。上一轮已入库的 {bt['units_accepted']} 个单位中有 {before['not_returned']} 个本轮尚未入库"
            "（未报送或未通过校验），两轮总数的差别主要由此而来，并不是系统、问题或金额真的减少了。"
        )
        text += (
            f"最后一栏只比较两轮都已入库的 {alike['units']} 个单位，口径相同；表的后半部分是这些单位中条数变化最大的评估发现。"
            if alike
            else "两轮没有共同入库的单位，暂时无法按相同口径比较。"
        )
    if alike:  # the round's name is in the text above: the table keeps its width for the figures
        columns = ["项目", "上一轮", "本轮", "变化", f"两轮都已入库的 {alike['units']} 个单位"]
    return [Section("与上一轮相比", columns, rows, widths=[30, 22, 14, 12, 26][: len(columns)], text=[text])]


def _figures(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any, str]]:
    """(label, earlier, later, change) for the figures two rounds are compared by."""
    sa, sb = a["cloud_share"] or 0.0, b["cloud_share"] or 0.0
    ma, mb = (d["duplicate_totals"]["build_amount"] + d["duplicate_totals"]["om_amount"] for d in (a, b))
    ga, gb = a["duplicate_totals"]["groups"], b["duplicate_totals"]["groups"]
    rows = [
        ("系统数", a["systems_counted"], b["systems_counted"], _change(a["systems_counted"], b["systems_counted"])),
        ("政务云部署率", pct(sa), pct(sb), f"{(sb - sa) * 100:+.1f} 个百分点" if sa != sb else "持平"),
        ("评估发现", a["findings"], b["findings"], _change(a["findings"], b["findings"])),
        ("疑似重复组", ga, gb, _change(ga, gb)),
        ("重复组涉及金额（建设+年度运维，万元）", money(ma), money(mb), f"{mb - ma:+,.1f}" if mb != ma else "持平"),
    ]
    for k in ("整合", "迁移上云", "关停下线"):
        x, y = a["recommendations"].get(k, 0), b["recommendations"].get(k, 0)
        rows.append((f"建议{k}", x, y, _change(x, y)))
    return rows


def _kinds(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["code"]: k for k in d["findings_by_kind"]}


def _count(kinds: dict[str, dict[str, Any]], code: str) -> int:
    return kinds.get(code, {}).get("count", 0)


def _change(a: int, b: int) -> str:
    return f"{b - a:+d}" if b != a else "持平"
