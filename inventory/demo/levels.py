"""The demo's second part: a 市(州) runs its part of the survey in levels.

遂宁市's office imports its own list (six 市直部门 and two 区(县), each 区(县) with three
departments). Returns come in over October (one after the deadline); 射洪市 sends one return back
with a reason, the unit corrects it, and one department is exempted with a reason. Each 区(县)
approves its departments and submits its part up; 遂宁市 approves and submits up in turn; the
province approves 遂宁市. Then the city's coverage and brief, and the province's coverage by level.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, update

from ..form.load import Form
from ..store.importer import Importer, ImportResult
from ..store.models import Round
from ..store.unit_import import import_units
from ..store.units import tree
from ..workflow.approvals import Steps
from ..workflow.rounds import pick
from .synth import clean_return, write_return

CITY = "遂宁市"
LISTING = [  # 单位全称, 上级单位, 类别
    ("遂宁市数据局", "遂宁市", "市直部门"),
    ("遂宁市教育局", "遂宁市", "市直部门"),
    ("遂宁市公安局", "遂宁市", "市直部门"),
    ("遂宁市卫生健康委员会", "遂宁市", "市直部门"),
    ("遂宁市住房和城乡建设局", "遂宁市", "市直部门"),
    ("遂宁市交通运输局", "遂宁市", "市直部门"),
    ("遂宁市船山区人民政府", "遂宁市", "区（县）"),
    ("遂宁市船山区教育和体育局", "遂宁市船山区人民政府", "区县部门"),
    ("遂宁市船山区卫生健康局", "遂宁市船山区人民政府", "区县部门"),
    ("遂宁市船山区住房和城乡建设局", "遂宁市船山区人民政府", "区县部门"),
    ("射洪市人民政府", "遂宁市", "区（县）"),
    ("射洪市教育和体育局", "射洪市人民政府", "区县部门"),
    ("射洪市卫生健康局", "射洪市人民政府", "区县部门"),
    ("射洪市公安局", "射洪市人民政府", "区县部门"),
]
EXEMPT = ("射洪市公安局", "本级没有独立的信息系统，业务系统均为省公安厅统建（省垂），由上级填报")
SENT_BACK = ("射洪市卫生健康局", "只报了3个系统，与去年统计的基层医疗和公共卫生系统数对不上，请核实是否漏报后重报")
LATE = "遂宁市交通运输局"  # arrives after the deadline
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _arrival(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(17), tzinfo=BEIJING)


def run_levels(engine: Engine, form: Form, out: Path, validator: Any) -> tuple[list[ImportResult], dict[str, Path]]:
    listing = out / "levels" / f"{CITY}名单.csv"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("单位全称,上级单位,类别\n" + "".join(f"{n},{p},{k}\n" for n, p, k in LISTING), encoding="utf-8-sig")
    import_units(engine, listing, tree(engine).resolve(CITY), replace=True, retire_offices=True)  # the demo city is this list only
    roster = tree(engine)
    round_ = pick(engine)
    deadline = dt.date.fromisoformat(round_["deadline"]) if round_ and round_["deadline"] else dt.date(2025, 10, 31)
    if round_:  # the demo replays the 2025 round: it opened two months before its deadline, not today
        with engine.begin() as conn:
            conn.execute(update(Round).where(Round.id == round_["id"]).values(opened_at=_arrival(deadline - dt.timedelta(days=60))))
        round_ = pick(engine)
    rng = random.Random(26)
    importer = Importer(engine, validator, operator="演示")
    imports: list[ImportResult] = []
    reporters = [n for n, _, kind in LISTING if kind != "区（县）" and n != EXEMPT[0]]
    for i, name in enumerate(reporters):
        unit = roster.resolve(name)
        values, rows = clean_return(form, unit, rng.randrange(3, 7), seed=300 + i)
        path = write_return(out / "levels" / "returns" / f"{unit.short_name}.xlsx", form, unit, values, rows)
        day = deadline + dt.timedelta(days=3) if name == LATE else deadline - dt.timedelta(days=rng.randrange(1, 20))
        importer.received_at = _arrival(day)
        imports.append(importer.import_file(path))
    office = {
        n: Steps(engine, roster, round_, roster.resolve(n), f"{roster.resolve(n).short_name}项目办")
        for n in (CITY, "遂宁市船山区人民政府", "射洪市人民政府")
    }
    sheyang = office["射洪市人民政府"]
    sheyang.send_back(roster.resolve(SENT_BACK[0]), SENT_BACK[1])
    unit = roster.resolve(SENT_BACK[0])  # corrected and sent again
    values, rows = clean_return(form, unit, 6, seed=399)
    path = write_return(out / "levels" / "returns" / f"{unit.short_name}-重报.xlsx", form, unit, values, rows)
    importer.received_at = _arrival(deadline - dt.timedelta(days=1))
    imports.append(importer.import_file(path))
    sheyang.exempt(roster.resolve(EXEMPT[0]), EXEMPT[1])
    for county in ("遂宁市船山区人民政府", "射洪市人民政府"):
        for name, parent, _ in LISTING:
            if parent == county and name != EXEMPT[0]:
                office[county].approve(roster.resolve(name))
        office[county].submit()
    city = office[CITY]
    for name, parent, _ in LISTING:
        if parent == CITY:
            city.approve(roster.resolve(name))
    city.submit()
    Steps(engine, roster, round_, roster.root, "省项目办").approve(roster.resolve(CITY))
    return imports, _reports(engine, form, out)


def _reports(engine: Engine, form: Form, out: Path) -> dict[str, Path]:
    from ..report import Reports
    from ..report.formats import write_report

    folder = out / "reports" / "levels"
    city = Reports(engine, form=form, under=CITY)
    province = Reports(engine, form=form)
    return {
        f"{CITY}的覆盖情况（逐级，html）": Path(write_report("coverage", city.coverage(), "html", folder / f"{CITY}-coverage.html", form)),
        f"{CITY}的领导简报（html）": Path(write_report("brief", city.brief(), "html", folder / f"{CITY}-brief.html", form)),
        "全省覆盖情况（按层级、市州、区县，html）": Path(
            write_report("coverage", province.coverage(), "html", folder / "province-coverage.html", form)
        ),
    }
