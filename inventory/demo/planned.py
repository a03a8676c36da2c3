"""The demo's third part: 德阳市 puts three planned projects up for 预审 before approving them.

They are typed into the planned-project template as an office would, then checked against the
demo's inventory: one rebuilds what a department already runs under another name, one asks for
items a city platform already provides besides its own new business, and one is new. The results
are stored with the round, and the meeting report is written beside the other reports.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine

from ..output import save_workbook
from ..planned.fields import planned_sheet
from ..planned.reports import write_batch_report
from ..planned.service import check_file, checker_for
from ..planned.template import write_template

CITY = "德阳市"
NEW_BUSINESS = (
    "建设养老机构备案和等级评定功能",
    "建设高龄津贴申领、审核和发放功能",
    "建设居家养老上门服务派单、签到和评价功能",
)
NEW_PROJECT = {
    "project_name": f"{CITY}文物安全监测预警系统建设项目",
    "owner_unit": f"{CITY}文化广播电视和旅游局",
    "nature": "新建",
    "functions": "在重点文物建筑布设火灾、倾斜和温湿度传感器，实时采集监测数据；"
    "监测数据超过阈值时自动告警并通知文物管理员；建设文物安全巡查记录和隐患整改台账。",
    "budget": 260,
}


def demo_projects(engine: Engine) -> list[dict[str, object]]:
    """Three projects made from what the inventory holds for the city: a system in use restated as a
    new project, a new project that also asks for what one of the city's platforms does, a new one."""
    every = checker_for(engine).returns  # type: ignore[attr-defined]  # the inventory the check reads next, read once
    systems = [s for s in every if str(s.values.get("owner_unit", "")).startswith(CITY)]
    in_use = next(s for s in systems if s.values.get("category") == "业务应用系统" and s.values.get("status") == "在用")
    business, _, clauses = str(in_use.values["functions"]).rstrip("。").partition("：")
    again = {
        "project_name": f"{CITY}{business}综合服务平台建设项目",
        "owner_unit": in_use.values["owner_unit"],
        "nature": "新建",
        "functions": "；".join(f"建设{c}功能" for c in clauses.split("；")) + "。",
        "budget": 480,
    }
    platform = next((s for s in systems if s.values.get("category") == "共性支撑平台"), None)
    provided = []
    if platform is not None:
        said = str(platform.values["functions"]).rstrip("。").partition("：")[2].split("；")
        provided = [f"建设{said[0]}和{said[1]}功能"]
    elderly = {
        "project_name": f"{CITY}智慧养老服务平台建设项目",
        "owner_unit": f"{CITY}民政局",
        "nature": "新建",
        "functions": "；".join([*NEW_BUSINESS, *provided]) + "。",
        "budget": 350,
    }
    return [again, elderly, NEW_PROJECT]


def run_planned(engine: Engine, out: Path) -> dict[str, Path]:
    """The projects typed into the template, checked and stored; the meeting report's path."""
    keys = [f.key for f in planned_sheet().fields]
    path = write_template(out / "planned" / f"{CITY}拟建项目.xlsx")
    wb = load_workbook(path)
    ws = wb[planned_sheet().name]
    first = planned_sheet().first_data_row
    for r, project in enumerate(demo_projects(engine)):
        for key, value in project.items():
            ws.cell(row=first + r, column=keys.index(key) + 1, value=value)
    save_workbook(wb, path)
    results, _ = check_file(engine, path)
    report = write_batch_report(results, out / "reports" / "planned.html")
    return {"拟建项目预审会议材料（html）": report, "拟建项目表（xlsx）": path}
