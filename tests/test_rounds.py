"""Rounds end to end through the CLI: round 1 imported; round 2 opened; templates pre-filled with
each unit's accepted systems; one unit confirms unchanged, one changes, retires, adds and drops
systems, one does not return; the change report is exactly those changes."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import run_cli

from inventory.demo.synth import clean_return, write_return
from inventory.intake.reader import read_workbook
from inventory.template import template_filename


def cli_json(*args):
    proc = run_cli(*args, "--json")
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_two_rounds_prefilled_confirmed_and_changes(tmp_path, form, roster, db_url):
    units = {short: roster.resolve(short) for short in ("人社厅", "成都", "德阳")}
    first = []
    for i, (short, unit) in enumerate(units.items()):
        values, rows = clean_return(form, unit, 6 + i, seed=40 + i)
        first.append(write_return(tmp_path / "r1" / f"{short}.xlsx", form, unit, values, rows))
    imported = cli_json("import", *map(str, first), "--db", db_url)
    assert [f["status"] for f in imported["files"]] == ["imported"] * 3
    rounds = cli_json("round", "list", "--db", db_url)
    assert len(rounds) == 1 and rounds[0]["status"] == "open"  # an existing database moves into a first round
    r1 = rounds[0]["key"]
    # the office decides for three of 成都's systems in round 1; the recommendation stays beside it
    cd_first = [r.values for r in read_workbook(first[1], form).sheets[form.main.name].records]
    decisions = {cd_first[2]["system_name"]: "关停下线", cd_first[4]["system_name"]: "迁移上云", cd_first[0]["system_name"]: "升级改造"}
    for name, decision in decisions.items():
        done = cli_json(
            "disposition",
            "set",
            "--unit",
            "成都",
            "--system",
            name,
            "--decision",
            decision,
            "--due",
            "2026-06-30",
            "--responsible",
            "成都市数据局",
            "--db",
            db_url,
        )
        assert done["decision"] == decision
    inv = cli_json("report", "inventory", "--db", db_url)
    row = next(s for s in inv["systems"] if s["values"]["system_name"] == cd_first[2]["system_name"])
    assert row["disposition"]["decision"] == "关停下线" and row["recommendation"] in ("保留", "整合", "迁移上云", "升级改造", "关停下线")
    assert run_cli("disposition", "set", "--unit", "成都", "--system", "没有这个系统", "--decision", "保留", "--db", db_url).returncode == 2
    opened = cli_json(
        "round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--deadline", "2099-10-31", "--db", db_url
    )
    assert opened["status"] == "open" and [r["status"] for r in cli_json("round", "list", "--db", db_url)] == ["closed", "open"]

    out = tmp_path / "t2"
    proc = run_cli("template", "build", "--pilot", "--prefill", "--db", db_url, "-o", str(out))
    assert proc.returncode == 0 and "3 个单位预填" in proc.stdout, proc.stdout + proc.stderr
    prefilled = {
        short: out / template_filename(form.for_round({"key": "2026"}), unit) for short, unit in units.items()
    }  # named by its round
    # the second round's template opens with the first round's systems in place
    first_names = [r.values["system_name"] for r in read_workbook(first[0], form).sheets[form.main.name].records]
    again = read_workbook(prefilled["人社厅"], form)
    assert [r.values["system_name"] for r in again.sheets[form.main.name].records] == first_names

    # 成都 edits its pre-filled template as a person would: changes, retires, adds, drops
    wb = openpyxl.load_workbook(prefilled["成都"])
    ws = wb[form.main.name]
    col = {f.key: f.position for f in form.main.fields}
    top = form.main.first_data_row
    name = lambda r: ws[f"{col['system_name']}{r}"].value  # noqa: E731
    changed_a, changed_b, retired, dropped = name(top), name(top + 1), name(top + 2), name(top + 6)
    ws[f"{col['om_amount']}{top}"] = 88.5
    ws[f"{col['deploy_location']}{top + 1}"] = "本单位自建机房"
    ws[f"{col['status']}{top + 2}"] = "停用"
    last = top + 7
    for f in form.main.fields:  # a new system: a copy of the first, with its own number and name
        ws[f"{f.position}{last}"] = ws[f"{f.position}{top}"].value
    ws[f"{col['system_no']}{last}"] = "XT-NEW-01"
    ws[f"{col['system_name']}{last}"] = "成都市城市安全风险监测预警平台"
    dropped_no = ws[f"{col['system_no']}{top + 6}"].value
    for f in form.main.fields:  # the dropped system is deleted from the sheet (its row left empty) ...
        ws[f"{f.position}{top + 6}"] = None
    for child in form.children:  # ... with its rows on the child sheets
        cs = wb[child.name]
        key = next(f.position for f in child.fields if f.key == child.parent_key)
        for r in range(child.first_data_row, cs.max_row + 1):
            if cs[f"{key}{r}"].value == dropped_no:
                for f in child.fields:
                    cs[f"{f.position}{r}"] = None
    edited = tmp_path / "成都-2026.xlsx"
    wb.save(edited)
    assert run_cli("validate", str(edited), "--as-of", "2026-06-30").returncode == 0

    result = cli_json("import", str(prefilled["人社厅"]), str(edited), "--db", db_url)
    hr, cd = result["files"]
    # untouched, with last round's 填报日期: stored and current, but not called confirmed (issue 27 #3)
    assert hr["status"] == "imported" and "均已确认无变化" not in hr["note"] and "未确认" in hr["note"]
    assert hr["warnings"] >= 1
    assert cd["status"] == "imported" and "有变化 3 个" in cd["note"] and "新增 1 个" in cd["note"] and "未再填报 1 个" in cd["note"]

    changes = cli_json("report", "changes", "--from", r1, "--db", db_url)
    by_unit = {u["unit"]: u for u in changes["units"]}
    assert set(by_unit) == {units["人社厅"].name, units["成都"].name}
    assert by_unit[units["人社厅"].name] == {
        "unit": units["人社厅"].name,
        "added": [],
        "retired": [],
        "vanished": [],
        "changed": [],
        "unchanged": 6,
        "unconfirmed": True,  # sent back as it was, its date too: the 无变化 is not a check
    }
    c = by_unit[units["成都"].name]
    assert [s["system_name"] for s in c["added"]] == ["成都市城市安全风险监测预警平台"]
    assert [s["system_name"] for s in c["retired"]] == [retired]
    assert [s["system_name"] for s in c["vanished"]] == [dropped]
    fields = {s["system_name"]: {(f["field"], f["old"], f["new"]) for f in s["fields"]} for s in c["changed"]}
    assert set(fields) == {changed_a, changed_b}
    assert {f for f, _, _ in fields[changed_a]} == {"om_amount"} and ("om_amount", fields[changed_a].copy().pop()[1], "88.5") in fields[
        changed_a
    ]
    assert {(f, new) for f, _, new in fields[changed_b]} == {("deploy_location", "本单位自建机房")}
    assert c["unchanged"] == 7 - 1 - 1 - 2  # seven systems in round 1, minus dropped, retired and two changed
    assert changes["not_resubmitted"] == [{"unit": units["德阳"].name, "systems": 8}]
    # round 1's decisions, followed up: the retired one is done; the one to move to the cloud is not (unless it already was)
    progress = {d["system_name"]: d["progress"] for d in changes["decisions"]}
    assert progress[retired] == "已落实" and progress[changed_a] == "待核实"
    moved = cd_first[4]
    assert progress[moved["system_name"]] == (
        "已落实" if moved.get("deploy_location") in ("省级政务云", "市（州）级政务云", "上级部门机房") else "未落实"
    )
    # reports follow the round: the open round by default, an earlier one by --round
    now = cli_json("report", "coverage", "--db", db_url)
    before = cli_json("report", "coverage", "--round", r1, "--db", db_url)
    assert now["round"]["key"] == "2026" and now["totals"]["units_accepted"] == 2 and now["as_of"] == "2026-06-30"
    assert before["round"]["key"] == r1 and before["totals"]["units_accepted"] == 3
    for fmt in ("md", "html", "xlsx"):
        assert (
            run_cli(
                "report", "changes", "--from", r1, "--to", "2026", "--format", fmt, "-o", str(tmp_path / f"c.{fmt}"), "--db", db_url
            ).returncode
            == 0
        )
    assert run_cli("report", "changes", "--from", "1999", "--db", db_url).returncode == 2
    # an office's part only: 成都市's changes hold no other unit, not even in what was not sent again or the decisions
    part = cli_json("report", "changes", "--from", r1, "--under", "成都市", "--db", db_url)
    named = {u["unit"] for u in part["units"]} | {u["unit"] for u in part["not_resubmitted"] + part["first_time"] + part["decisions"]}
    assert named == {units["成都"].name} and part["totals"]["added"] == 1


def test_an_older_form_versions_headers_and_options_are_read_as_todays(tmp_path, form, roster):
    """forms/versions.json says what was renamed; a return of that version and a value stored from it
    are both read as today's, with a notice, never by hand."""
    import shutil

    from inventory.form.load import load_form
    from inventory.intake.validate import Validator
    from inventory.template import META_SHEET
    from inventory.template.build import prefilled_template

    folder = tmp_path / "forms"
    shutil.copytree(form.folder, folder)
    (folder / "versions.json").write_text(
        json.dumps(
            {
                "versions": {
                    "2025.2": {
                        "headers": {"系统编码": "system_no"},
                        "options": {"deploy_location": {"政务云（省级）": "省级政务云"}, "networks": {"政务外网": "电子政务外网"}},
                    }
                }
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    newer = load_form(folder)
    assert "2025.2" in newer.accepted_versions
    unit = roster.resolve("人社厅")
    values, rows = clean_return(newer, unit, 5, seed=9)
    path = write_return(tmp_path / "old.xlsx", newer, unit, values, rows)
    wb = openpyxl.load_workbook(path)
    meta = wb[META_SHEET]
    for row in meta.iter_rows():
        if row[0].value == "form_version":
            row[1].value = "2025.2"
    ws = wb[newer.main.name]
    col = {f.key: f.position for f in newer.main.fields}
    ws[f"{col['system_no']}{newer.main.header_row}"] = "系统编码"
    ws[f"{col['deploy_location']}{newer.main.first_data_row}"] = "政务云（省级）"
    ws[f"{col['networks']}{newer.main.first_data_row + 1}"] = "政务外网、业务专网"
    wb.save(path)
    report = Validator(newer, roster).validate(path)
    codes = [i.code for i in report.issues]
    assert report.errors == 0, [i.message for i in report.issues if i.severity == "error"]
    assert "FORM_OLD_VERSION" in codes and codes.count("VALUE_OLD_VERSION") == 2 and "HEADER_RENAMED" not in codes
    records = report.data.sheets[newer.main.name].records
    assert records[0].values["deploy_location"] == "省级政务云" and "电子政务外网" in records[1].values["networks"]
    assert all(r.values.get("system_no") for r in records)
    # a value stored from that version pre-fills as today's option
    stored = {**rows[newer.main.name][0], "deploy_location": "政务云（省级）", "networks": ["政务外网"]}
    sheet = prefilled_template(newer, unit, values, {"": [stored]}, "2025.2")[newer.main.name]
    assert sheet[f"{col['deploy_location']}{newer.main.first_data_row}"].value == "省级政务云"
    assert sheet[f"{col['networks']}{newer.main.first_data_row}"].value == "电子政务外网"


def test_change_marks_are_checked_against_the_previous_return(tmp_path, form, roster):
    """本轮情况: a pre-filled row is coloured and its mark left for the unit; a mark that disagrees with
    what changed is a warning kept with the return; 已停用 on a system still 在用 is an error; a return
    made before the column existed reads without a missing-column warning."""
    sqlite_url = f"sqlite:///{tmp_path / 'marks.db'}"
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 6, seed=71)
    first = write_return(tmp_path / "r1.xlsx", form, unit, values, rows)
    assert cli_json("import", str(first), "--db", sqlite_url)["files"][0]["status"] == "imported"
    cli_json("round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--db", sqlite_url)
    path = tmp_path / "t2.xlsx"
    assert run_cli("template", "build", "--unit", "人社厅", "--prefill", "--db", sqlite_url, "-o", str(path)).returncode == 0
    wb = openpyxl.load_workbook(path)
    ws = wb[form.main.name]
    col = {f.key: f.position for f in form.main.fields}
    top = form.main.first_data_row
    assert ws[f"{col['change_mark']}{form.main.header_row}"].value == "本轮情况"
    assert ws[f"{col['system_name']}{top}"].fill.fgColor.rgb.endswith("FFF2CC")  # carried over, and shown so
    assert ws[f"{col['system_name']}{top + 6}"].fill.fgColor.rgb in (None, "00000000")  # the row for a new system is not
    assert all(ws[f"{col['change_mark']}{top + i}"].value is None for i in range(6))  # the unit says it anew
    ws[f"{col['change_mark']}{top}"] = "无变化"  # ... but its 运维金额 changed
    ws[f"{col['om_amount']}{top}"] = 123.4
    ws[f"{col['change_mark']}{top + 1}"] = "有变化"  # ... and nothing changed
    ws[f"{col['change_mark']}{top + 2}"] = "无变化"  # true
    ws[f"{col['change_mark']}{top + 3}"] = "已停用"  # with 运行状态 still as it was
    ws[f"{col['status']}{top + 3}"] = "在用"
    for f in form.main.fields:  # two new systems, copies of the first with their own number and name
        ws[f"{f.position}{top + 6}"] = ws[f"{f.position}{top}"].value
        ws[f"{f.position}{top + 7}"] = ws[f"{f.position}{top}"].value
    ws[f"{col['system_no']}{top + 6}"], ws[f"{col['system_name']}{top + 6}"] = "XT-NEW-01", "四川省就业创业补贴网上申领系统"
    ws[f"{col['change_mark']}{top + 6}"] = "新增"
    ws[f"{col['system_no']}{top + 7}"], ws[f"{col['system_name']}{top + 7}"] = "XT-NEW-02", "四川省技能人才评价管理系统"
    edited = tmp_path / "r2.xlsx"
    wb.save(edited)
    proc = run_cli("validate", str(edited), "--as-of", "2026-06-30", "--json")
    codes = [i["code"] for f in json.loads(proc.stdout)["files"] for i in f["issues"]]
    assert proc.returncode == 1 and codes.count("RULE_CHANGE_MARK_RETIRED") == 1  # self-contradictory: an error

    ws[f"{col['status']}{top + 3}"] = "停用"
    wb.save(edited)
    result = cli_json("import", str(edited), "--db", sqlite_url)["files"][0]
    assert result["status"] == "imported" and result["warnings"] >= 3
    issues = cli_json("report", "issues", "--db", sqlite_url)["issues"]
    marks = {(i["code"], i["row"]) for i in issues if i["code"].startswith("MARK_")}
    assert marks == {("MARK_UNCHANGED_BUT_CHANGED", top), ("MARK_CHANGED_BUT_SAME", top + 1), ("MARK_KNOWN_BUT_NEW", top + 7)}
    said = next(i for i in issues if i["code"] == "MARK_UNCHANGED_BUT_CHANGED")
    assert "运维" in said["message"] and said["column"] == col["change_mark"] and "本轮情况" not in said["message"].split("改了：")[1]
    changes = cli_json("report", "changes", "--from", cli_json("round", "list", "--db", sqlite_url)[0]["key"], "--db", sqlite_url)
    entry = changes["units"][0]
    assert [s["system_name"] for s in entry["changed"]] == [ws[f"{col['system_name']}{top}"].value]  # the mark is not a change
    assert entry["changed"][0]["mark"] == "无变化" and {f["field"] for f in entry["changed"][0]["fields"]} == {"om_amount"}
    assert len(entry["retired"]) == 1 and entry["unchanged"] == 4 and len(entry["added"]) == 2

    # a return filled in before the column existed: the column deleted, the file still reads clean
    old = openpyxl.load_workbook(first)
    old[form.main.name].delete_cols(openpyxl.utils.column_index_from_string(col["change_mark"]))
    old.save(tmp_path / "old.xlsx")
    proc = run_cli("validate", str(tmp_path / "old.xlsx"), "--json")
    assert proc.returncode == 0
    assert not [i for f in json.loads(proc.stdout)["files"] for i in f["issues"] if i["code"].startswith("HEADER_")]


def test_last_rounds_file_sent_again_is_this_rounds_return(tmp_path, form, roster):
    """A unit with nothing to change may send last year's file as it is: in the new round it is a new
    return (confirmed, counted as submitted); the same file twice in one round is still 'unchanged'."""
    db = f"sqlite:///{tmp_path / 'again.db'}"
    unit = roster.resolve("德阳")
    values, rows = clean_return(form, unit, 4, seed=12)
    path = write_return(tmp_path / "德阳.xlsx", form, unit, values, rows)
    assert cli_json("import", str(path), "--db", db)["files"][0]["status"] == "imported"
    assert cli_json("import", str(path), "--db", db)["files"][0]["status"] == "unchanged"
    cli_json("round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--db", db)
    checked = json.loads(run_cli("validate", str(path), "--json", "--db", db).stdout)["files"][0]
    again = cli_json("import", str(path), "--db", db)["files"][0]
    assert "RETURN_NOT_CONFIRMED" in {i["code"] for i in checked["issues"]}  # validate says what the import will
    assert checked["warnings"] == again["warnings"] and checked["errors"] == again["errors"] == 0
    assert again["status"] == "imported" and again["current"] and "未确认" in again["note"]  # same 填报日期: not a confirmation
    after = json.loads(run_cli("validate", str(path), "--json", "--db", db).stdout)["files"][0]
    assert after["warnings"] == again["warnings"]  # checked again once imported: against what its import compared it with, not itself
    assert "RETURN_NOT_CONFIRMED" in {i["code"] for i in after["issues"]}
    coverage = cli_json("report", "coverage", "--db", db)
    assert coverage["totals"]["units_accepted"] == 1 and coverage["totals"]["units_unconfirmed"] == 1  # in, said unconfirmed
    mine = next(u for u in coverage["units"] if u["unit"] == unit.name)
    assert mine["unconfirmed"] and "看不出本轮是否核对过" in mine["reason"]
    assert "原样重报未确认" in run_cli("report", "coverage", "--db", db, env={"COLUMNS": "200"}).stdout
    changes = cli_json("report", "changes", "--from", "2025", "--db", db)
    assert changes["totals"]["unchanged_unconfirmed"] == 4 and changes["units"][0]["unconfirmed"]  # its 无变化 is not a check
    assert cli_json("import", str(path), "--db", db)["files"][0]["status"] == "unchanged"
    subs = cli_json("submissions", "list", "--db", db)
    assert [s["status"] for s in subs] == ["accepted", "accepted"]  # one current return in each round
    assert subs[0]["sha256"] != subs[1]["sha256"]


def test_a_fresh_databases_first_round_has_no_stale_deadline_in_reports(tmp_path, form, roster, db_url):
    """The first round takes the form's old 报送截止日期, which passed before the round was opened: the
    reports, like the portal, treat it as unset (nobody is late for it) until the office sets one."""
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 3, seed=11)
    path = write_return(tmp_path / "hr.xlsx", form, unit, values, rows)
    assert run_cli("import", str(path), "--db", db_url).returncode == 0
    coverage = json.loads(run_cli("report", "coverage", "--json", "--db", db_url).stdout)
    assert coverage["deadline"] is None and coverage["totals"]["units_late"] == 0
    assert coverage["generated_at"].endswith("+08:00")  # made-at in Beijing time
    said = _template_words(tmp_path / "t1.xlsx", db_url)  # nor does a template print the stale date
    assert "以项目办的通知为准" in said and form.round["deadline"] not in said
    assert run_cli("round", "deadline", "2099-12-31", "--db", db_url).returncode == 0
    coverage = json.loads(run_cli("report", "coverage", "--json", "--db", db_url).stdout)
    assert coverage["deadline"] == "2099-12-31" and coverage["totals"]["units_on_time"] == 1
    assert "2099-12-31" in _template_words(tmp_path / "t2.xlsx", db_url)
    # a new round is not opened with a deadline that has passed (it would count as unset, unseen)
    past = run_cli("round", "open", "R9", "--name", "第九轮", "--as-of", "2020-06-30", "--deadline", "2020-07-31", "--db", db_url)
    assert past.returncode == 2 and "报送截止日期 2020-07-31 已经过去" in past.stderr and "round deadline" in past.stderr
    assert [r["key"] for r in json.loads(run_cli("round", "list", "--json", "--db", db_url).stdout)] == ["2025"]  # nothing opened


def _template_words(path, db_url) -> str:
    import openpyxl

    from inventory.template import INSTRUCTIONS_SHEET

    assert run_cli("template", "build", "--unit", "人社厅", "--db", db_url, "-o", str(path)).returncode == 0
    sheet = openpyxl.load_workbook(path)[INSTRUCTIONS_SHEET]
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


def test_the_brief_compares_the_round_with_the_one_before(tmp_path, form, roster, db_url):
    """The leaders' brief of a later round puts its figures beside the previous round's, for the same
    part of the tree: returns, systems, cloud share, findings and the kinds that moved most."""
    from inventory.report import Reports
    from inventory.report.brief_sections import brief_sections
    from inventory.store.db import open_db
    from inventory.store.importer import Importer
    from inventory.workflow.rounds import open_round

    engine = open_db(db_url)
    paths = []
    for i, short in enumerate(("人社厅", "成都")):
        unit = roster.resolve(short)
        values, rows = clean_return(form, unit, 4, seed=40 + i)
        paths.append(write_return(tmp_path / f"{short}.xlsx", form, unit, values, rows))
    list(Importer(engine).import_files(paths, workers=1))
    assert Reports(engine).brief()["previous"] is None  # the first round has nothing to compare with
    open_round(engine, "R2", "第二轮", None, None, "all", form.version)
    list(Importer(engine).import_files(paths[:1], workers=1))
    brief = Reports(engine).brief()
    before = brief["previous"]
    assert before["round"] != brief["round"] and before["totals"]["units_accepted"] == 2
    assert brief["coverage"]["totals"]["units_accepted"] == 1 and before["systems_counted"] == 8
    on_cloud = sum(n for k, n in brief["deployment"].items() if k in ("省级政务云", "市（州）级政务云"))  # as the deployment chart shows
    assert brief["cloud_share"] == pytest.approx(on_cloud / sum(brief["deployment"].values()), abs=1e-3)
    section = next(s for s in brief_sections(brief) if s.title == "与上一轮相比")
    row = next(r for r in section.rows if r[0] == "已入库单位")
    assert row[1:4] == [2, 1, "-1"] and "统计范围相同" not in section.text[0]  # 成都 has not come in again
    # a part with no accepted return in the round before: nothing to compare, no table of changes from zero
    county = Reports(engine, under="德阳市").brief()
    assert county["previous"]["totals"]["units_accepted"] == 0
    assert not any(s.title == "与上一轮相比" for s in brief_sections(county))


def test_the_import_says_a_batch_came_late_and_why_a_file_was_refused(tmp_path, form, roster):
    import datetime as dt

    from sqlalchemy import text

    from inventory.store.db import open_db

    db = f"sqlite:///{tmp_path / 'late.db'}"
    assert run_cli("db", "upgrade", "--db", db).returncode == 0
    with open_db(db).begin() as conn:  # a round opened in June whose deadline has passed since
        conn.execute(text("update rounds set opened_at = :t, deadline = '2026-07-31'"), {"t": dt.datetime(2026, 6, 1)})
    unit, other = roster.resolve("人社厅"), roster.resolve("自然资源厅")
    good = write_return(tmp_path / "hr.xlsx", form, unit, *clean_return(form, unit, 3, seed=11))
    values, rows = clean_return(form, other, 3, seed=12)
    rows["系统清单"][0]["system_name"] = ""  # a required cell left empty: refused
    bad = write_return(tmp_path / "nr.xlsx", form, other, values, rows)
    said = run_cli("import", str(good), str(bad), "--received", "2026-08-03", "--db", db, env={"COLUMNS": "200"})
    words = " ".join(said.stdout.split())
    assert said.returncode == 1 and "在报送截止日期 2026-07-31（北京时间当日 24 时前）之后收到" in words, words
    assert "nr.xlsx：" in words and "系统名称" in words  # the refused file's first error, without running validate
    coverage = json.loads(run_cli("report", "coverage", "--json", "--db", db).stdout)["totals"]
    assert coverage["units_late_submitted"] == 1  # the refused one has no valid return yet: overdue, not late in
    assert coverage["units_overdue"] == coverage["units_not_submitted"] + coverage["units_rejected"]


def test_a_new_database_s_empty_first_round_gives_way_to_the_one_opened(tmp_path):
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert run_cli("db", "upgrade", "--db", db).returncode == 0
    opened = run_cli("round", "open", "2026", "--name", "2026年度摸底", "--as-of", "2026-06-30", "--db", db)
    assert opened.returncode == 0 and "报送截止日期未设" in opened.stdout
    assert [r["key"] for r in json.loads(run_cli("round", "list", "--json", "--db", db).stdout)] == ["2026"]  # no empty 2025 behind it
    # once a round holds something, the next one closes it and stands beside it
    assert run_cli("review", "exempt", "人社厅", "--reason", "无系统", "--db", db).returncode == 0
    assert run_cli("round", "open", "2027", "--name", "2027年度", "--as-of", "2027-06-30", "--db", db).returncode == 0
    rounds = json.loads(run_cli("round", "list", "--json", "--db", db).stdout)
    assert [(r["key"], r["status"]) for r in rounds] == [("2026", "closed"), ("2027", "open")]


def test_a_round_still_collecting_is_not_closed_by_a_new_one_without_being_asked_and_comes_back(tmp_path):
    db = f"sqlite:///{tmp_path / 'early.db'}"
    assert run_cli("db", "upgrade", "--db", db).returncode == 0
    assert (
        run_cli(
            "round", "open", "2026", "--name", "2026年度摸底", "--as-of", "2026-06-30", "--deadline", "2099-01-15", "--db", db
        ).returncode
        == 0
    )
    assert run_cli("review", "exempt", "人社厅", "--reason", "无系统", "--db", db).returncode == 0  # the round holds something
    early = run_cli("round", "open", "2027", "--name", "2027年度", "--as-of", "2027-06-30", "--db", db)
    assert early.returncode == 2 and "还在收集：报送截止 2099-01-15" in early.stderr and "--force" in early.stderr
    assert [r["key"] for r in json.loads(run_cli("round", "list", "--json", "--db", db).stdout)] == ["2026"]  # nothing changed
    wide = {"COLUMNS": "200"}
    forced = run_cli(
        "round", "open", "2027", "--name", "2027年度", "--as-of", "2027-06-30", "--deadline", "2099-10-31", "--force", "--db", db, env=wide
    )
    assert forced.returncode == 0 and "原来开放的轮次 2026" in forced.stdout and "round reopen 2026" in forced.stdout
    again = run_cli("round", "open", "2026", "--name", "x", "--as-of", "2026-06-30", "--db", db)
    assert again.returncode == 2 and "round reopen 2026" in again.stderr  # the way back is named
    assert run_cli("round", "reopen", "2026", "--db", db).returncode == 2  # 2027 is collecting too: asked first
    back = run_cli("round", "reopen", "2026", "--force", "--db", db, env=wide)
    assert back.returncode == 0 and "已重新打开轮次 2026" in back.stdout and "原来开放的轮次 2027" in back.stdout
    rounds = json.loads(run_cli("round", "list", "--json", "--db", db).stdout)
    assert [(r["key"], r["status"]) for r in rounds] == [("2026", "open"), ("2027", "closed")]
    assert run_cli("round", "open", "2028", "--name", "x", "--as-of", "2026/6/30", "--force", "--db", db).returncode == 0  # a day as typed
