"""Reports of the 预审: one per project (for the 立项 file) and one for a review meeting, each as a
printable HTML page and an xlsx workbook, through the report package's sections and writers (every
value escaped, formulas kept as text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import beijing
from ..report.html import to_html
from ..report.sections import Section
from ..report.xlsx import write_xlsx

FIELDS = (
    ("project_name", "项目名称"),
    ("owner_unit", "建设单位"),
    ("nature", "建设性质"),
    ("base_system", "改扩建的现有系统"),
    ("functions", "建设内容及业务功能"),
    ("users", "使用对象"),
    ("scope", "使用范围"),
    ("budget", "项目预算（万元）"),
    ("deploy", "拟部署位置"),
    ("data_needs", "需要共享的数据"),
    ("reuse_plan", "拟复用的平台或系统"),
)
MATCH_COLUMNS = ["关系", "系统", "单位", "使用范围", "理由", "相同业务词", "建设内容语义相似度", "相近的描述"]


def _now() -> str:
    return f"{beijing.shown(beijing.now())}（北京时间）"


def _value(v: Any) -> Any:
    return "、".join(map(str, v)) if isinstance(v, list) else v


def _match_rows(matches: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for m in matches:
        ev = m.get("依据", {})
        said = "；".join(f"本项目“{a}” ↔ 该系统“{b}”" for a, b in ev.get("相近的描述", []))
        rows.append(
            [
                m["关系"],
                m["系统"],
                m["单位"],
                m.get("使用范围"),
                "；".join(m["理由"]),
                ev.get("相同业务词", []),
                ev.get("建设内容语义相似度"),
                said,
            ]
        )
    return rows


def project_sections(result: dict[str, Any], review: dict[str, Any] | None = None) -> list[Section]:
    p = result["project"]
    out = [
        Section("比对结论", [], [], text=[f"建议：{result['outcome']}", *(f"理由：{r}" for r in result["reasons"])]),
        Section("项目情况", ["项目", "内容"], [[label, _value(p.get(k))] for k, label in FIELDS if p.get(k) not in (None, "", [])]),
    ]
    if result.get("base_systems"):
        out.append(
            Section(
                "改扩建的现有系统",
                ["系统", "单位", "运行状态"],
                [[b["系统"], b["单位"], b.get("运行状态")] for b in result["base_systems"]],
            )
        )
    shown = [m for m in result["existing"] if m["关系"] != "相近"]
    near = [m for m in result["existing"] if m["关系"] == "相近"]
    out.append(
        Section(
            "与现有系统的比对",
            MATCH_COLUMNS,
            _match_rows(shown),
            text=[] if shown else ["没有发现与本项目重复或部分重叠的现有系统。"],
        )
    )
    if near:
        out.append(Section("业务相近、不构成重叠的系统（供参考）", MATCH_COLUMNS, _match_rows(near)))
    if result.get("planned"):
        out.append(Section("与本轮其他拟建项目的比对", MATCH_COLUMNS, _match_rows(result["planned"])))
    out.append(
        Section(
            "可复用的平台",
            ["平台", "单位", "可替代的建设内容"],
            [[u["系统"], u["单位"], u["可替代的建设内容"]] for u in result["platforms"]],
            text=[] if result["platforms"] else ["没有发现能直接替代本项目建设内容的共性平台。"],
        )
    )
    if result.get("data"):
        out.append(
            Section(
                "所需数据的来源",
                ["所需数据", "已有该数据的系统"],
                [
                    [d["所需数据"], [f"{s['系统']}（{s['单位']}）" for s in d["可提供的系统"]] or "未找到，需另行协调"]
                    for d in result["data"]
                ],
            )
        )
    if review:
        out.append(
            Section(
                "预审意见",
                ["意见", "核减金额（万元）", "说明", "审核人", "时间"],
                [
                    [
                        review["decision"],
                        review.get("reduction"),
                        review.get("note"),
                        review.get("reviewer"),
                        beijing.shown(review.get("decided_at")),
                    ]
                ],
            )
        )
    return out


def batch_sections(results: list[dict[str, Any]], reviews: list[dict[str, Any] | None] | None = None) -> list[Section]:
    reviews = reviews or [None] * len(results)
    counts = {k: 0 for k in ("可以立项", "核减", "不予立项")}
    for r in results:
        for k in counts:
            if k in r["outcome"]:
                counts[k] += 1
    budget = sum(float(r["project"].get("budget") or 0) for r in results)
    flagged = sum(float(r["project"].get("budget") or 0) for r in results if "可以立项" not in r["outcome"])
    summary = Section(
        "概况",
        [],
        [],
        figures=[
            ("拟建项目", len(results)),
            ("建议可以立项", counts["可以立项"]),
            ("建议整合或复用（核减）", counts["核减"]),
            ("建议不予立项", counts["不予立项"]),
            ("申请预算（万元）", f"{budget:g}"),
            ("涉及重复或重叠的预算（万元）", f"{flagged:g}"),
        ],
    )
    rows = []
    for n, (r, rev) in enumerate(zip(results, reviews, strict=True), start=1):
        p = r["project"]
        top = [m for m in r["existing"] if m["关系"] in ("重复", "部分重叠")][:3]
        rows.append(
            [
                n,
                p.get("project_name"),
                p.get("owner_unit"),
                p.get("budget"),
                r["outcome"],
                "；".join(r["reasons"]),
                [f"{m['系统']}（{m['关系']}）" for m in top],
                [u["系统"] for u in r["platforms"]],
                [m["系统"] for m in r.get("planned", []) if m["关系"] == "重复"],
                rev["decision"] if rev else "",
                rev.get("note") if rev else "",
            ]
        )
    table = Section(
        "逐项比对结果",
        [
            "序号",
            "项目名称",
            "建设单位",
            "预算（万元）",
            "建议",
            "理由",
            "重复或重叠的现有系统",
            "可复用的平台",
            "本轮重复的拟建项目",
            "预审意见",
            "说明",
        ],
        rows,
        text=[] if rows else ["本轮还没有比对过的拟建项目：先用 inventory planned check 比对项目表，或在门户“拟建项目预审”页填写。"],
        filters=(4, 9),
    )
    return [summary, table]


def write_project_report(result: dict[str, Any], path: Path, review: dict[str, Any] | None = None) -> Path:
    """The project's report as .html (printable) or .xlsx, by the file's suffix."""
    title = f"拟建项目预审比对报告：{result['project'].get('project_name')}"
    meta = [
        f"建设单位：{result['project'].get('owner_unit') or '未填'}",
        f"生成时间：{_now()}",
        "本报告由系统比对生成，结论为建议，以预审意见为准。",
    ]
    return _write(path, title, meta, project_sections(result, review))


def write_batch_report(
    results: list[dict[str, Any]], path: Path, reviews: list[dict[str, Any] | None] | None = None, title: str = ""
) -> Path:
    """The review meeting's report over a round's projects, as .html or .xlsx."""
    title = title or "拟建项目预审会议材料"
    meta = [
        f"共 {len(results)} 个拟建项目",
        f"生成时间：{_now()}",
        "每个项目与全省系统清单及本轮其他拟建项目比对；结论为建议，以预审意见为准。",
    ]
    return _write(path, title, meta, batch_sections(results, reviews))


def project_html(result: dict[str, Any], review: dict[str, Any] | None = None) -> str:
    title = f"拟建项目预审比对报告：{result['project'].get('project_name')}"
    return to_html(
        title, [f"建设单位：{result['project'].get('owner_unit') or '未填'}", f"生成时间：{_now()}"], project_sections(result, review), []
    )


def _write(path: Path, title: str, meta: list[str], sections: list[Section]) -> Path:
    from ..output import write_text

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(path, title, meta, sections)
    return write_text(path, to_html(title, meta, sections, []))


def write_follow_up(rows: list[dict[str, Any]], path: Path) -> Path:
    """Earlier rounds' reviewed projects as found in this round's inventory."""
    section = Section(
        "以往预审项目的跟踪",
        ["项目", "建设单位", "预审意见", "建设情况", "对应系统", "建设金额（万元）", "按预审意见建设", "新出现的重复", "说明"],
        [
            [
                r["project_name"],
                r["owner_unit"],
                r["decision"],
                r["built"],
                r.get("system"),
                r.get("amount"),
                {True: "是", False: "否", None: ""}[r.get("as_planned")],
                r.get("new_duplicates", []),
                r.get("note"),
            ]
            for r in rows
        ],
        text=[] if rows else ["以往各轮没有预审过的项目。"],
    )
    return _write(path, "拟建项目预审跟踪", [f"共 {len(rows)} 个项目", f"生成时间：{_now()}"], [section])
