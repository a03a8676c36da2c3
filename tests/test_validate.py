"""Validation: every seeded mistake at its cell and code; clean rows and messy-but-valid input pass."""

from __future__ import annotations

import datetime as dt
import json
import resource
import subprocess
import sys

import openpyxl
import pytest
from conftest import libreoffice_roundtrip, run_cli
from corpus import build_corpus
from openpyxl.utils import column_index_from_string, get_column_letter

from inventory.demo.synth import clean_return, write_return
from inventory.intake.validate import Validator
from inventory.output import save_workbook
from inventory.template import build_template
from inventory.template.fill import fill_workbook


@pytest.fixture(scope="module")
def validator(form, roster):
    return Validator(form, roster)


@pytest.fixture(scope="module")
def unit(roster):
    return roster.resolve("人社厅")


def make(tmp_path, form, unit, mutate=None, n=10, seed=11, name="r.xlsx"):
    values, rows = clean_return(form, unit, n, seed=seed)
    if mutate:
        mutate(values, rows)
    return write_return(tmp_path / name, form, unit, values, rows)


def where(form, key, index, sheet=None):
    """(column, Excel row) of field `key` in data row `index` of a sheet."""
    spec = form.by_name[sheet] if sheet else form.main
    return spec.by_key[key].position, spec.first_data_row + index


def test_clean_returns_of_every_pilot_have_no_issue(tmp_path, form, roster, validator):
    for i, u in enumerate(roster.pilots()):
        report = validator.validate(make(tmp_path, form, u, n=30, seed=i, name=f"{i}.xlsx"))
        assert report.issues == [], [i.message for i in report.issues]
        assert report.systems == 30 and report.unit == u and report.form_version == form.version


MISTAKES = [
    # (field, row index, bad value, expected code)
    ("system_name", 1, None, "CELL_REQUIRED"),
    ("layer", 2, "应用", "CELL_ENUM"),
    ("users", 3, "政府内部、群众", "CELL_ENUM"),
    ("build_amount", 4, "三十万", "CELL_NUMBER"),
    ("approval_date", 5, "2019.13.1", "CELL_DATE"),
    ("owner_uscc", 6, 123456789012345678, "CELL_LONG_NUMBER"),
    ("functions", 7, "无", "CELL_TOO_SHORT"),
    ("registered_users", 8, "很多", "CELL_INTEGER"),
    ("build_amount", 9, 3500000, "RULE_AMOUNT_LOOKS_YUAN"),
    ("system_no", 10, "XT 0001!", "CELL_PATTERN"),
    ("secret_class", 11, "涉密", "RULE_SECRET_SYSTEM"),
]


@pytest.mark.parametrize(("key", "index", "bad", "code"), MISTAKES)
def test_each_mistake_is_reported_at_its_cell(tmp_path, form, unit, validator, key, index, bad, code):
    def mutate(values, rows):
        rows[form.main.name][index][key] = bad

    report = validator.validate(make(tmp_path, form, unit, mutate, n=12))
    col, row = where(form, key, index)
    hits = [i for i in report.issues if i.code == code]
    assert hits, [i.code for i in report.issues]
    assert (hits[0].sheet, hits[0].row, hits[0].column, hits[0].field) == (form.main.name, row, col, key)
    assert hits[0].message.startswith(f"“{form.main.name}” {col}{row} 单元格")
    # no other row is flagged
    assert {i.row for i in report.issues if i.sheet == form.main.name} <= {row}


def test_conditional_rules_and_dates_against_the_reference_date(tmp_path, form, unit, validator):
    def mutate(values, rows):
        systems = rows[form.main.name]
        systems[0].update(status="在用", golive_date="2026-01")  # go-live after the reference date
        systems[1].update(status="在建")  # building systems need their contract fields
        for k in ("build_stage", "contract_amount", "contract_sign_date", "contract_end_date", "planned_golive", "paid_amount"):
            systems[1].pop(k, None)
        systems[2].update(status="在用", golive_date="2025-03", build_start="2024-05")

    report = validator.validate(make(tmp_path, form, unit, mutate, n=5))
    codes = {(i.code, i.row, i.field) for i in report.issues}
    first = form.main.first_data_row
    assert ("RULE_GOLIVE_AFTER_AS_OF", first, "golive_date") in codes
    for key in ("build_stage", "contract_amount", "contract_sign_date", "planned_golive"):
        assert ("RULE_BUILDING_FIELDS", first + 1, key) in codes
    assert not any(i.row == first + 2 for i in report.issues)
    # judged as of other reference dates, the time-based verdicts change with them
    early = Validator(form, as_of=dt.date(2024, 12, 31)).validate(report.path)
    assert ("RULE_GOLIVE_AFTER_AS_OF", first + 2) in {(i.code, i.row) for i in early.issues}
    late = Validator(form, as_of=dt.date(2026, 6, 30)).validate(report.path)
    assert not any(i.code == "RULE_GOLIVE_AFTER_AS_OF" for i in late.issues)


def test_messy_but_valid_input_is_accepted(tmp_path, form, unit, validator):
    def ym(text):
        return int(text[:4]), int(text[5:7])

    spellings = [
        lambda y, m: f"{y}/{m}/1",
        lambda y, m: f"{y}年{m}月",
        lambda y, m: f"{y}{m:02d}01",
        lambda y, m: f"{y}.{m}.1",
        lambda y, m: f"{y}年{m}月1日",
        lambda y, m: dt.datetime(y, m, 1),
        lambda y, m: f"{y}-{m:02d}",
        lambda y, m: y * 100 + m,  # 202003 typed as a number: a year and month
    ]

    def mutate(values, rows):
        systems = rows[form.main.name]
        for i, row in enumerate(systems):
            for key in ("approval_date", "build_start"):
                if key in row:
                    row[key] = spellings[(i + len(key)) % len(spellings)](*ym(row[key]))
        s = systems
        s[0].update(status=" 在 用 " if s[0]["status"] == "在用" else s[0]["status"] + "\u00a0")
        s[0]["build_amount"] = f"{s[0]['build_amount']:,}万元"
        s[1].update(virtualized="Y", backup="√", disaster_recovery="×", layer=s[1]["layer"] + "\u00a0")
        s[2].update(networks=s[2]["networks"].replace("、", "，"), users=s[2]["users"].replace("、", ", "))
        s[3]["build_amount"] = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in str(s[3]["build_amount"]))
        s[4]["system_no"] = s[4]["system_no"].lower()
        for r in rows["资金来源"] + rows["系统对接"]:
            if r["system_no"] == s[4]["system_no"].upper():
                r["system_no"] = s[4]["system_no"]
        values["uscc"] = values["uscc"].lower()
        values["fill_date"] = "2025年7月3日"

    report = validator.validate(make(tmp_path, form, unit, mutate, n=10, seed=5))
    assert report.issues == [], [i.message for i in report.issues]


def test_duplicates_references_and_unit_checks(tmp_path, form, unit, validator):
    def mutate(values, rows):
        s = rows[form.main.name]
        s[3]["system_no"] = s[2]["system_no"]
        s[5]["system_name"] = s[4]["system_name"]
        rows["系统对接"].append({"system_no": "XT-99999", "peer_system": "某平台", "direction": "推送", "method": "其他"})
        values["unit_name"] = "人社厅"
        values["uscc"] = values["uscc"][:17] + ("0" if values["uscc"][17] != "0" else "1")

    report = validator.validate(make(tmp_path, form, unit, mutate, n=8))
    by_code = {i.code: i for i in report.issues}
    assert by_code["ROW_DUPLICATE_NO"].row == form.main.first_data_row + 3
    assert by_code["ROW_DUPLICATE_NAME"].row == form.main.first_data_row + 5
    assert by_code["ROW_DUPLICATE_NAME"].severity == "warning"  # two rows of one name may be two systems: kept, flagged
    refs = [i for i in report.issues if i.code == "REF_UNKNOWN_SYSTEM" and i.value == "XT-99999"]
    assert refs and refs[0].sheet == "系统对接" and refs[0].column == "A"
    assert by_code["UNIT_ALIAS"].severity == "warning" and "四川省人力资源和社会保障厅" in by_code["UNIT_ALIAS"].message
    assert by_code["UNIT_USCC_CHECK"].column == "B" and report.unit == unit


def test_header_drift_is_reported_and_data_still_read(tmp_path, form, unit, validator):
    path = make(tmp_path, form, unit, n=4)
    wb = openpyxl.load_workbook(path)
    ws = wb[form.main.name]
    hr = form.main.header_row
    ws[f"{form.main.by_key['functions'].position}{hr}"] = "业务功能描述"  # renamed
    ws[f"{form.main.by_key['remark'].position}{hr}"] = None  # optional column gone
    ws.insert_cols(2)  # everything after A moves right: a shift, not a move
    ws[f"B{hr}"] = "联系人"  # an unknown column
    ws.delete_cols(ws.max_column)  # keep width
    a, b = form.main.by_key["division"].position, form.main.by_key["basis"].position  # two columns swapped: a move
    a, b = (get_column_letter(column_index_from_string(c) + 1) for c in (a, b))
    for r in range(hr, ws.max_row + 1):  # from the header down (the group band above is merged)
        ws[f"{a}{r}"].value, ws[f"{b}{r}"].value = ws[f"{b}{r}"].value, ws[f"{a}{r}"].value
    save_workbook(wb, path)
    report = validator.validate(path)
    codes = {i.code for i in report.issues}
    assert {"HEADER_RENAMED", "HEADER_MOVED", "HEADER_UNKNOWN", "HEADER_MISSING_OPTIONAL"} <= codes
    assert len([i for i in report.issues if i.code == "HEADER_MOVED"]) == 1  # the swap, not the shift
    assert report.systems == 4
    assert not any(i.code == "CELL_REQUIRED" for i in report.issues)  # values found under moved headers
    twin = tmp_path / "twin.xlsx"  # the same header row in another file (the answer is remembered): told again, as its own
    twin.write_bytes(path.read_bytes())
    again = [i for i in validator.validate(twin).issues if i.code.startswith("HEADER_")]
    assert [(i.code, i.column, i.message) for i in again] == [
        (i.code, i.column, i.message) for i in report.issues if i.code.startswith("HEADER_")
    ]
    assert {i.file for i in again} == {str(twin)}
    missing_required = make(tmp_path, form, unit, n=2, name="m.xlsx")
    wb = openpyxl.load_workbook(missing_required)
    wb[form.main.name][f"{form.main.by_key['status'].position}{hr}"] = None
    save_workbook(wb, missing_required)
    hit = [i for i in validator.validate(missing_required).issues if i.code == "HEADER_MISSING"]
    assert hit and hit[0].severity == "error" and "运行状态" in hit[0].message


def test_structure_problems_merged_formula_blank_rows(tmp_path, form, unit, validator):
    path = make(tmp_path, form, unit, n=6)
    wb = openpyxl.load_workbook(path)
    ws = wb[form.main.name]
    first = form.main.first_data_row
    ws.insert_rows(first + 3)  # a blank row between data rows
    remark = form.main.by_key["remark"].position
    ws[f"{remark}{first}"] = "=1+1"  # openpyxl stores no cached value
    ws.merge_cells(f"{remark}{first + 1}:{remark}{first + 2}")
    save_workbook(wb, path)
    report = validator.validate(path)
    codes = {i.code: i for i in report.issues}
    assert codes["ROW_BLANK"].row == first + 3
    assert codes["CELL_FORMULA"].row == first and codes["CELL_FORMULA"].column == remark
    assert codes["CELL_MERGED"].value == f"{remark}{first + 1}:{remark}{first + 2}"
    assert report.systems == 6


def test_pasted_into_a_new_workbook_is_recognised_by_headers(tmp_path, form, unit, validator):
    values, rows = clean_return(form, unit, 5, seed=2)
    src = fill_workbook(build_template(form, unit), form, values, rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r in src[form.main.name].iter_rows(min_row=form.main.header_row, values_only=True):
        ws.append(list(r))
    path = save_workbook(wb, tmp_path / "pasted.xlsx")
    report = validator.validate(path)
    codes = {i.code for i in report.issues}
    assert "FORM_NO_META" in codes and "SHEET_MISSING" in codes  # the unit sheet is missing
    assert report.systems == 5


def test_old_and_foreign_templates(tmp_path, form, unit, validator):
    path = make(tmp_path, form, unit, n=2)
    wb = openpyxl.load_workbook(path)
    meta = wb["_meta"]
    for row in meta.iter_rows():
        if row[0].value == "form_version":
            row[1].value = "2025.1"
    save_workbook(wb, path)
    old = [i for i in validator.validate(path).issues if i.code == "FORM_OLD_VERSION"]
    assert old and old[0].severity == "warning" and "2025.1" in old[0].message
    for row in meta.iter_rows():
        if row[0].value == "form_version":
            row[1].value = "2019.1"
        if row[0].value == "form_id":
            row[1].value = "some-other-survey"
    save_workbook(wb, path)
    assert "FORM_OTHER" in {i.code for i in validator.validate(path).issues}


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


def test_hostile_corpus_gets_clear_issues_in_bounded_time_and_memory(tmp_path, form, unit):
    good = make(tmp_path, form, unit, n=3, name="good.xlsx")
    corpus = build_corpus(tmp_path / "corpus", good)
    proc = subprocess.run(
        [sys.executable, "-m", "inventory", "validate", str(tmp_path / "corpus"), "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        preexec_fn=_limit_memory,
    )
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    files = {f["path"].split("/")[-1]: f for f in json.loads(proc.stdout)["files"]}
    assert set(files) == set(corpus)  # the batch went past every bad file
    for name, (_path, code) in corpus.items():
        codes = {i["code"] for i in files[name]["issues"]}
        if code:
            assert code in codes, (name, codes)
            issue = next(i for i in files[name]["issues"] if i["code"] == code)
            assert issue["message"] and issue["hint"]
        else:
            assert files[name]["systems"] == 3 and not any(c.startswith("FILE_") for c in codes), (name, codes)


def test_libreoffice_saved_return_validates_the_same(tmp_path, form, unit, validator):
    def mutate(values, rows):
        rows[form.main.name][1]["layer"] = "应用"
        rows[form.main.name][2]["system_name"] = None

    path = make(tmp_path, form, unit, mutate, n=5)
    saved = libreoffice_roundtrip(path, tmp_path / "lo")
    before = [(i.code, i.sheet, i.row, i.column) for i in validator.validate(path).issues]
    after = [(i.code, i.sheet, i.row, i.column) for i in validator.validate(saved).issues]
    assert before == after and len(before) == 2


def test_cli_json_exit_codes_and_feedback(tmp_path, form, unit):
    def mutate(values, rows):
        rows[form.main.name][0]["layer"] = "应用"
        row = rows[form.main.name][1]
        row.update(build_amount=3500000, total_invest=3600000, fund_source="省级财政")
        rows["资金来源"] = [r for r in rows["资金来源"] if r["system_no"] != row["system_no"]]
        rows["资金来源"].append({"system_no": row["system_no"], "source": "省级财政", "amount": 3500000})

    bad = make(tmp_path, form, unit, mutate, n=3, name="bad.xlsx")
    good = make(tmp_path, form, unit, n=3, name="good.xlsx")
    proc = run_cli("validate", str(bad), str(good), "--json", "--feedback", str(tmp_path / "fb"))
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["valid"] is False and [f["valid"] for f in out["files"]] == [False, True]
    f = out["files"][0]
    assert {"path", "unit", "form_version", "valid", "systems", "errors", "warnings", "issues"} <= set(f)
    for issue in f["issues"]:
        assert set(issue) == {"code", "severity", "file", "sheet", "row", "column", "field", "message", "value", "hint"}
    assert run_cli("validate", str(good)).returncode == 0
    assert run_cli("validate", str(tmp_path / "nope.xlsx")).returncode == 2
    # the feedback workbook: red/yellow cells with comments, and a linked issue list
    fb = openpyxl.load_workbook(tmp_path / "fb" / "bad-反馈.xlsx")
    assert fb.sheetnames[0] == "问题清单"
    said = " ".join(str(c) for r in fb["问题清单"].iter_rows(max_row=5, values_only=True) for c in r if c)
    made = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    assert "（北京时间）" in said and made.strftime("%Y-%m-%d") in said  # made-at in Beijing time, whatever the server's zone
    ws = fb[form.main.name]
    col, row = where(form, "layer", 0)
    assert ws[f"{col}{row}"].fill.fgColor.rgb.endswith("FF7C80") and "不是可选值" in ws[f"{col}{row}"].comment.text
    col, row = where(form, "build_amount", 1)
    assert ws[f"{col}{row}"].fill.fgColor.rgb.endswith("FFE699")
    links = [c.hyperlink.location for r in fb["问题清单"].iter_rows(min_row=6) for c in r if c.hyperlink]
    assert f"'{form.main.name}'!{where(form, 'layer', 0)[0]}{where(form, 'layer', 0)[1]}" in links
    assert not (tmp_path / "fb" / "good-反馈.xlsx").exists()
    # it opens in LibreOffice, and validates to the same problems as the original
    saved = libreoffice_roundtrip(tmp_path / "fb" / "bad-反馈.xlsx", tmp_path / "lo")
    again = Validator(form).validate(saved)
    assert {i.code for i in again.issues} == {i["code"] for i in f["issues"]} >= {"CELL_ENUM", "RULE_AMOUNT_LOOKS_YUAN"}


def test_true_and_1_stay_apart_in_a_long_table_and_numbers_0_and_1_keep_the_fast_path():
    from inventory.intake.tables import _column_cells, _grid_codes

    rows = [["甲", 1.0, 0.0] for _ in range(100)]
    assert _grid_codes(rows, booleans=True) is not None  # counts of 0 and 1, no TRUE/FALSE: one pass over the block
    rows[40][0], rows[70][0] = True, 1.0  # a TRUE cell and a 1 in one text column
    rows[50][2] = False
    cells = {key: [distinct[c] for c in codes.tolist()] for key, distinct, codes in _column_cells(rows, {"a": 0, "b": 1, "c": 2}, True)}
    assert cells["a"][40] is True and cells["a"][70] == 1.0 and cells["a"][70] is not True
    assert cells["c"][50] is False and cells["c"][51] == 0.0 and cells["c"][51] is not False
    assert cells["b"] == [1.0] * 100


def test_remembered_cells_answer_as_the_first_time_and_never_share_what_they_hand_out():
    from inventory.form.normalize import _plain_normaliser, normaliser

    multi = normaliser("multi", ["政府内部", "企业", "公众"])
    first, again = multi("企业、公众"), multi("企业、公众")
    assert first == again == _plain_normaliser("multi", ("政府内部", "企业", "公众"))("企业、公众")
    first[0].append("改过")  # a caller changing its list changes no one else's
    assert multi("企业、公众")[0] == ["企业", "公众"]
    text = normaliser("text", None)
    assert text(True) == _plain_normaliser("text", None)(True) and text(1) == _plain_normaliser("text", None)(1)  # TRUE is not 1
    assert text(-0.0) == _plain_normaliser("text", None)(-0.0) and text(0.0) == _plain_normaliser("text", None)(0.0)
