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
    summary = [
        [u["unit"], len(u["added"]), len(u["retired"]), len(u["changed"]), len(u["vanished"]), u["unchanged"]] for u in data["units"]
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
            text=[f"从“{data['from']['name']}”到“{data['to']['name']}”。"],
        ),
        Section("各单位变化", ["单位", "新增", "停用", "有变化", "未标记就不见了", "无变化"], summary, widths=[30, 8, 8, 8, 14, 8]),
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
            "上一轮处置决定的落实情况",
            ["单位", "系统名称", "处置决定", "完成期限", "责任单位", "落实情况", "本轮运行状态", "本轮部署位置"],
            [
                [
                    d["unit"],
                    d["system_name"],
                    d["decision"],
                    d["due"],
                    d["responsible"],
                    d["progress"],
                    (d["now"] or {}).get("status"),
                    (d["now"] or {}).get("deploy_location"),
                ]
                for d in data.get("decisions", [])
            ],
            widths=[30, 36, 10, 11, 20, 10, 10, 14],
            filters=(2, 5),
            text=["“已落实”按本轮报送判断（关停下线：已停用或不再报送；迁移上云：已部署在政务云）；“待核实”需要项目办向单位了解。"],
        ),
    ]
