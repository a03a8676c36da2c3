"""Rounds end to end through the CLI: round 1 imported; round 2 opened; templates pre-filled with
each unit's accepted systems; one unit confirms unchanged, one changes, retires, adds and drops
systems, one does not return; the change report is exactly those changes."""

from __future__ import annotations

import json

import openpyxl
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
        "round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--deadline", "2026-10-31", "--db", db_url
    )
    assert opened["status"] == "open" and [r["status"] for r in cli_json("round", "list", "--db", db_url)] == ["closed", "open"]

    out = tmp_path / "t2"
    proc = run_cli("template", "build", "--pilot", "--prefill", "--db", db_url, "-o", str(out))
    assert proc.returncode == 0 and "3 个单位预填" in proc.stdout, proc.stdout + proc.stderr
    prefilled = {short: out / template_filename(form, unit) for short, unit in units.items()}
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
    assert hr["status"] == "imported" and "均已确认无变化" in hr["note"]
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


def test_an_older_form_versions_headers_and_options_are_read_as_todays(tmp_path, form, roster):
    """forms/versions.json says what was renamed; a return of that version and a value stored from it
    are both read as today's, with a notice, never by hand."""
    import shutil

    from inventory.form.load import load_form
    from inventory.intake.validate import Validator
    from inventory.template import META_SHEET
    from inventory.template.fill import prefilled_template

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
