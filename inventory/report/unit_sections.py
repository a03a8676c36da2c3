"""A unit's own report as sections: summary, systems, findings by kind, shared duplicates, returns."""

from __future__ import annotations

from typing import Any

from ..beijing import shown, shown_text
from .sections import SEVERITY_NAMES, STATUS_NAMES, Section, pct

SUBMISSION_STATES = STATUS_NAMES


def unit_sections(data: dict[str, Any]) -> list[Section]:
    fig = data["figures"]
    figures = [
        ("报送状态", STATUS_NAMES[data["status"]]),
        ("系统数", fig["systems"]),
        ("平均综合评分", "" if fig["average_score"] is None else fig["average_score"]),
        ("评估发现", fig["findings"]),
        ("需处置的系统", sum(n for k, n in fig["recommendations"].items() if k != "保留")),
        ("疑似重复", fig["shared_duplicates"]),
    ]
    systems = [
        [
            s["system_no"],
            s["system_name"],
            s["owner_unit"],
            s["status"],
            s["deploy_location"],
            s["mlps_level"],
            s["score"],
            s["recommendation"],
            s["why"],
            "、".join(s["findings"]),
        ]
        for s in data["systems"]
    ]
    findings = [
        [k["title"], SEVERITY_NAMES[k["severity"]], k["action"], k["basis"], i["system"], i["message"]]
        for k in data["findings"]
        for i in k["items"]
    ]
    shared = [
        [
            d["title"],
            "、".join(d["systems"]),
            "、".join(d["other_units"]),
            "、".join(f"{o['unit']}：{o['system_name']}" for o in d["others"][:12])
            + (f" 等 {d['others_total']} 个" if d["others_total"] > 12 else ""),
        ]
        for d in data["shared_duplicates"]
    ]
    history = [
        [
            shown(h["received_at"]),
            h["file_name"],
            SUBMISSION_STATES.get(h["status"], h["status"]),
            h["systems"],
            h["errors"],
            h["warnings"],
        ]
        for h in data["submissions"]
    ]
    issues = [
        [SEVERITY_NAMES[i["severity"]], i["sheet"], f"{i['column'] or ''}{i['row'] or ''}", i["message"], i["hint"], i["code"]]
        for i in data["issues"]
    ]
    out = [
        Section("概况", ["项目", "数值"], [list(f) for f in figures], widths=[16, 14], figures=figures, text=[data["summary"]]),
        Section(
            "系统评估结果",
            ["系统编号", "系统名称", "所属单位", "运行状态", "部署位置", "等保定级", "综合评分", "处置建议", "建议依据", "评估发现"],
            systems,
            widths=[12, 30, 24, 8, 14, 10, 8, 10, 24, 40],
            filters=(7, 3),
            text=["综合评分按合规性、集约性、共享性、应用成效、经济性、安全性六个维度计算，满分 100 分；处置建议及其依据见各行。"],
        ),
        Section(
            "评估发现（按类型）",
            ["发现", "级别", "怎么办", "政策依据", "系统", "说明"],
            findings,
            widths=[28, 6, 40, 40, 30, 50],
            group=(0, 1, 2, 3),
            text=[] if findings else ["本单位没有评估发现。"],
        ),
    ]
    if shared:
        out.append(
            Section(
                "与其他单位疑似重复的系统",
                ["发现", "本单位系统", "涉及单位", "对方系统"],
                shared,
                widths=[24, 40, 30, 60],
                text=["以下系统与其他单位的系统业务相近，请与对方单位核实：确属重复的，研究整合或共用；不属重复的，请在回复中说明区别。"],
            )
        )
    evidence = [
        [e["system_no"] or "", e["system_name"] or "", f"{e['value']}", e["title"], e["state_name"]] for e in data.get("evidence", [])
    ]
    if evidence:
        evidenced = sum(e["state"] in ("attached", "checked") for e in data["evidence"])
        out.append(
            Section(
                "证明材料",
                ["系统编号", "系统名称", "所报情况", "对应的证明材料", "情况"],
                evidence,
                widths=[12, 30, 18, 22, 18],
                text=[
                    f"所报情况需要佐证的 {len(evidence)} 项中，{evidenced} 项已附证明材料。未附的请在填报平台按系统上传；没有材料的如实说明即可。"
                ],
            )
        )
    queries = [
        [
            q["system_no"] or "",
            q["system_name"] or "",
            q.get("topic_name") or q["topic"],
            q["asked"],
            q["state_name"],
            shown_text(q["opened_at"]),
        ]
        for q in data.get("open_queries", [])
    ]
    if queries:
        out.append(
            Section(
                "待核实事项",
                ["系统编号", "系统名称", "事项", "项目办的要求", "状态", "提出时间"],
                queries,
                widths=[12, 30, 20, 50, 12, 17],
                text=["以下事项尚未关闭，请在填报平台“核实事项”中逐条答复。"],
            )
        )
    out += _decisions_and_changes(data)
    out.append(Section("报送记录", ["报送时间", "文件", "状态", "系统数", "错误", "提醒"], history, widths=[17, 36, 14, 8, 6, 6]))
    if issues:
        out.append(
            Section(
                "最近一次报送的校验问题",
                ["级别", "工作表", "位置", "问题", "怎么改", "编码"],
                issues,
                widths=[6, 12, 8, 60, 40, 24],
                text=[f"必填完整率 {pct(fig['completeness'])}。错误须修改后重新报送；提醒请核对，确认无误的可不修改。"],
            )
        )
    return out


def _decisions_and_changes(data: dict[str, Any]) -> list[Section]:
    """The office's decisions on the unit's systems (carried from earlier rounds) and what changed since
    the previous round, with how each earlier decision was carried out."""
    out = []
    decisions = data.get("decisions") or []
    if decisions:
        out.append(
            Section(
                "项目办的处置决定",
                ["系统名称", "处置决定", "完成期限", "逾期", "责任单位", "说明", "作出轮次"],
                [
                    [d["system_name"], d["decision"], d["due"], "逾期" if d["overdue"] else "", d["responsible"], d["note"], d["round"]]
                    for d in decisions
                ],
                widths=[36, 10, 11, 6, 20, 30, 10],
                text=[
                    "项目办对本单位系统作出的处置决定，未改变的延续到本轮；请按期限落实，并在本轮报表中如实反映（停用的标“停用”，迁移的改部署位置）。"
                ],
            )
        )
    c = data.get("changes")
    if not c:
        return out
    e = c.get("entry")
    rows = []
    if e:
        rows += [["新增", s["system_no"], s["system_name"], ""] for s in e["added"]]
        rows += [["停用", s["system_no"], s["system_name"], ""] for s in e["retired"]]
        rows += [["未标记停用就不见了", s["system_no"], s["system_name"], "请说明是漏报、已停用还是已并入其他系统"] for s in e["vanished"]]
        rows += [
            ["有变化", s["system_no"], s["system_name"], "；".join(f"{f['title']}：{f['old']} → {f['new']}" for f in s["fields"])]
            for s in e["changed"]
        ]
    rows += [
        ["处置决定" + ("（逾期）" if d["overdue"] else ""), d.get("system_no"), d["system_name"], f"{d['decision']}：{d['progress']}"]
        for d in c.get("decisions", [])
    ]
    if c.get("first_time"):
        said = "本单位本轮首次报送，没有可比较的上一轮报送。"
    elif c.get("not_resubmitted") is not None:
        said = f"本单位上一轮报送了 {c['not_resubmitted']} 个系统，本轮尚未报送。"
    elif e:
        said = (
            f"与“{c['from']}”相比：新增 {len(e['added'])} 个，停用 {len(e['retired'])} 个，有变化 {len(e['changed'])} 个，未标记停用就不见了 {len(e['vanished'])} 个，无变化 {e['unchanged']} 个。"
            + ("本轮的报表与上一次完全相同，填报日期也没改，看不出本轮是否逐个核对过。" if e.get("unconfirmed") else "")
        )
    else:
        said = ""
    out.append(
        Section(
            "与上一轮相比的变化", ["类别", "系统编号", "系统名称", "说明"], rows, widths=[18, 14, 36, 60], text=[x for x in (said,) if x]
        )
    )
    return out
