"""The leaders' brief over two rounds: money counted once per system, and a later round compared like
with like while units of the round before have not come in again."""

from __future__ import annotations

import copy
import random

from test_reports import finding_free

from inventory.demo.synth import child_rows, clean_return, write_return
from inventory.report import Reports
from inventory.report.brief_sections import brief_sections
from inventory.report.formats import write_report
from inventory.store.db import open_db
from inventory.store.importer import Importer
from inventory.workflow.rounds import open_round

PROVINCIAL = "四川省不动产登记管理信息系统"


def _returns(tmp_path, form, roster):
    """自然资源厅 reports a provincial system (1,000 + 200 万元); 成都 reports it again as its own (one
    system reported twice: a duplicate report, the copy not counted) beside a platform of the same
    business (300 + 30 万元), which makes a duplicate-building group of all three; 德阳 lists one of
    its systems twice (500 + 50 万元)."""
    rng = random.Random(7)
    out = {}
    for short, seed in (("自然资源厅", 3), ("成都", 2), ("德阳", 6)):
        unit = roster.resolve(short)
        values, rows = clean_return(form, unit, 5, seed=seed)
        systems = finding_free(form, rows[form.main.name], "")
        base, own = systems[0], systems[0]["owner_unit"]

        def extra(no, name, build, om, base=base, own=own):
            return {**copy.deepcopy(base), "system_no": no, "system_name": name, "owner_unit": own}, build, om

        added = {
            "自然资源厅": [extra("DUP-1", PROVINCIAL, 1000, 200)],
            "成都": [extra("DUP-2", PROVINCIAL, 1000, 200), extra("DUP-3", "成都市不动产登记服务平台", 300, 30)],
            "德阳": [extra(no, "德阳市特种设备安全监察信息系统", 500, 50) for no in ("DUP-4", "DUP-5")],
        }[short]
        for s, build, om in added:
            systems.append({**s, "build_amount": build, "om_amount": om, "total_invest": build + om})
        rows = {form.main.name: systems, **child_rows(form, systems, rng)}
        out[short] = write_return(tmp_path / f"{short}.xlsx", form, unit, values, rows)
    return out


def _import(engine, paths):
    assert [r.status for r in Importer(engine).import_files(list(paths), workers=1)] == ["imported"] * len(paths)


def test_a_system_reported_twice_counts_once_in_the_money(tmp_path, form, roster, db_url):
    engine = open_db(db_url)
    _import(engine, _returns(tmp_path, form, roster).values())
    brief = Reports(engine).brief()
    groups = sorted((g["code"], sorted(g["systems"]), g["build_amount"], g["om_amount"]) for g in brief["duplicate_groups"])
    assert groups == [
        ("FIND_DUPLICATE_BUILD", [PROVINCIAL, PROVINCIAL, "成都市不动产登记服务平台"], 1300.0, 230.0),  # the copy adds nothing
        ("FIND_DUPLICATE_REPORT", [PROVINCIAL, PROVINCIAL], 1000.0, 200.0),
        ("FIND_DUPLICATE_REPORT", ["德阳市特种设备安全监察信息系统"] * 2, 500.0, 50.0),
    ]
    # each system once in the total, however many groups it is in: 1,000 + 300 + 500 and 200 + 30 + 50
    assert brief["duplicate_totals"] == {"groups": 3, "build_amount": 1800.0, "om_amount": 280.0}
    overview = next(s for s in brief_sections(brief) if s.title == "本轮概况")
    assert dict(overview.figures)["重复组涉及金额（建设+年度运维，万元）"] == "2,080.0"
    assert brief["systems_counted"] == brief["systems"] - 2  # as the money: each copy left out once
    # the office finds the two 德阳 rows are two systems after all: dismissed, both count again
    from inventory.report.review import review_findings

    twice = next(f for f in Reports(engine).all_findings if f.code == "FIND_DUPLICATE_REPORT" and "德阳" in (f.unit or ""))
    review_findings(Reports(engine), [twice.id], "dismissed", "两个系统，名称相同而已", "省项目办")
    assert Reports(engine).brief()["systems_counted"] == brief["systems"] - 1


def test_a_later_round_with_units_still_to_come_is_compared_like_with_like(tmp_path, form, roster, db_url):
    engine = open_db(db_url)
    paths = _returns(tmp_path, form, roster)
    _import(engine, paths.values())
    first = Reports(engine).brief()
    open_round(engine, "R2", "第二轮", None, None, "all", form.version)
    _import(engine, [paths["自然资源厅"], paths["成都"]])  # 德阳 has not reported yet
    brief = Reports(engine).brief()
    before = brief["previous"]
    assert before["not_returned"] == 1 and before["both"]["units"] == 2
    assert before["both"]["before"] == before["both"]["now"]  # the same two returns: nothing changed for them
    dy = first["systems_counted"] - brief["systems_counted"]
    assert dy > 0 and before["systems_counted"] == first["systems_counted"]
    section = next(s for s in brief_sections(brief) if s.title == "与上一轮相比")
    (text,) = section.text
    assert "统计范围相同" not in text and "有 1 个本轮尚未入库" in text and "两轮都已入库的 2 个单位" in text
    assert section.columns[-1] == "两轮都已入库的 2 个单位"
    rows = {r[0]: r[1:] for r in section.rows}
    assert rows["已入库单位"] == [3, 2, "-1", "—"]
    n = brief["systems_counted"]
    assert rows["系统数"] == [n + dy, n, f"-{dy}", f"{n} → {n}（持平）"]
    assert rows["疑似重复组"] == [3, 2, "-1", "2 → 2（持平）"]  # 德阳's own group is not in the like-with-like column
    assert rows["重复组涉及金额（建设+年度运维，万元）"] == ["2,080.0", "1,530.0", "-550.0", "1,530.0 → 1,530.0（持平）"]
    page = write_report("brief", brief, "html", tmp_path / "brief.html", form).read_text(encoding="utf-8")
    assert "两轮都已入库的 2 个单位" in page and "统计范围相同" not in page
    # once every unit of the round before is in again, the ranges are the same and the table is as it was
    _import(engine, [paths["德阳"]])
    again = Reports(engine).brief()
    assert again["previous"]["not_returned"] == 0 and again["previous"]["both"] is None
    section = next(s for s in brief_sections(again) if s.title == "与上一轮相比")
    assert "统计范围相同" in section.text[0] and len(section.columns) == 4
    assert {r[0]: r[1:] for r in section.rows}["已入库单位"] == [3, 3, "持平"]
