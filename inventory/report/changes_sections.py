"""The change report between two rounds as sections."""

from __future__ import annotations

from typing import Any

from .sections import Section


def changes_sections(data: dict[str, Any]) -> list[Section]:
    t = data["totals"]
    figures = [
        ("新增", t["added"]),
        ("停用", t["retired"]),
        ("有变化", t["changed"]),
        ("未标记就不见了", t["vanished"]),
        ("无变化", t["unchanged"]),
    ]
    if t.get("units_unconfirmed"):  # sent back exactly as before: their 无变化 is not a check
        figures.append(("其中原样重报未确认", t["unchanged_unconfirmed"]))
    summary = [
        [
            u["unit"],
            len(u["added"]),
            len(u["retired"]),
            len(u["changed"]),
            len(u["vanished"]),
            u["unchanged"],
            "原样重报，未确认" if u.get("unconfirmed") else "",
        ]
        for u in data["units"]
    ]

    def listing(kind: str) -> list[list[Any]]:
        return [[u["unit"], s["system_no"], s["system_name"], s["status"]] for u in data["units"] for s in u[kind]]

    fields = [
        [u["unit"], s["system_no"], s["system_name"], s.get("mark") or "", f["title"], f["old"], f["new"]]
        for u in data["units"]
        for s in u["changed"]
        for f in s["fields"]
    ]
    cols = ["单位", "系统编号", "系统名称", "运行状态"]
    return [
        Section(
            "总体情况",
            ["项目", "系统数"],
            [list(f) for f in figures],
            figures=figures,
            text=[
                f"从“{data['from']['name']}”到“{data['to']['name']}”" + (f"，{data['for_unit']}。" if data.get("for_unit") else "。"),
                *_carried(data),
            ],
        ),
        Section(
            "各单位变化",
            ["单位", "新增", "停用", "有变化", "未标记就不见了", "无变化", "核对"],
            summary,
            widths=[30, 8, 8, 8, 14, 8, 16],
            text=["“原样重报，未确认”：单位把上一次的报表原样交回，填报日期也没改，它的“无变化”看不出本轮是否核对过。"]
            if t.get("units_unconfirmed")
            else [],
        ),
        Section(
            "未标记停用就不见了的系统",
            cols,
            listing("vanished"),
            widths=[30, 14, 36, 10],
            text=["上一轮报送、本轮既没有填报也没有标记“停用”的系统：请向单位核实是漏报、已停用还是已并入其他系统。"],
        ),
        Section("新增的系统", cols, listing("added"), widths=[30, 14, 36, 10], filters=(0,)),
        Section("本轮停用的系统", cols, listing("retired"), widths=[30, 14, 36, 10]),
        Section(
            "变化的字段",
            ["单位", "系统编号", "系统名称", "单位标注", "字段", "原值", "新值"],
            fields,
            widths=[30, 14, 36, 10, 20, 30, 30],
            filters=(0, 3, 4),
            text=["“单位标注”是单位在“本轮情况”列的选择；标为“无变化”却有改动的，入库时已提醒单位核对。"],
        ),
        Section(
            "上一轮报送、本轮未报送的单位",
            ["单位", "上一轮系统数"],
            [[u["unit"], u["systems"]] for u in data["not_resubmitted"]],
            widths=[30, 14],
        ),
        Section(
            "首次报送的单位",
            ["单位", "本轮系统数"],
            [[u["unit"], u["systems"]] for u in data.get("first_time", [])],
            widths=[30, 14],
            text=["上一轮没有报送、本轮第一次报送的单位：它们的系统不计入“新增”。"],
        ),
        Section(
            "上一轮处置决定的落实情况",
            [
                "单位",
                "系统编号",
                "系统名称",
                "处置决定",
                "作出轮次",
                "完成期限",
                "逾期",
                "责任单位",
                "落实情况",
                "本轮运行状态",
                "本轮部署位置",
            ],
            [
                [
                    d["unit"],
                    d.get("system_no"),
                    d["system_name"],
                    d["decision"],
                    d.get("round"),
                    d["due"],
                    "逾期" if d.get("overdue") else "",
                    d["responsible"],
                    d["progress"],
                    (d["now"] or {}).get("status"),
                    (d["now"] or {}).get("deploy_location"),
                ]
                for d in data.get("decisions", [])
            ],
            widths=[30, 14, 36, 10, 10, 11, 6, 20, 16, 10, 14],
            filters=(3, 6, 8),
            text=[
                "“已落实”只按本轮报送里的证据判断（关停下线、整合：已标记停用；迁移上云：已部署在政务云），"
                "单位不再填报的系统记为“未见报送（可能漏报）”，不算已落实；“待核实”需要项目办向单位了解；"
                "过了完成期限仍未落实的标“逾期”。"
            ],
        ),
    ]


def _carried(data: dict[str, Any]) -> list[str]:
    """What the totals do not show: systems of units that did not return (carried), first-time units."""
    out = []
    gone = data.get("not_resubmitted", [])
    if gone:
        n = sum(u["systems"] for u in gone)
        out.append(
            f"{len(gone)} 个单位上一轮报送、本轮未报送，它们上一轮的 {n} 个系统未计入本轮，仍按上一轮的报送留存，见“上一轮报送、本轮未报送的单位”。"
        )
    first = data.get("first_time", [])
    if first:
        out.append(f"{len(first)} 个单位首次报送（{sum(u['systems'] for u in first)} 个系统），不计入“新增”。")
    overdue = sum(1 for d in data.get("decisions", []) if d.get("overdue"))
    if overdue:
        out.append(f"上一轮的处置决定有 {overdue} 项已过完成期限仍未落实（逾期）。")
    return out
