"""Generated templates, read back by real readers (openpyxl, LibreOffice)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from conftest import cli_json, libreoffice_roundtrip, run_cli, soffice
from openpyxl.utils import range_boundaries

from inventory.template import LISTS_SHEET, META_SHEET


def _list_values(wb, formula: str) -> list[str]:
    name = formula.lstrip("=")
    defined = wb.defined_names[name]
    ((sheet, ref),) = list(defined.destinations)
    min_col, min_row, _max_col, max_row = range_boundaries(ref.replace("$", ""))
    ws = wb[sheet]
    return [ws.cell(row=r, column=min_col).value for r in range(min_row, max_row + 1)]


def _validations_at(ws, cell: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


def test_pilot_templates_are_seven_with_meta_and_prefill(pilot_templates, form, roster):
    assert len(pilot_templates) == 7
    for path, unit in zip(pilot_templates, roster.pilots(), strict=True):
        wb = openpyxl.load_workbook(path)
        meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
        assert meta["form_id"] == form.id and meta["form_version"] == form.version
        assert meta["unit_name"] == unit.name
        assert wb[META_SHEET].sheet_state == "veryHidden" and wb[LISTS_SHEET].sheet_state == "veryHidden"
        props = {p.name: p.value for p in wb.custom_doc_props.props}
        assert props["form_version"] == form.version and props["unit_name"] == unit.name
        unit_ws = wb[form.unit_sheet.name]
        assert unit_ws[form.unit_sheet.by_key["unit_name"].position].value == unit.name
        assert unit_ws[form.unit_sheet.by_key["level"].position].value == unit.level
        assert wb.sheetnames[0] == "填表说明"


def test_headers_validations_and_formats_match_the_schema(pilot_templates, form):
    wb = openpyxl.load_workbook(pilot_templates[0])
    for sheet in form.sheets:
        ws = wb[sheet.name]
        for f in sheet.fields:
            if sheet.layout == "table":
                assert ws[f"{f.position}{sheet.header_row}"].value == f.header
                probe = f"{f.position}{sheet.first_data_row}"
            else:
                label_row = int(f.position[1:])
                assert ws.cell(row=label_row, column=1).value == f.header
                probe = f.position
            dvs = _validations_at(ws, probe)
            assert dvs, f"{sheet.name}.{f.key} has no validation / prompt"
            assert all(dv.showInputMessage and dv.showErrorMessage for dv in dvs)
            if f.enum:
                lists = [dv for dv in dvs if dv.type == "list"]
                assert lists, f"{sheet.name}.{f.key} has no dropdown"
                assert _list_values(wb, lists[0].formula1) == list(f.enum)
            # a table column carries its format (the cells below the header are not written at all)
            fmt = ws.column_dimensions[f.position].number_format if sheet.layout == "table" else ws[probe].number_format
            if f.type in ("code", "uscc", "phone"):
                assert fmt == "@", f"{sheet.name}.{f.key} is not text-formatted"
            if f.type == "date":
                assert fmt == "yyyy-mm-dd"
        # no inline list longer than Excel's 255-character limit
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list" and dv.formula1 and dv.formula1.startswith('"'):
                assert len(dv.formula1) <= 255


def test_required_cells_turn_red_when_the_row_has_a_name(pilot_templates, form):
    ws = openpyxl.load_workbook(pilot_templates[0])[form.main.name]
    name_col = form.main.by_key[form.main.name_field].position
    rules = {str(rng.sqref).split(":")[0]: [r.formula[0] for r in rng.rules] for rng in ws.conditional_formatting}
    for f in form.main.fields:
        if f.required and f.key != form.main.name_field:
            formulas = rules.get(f"{f.position}{form.main.first_data_row}")
            assert formulas and f"${name_col}{form.main.first_data_row}" in formulas[0]
    # conditionally required: golive date is red only for systems in use
    golive = form.main.by_key["golive_date"].position
    assert "在用" in rules[f"{golive}{form.main.first_data_row}"][0]


def test_header_is_frozen_and_instructions_list_every_field(pilot_templates, form):
    wb = openpyxl.load_workbook(pilot_templates[0])
    assert wb[form.main.name].freeze_panes.endswith(str(form.main.first_data_row))
    text = {str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value}
    for sheet in form.sheets:
        for f in sheet.fields:
            assert f.title in text


def test_a_field_required_in_some_cases_is_not_coloured_optional(pilot_templates, form):
    """建设起始时间 is required for a system the unit builds itself: its header is light blue, like the
    recommended ones, never the grey of 选填; `schema show` calls it 条件 too."""
    ws = openpyxl.load_workbook(pilot_templates[0])[form.main.name]
    colour = {f.key: ws[f"{f.position}{form.main.header_row}"].fill.fgColor.rgb[-6:] for f in form.main.fields}
    assert colour["build_start"] == "DDEBF7" and colour["system_name"] == "F8CBAD"
    assert all(colour[k] != "EDEDED" for k in form.main.conditional)
    described = {f["key"]: f for s in cli_json("schema", "show", "--json")["sheets"] for f in s["fields"]}
    assert described["build_start"]["required_when"] and not described["build_start"]["required"]


def test_schema_show_gives_the_real_position_of_every_field(pilot_templates):
    desc = cli_json("schema", "show", "--json")
    wb = openpyxl.load_workbook(pilot_templates[0])
    for sheet in desc["sheets"]:
        ws = wb[sheet["name"]]
        for f in sheet["fields"]:
            if sheet["layout"] == "table":
                assert ws[f"{f['column']}{sheet['header_row']}"].value == f["title"]
            else:
                assert ws.cell(row=int(f["cell"][1:]), column=1).value == f["title"]


def test_template_survives_libreoffice(pilot_templates, tmp_path, form):
    src = pilot_templates[0]
    out = libreoffice_roundtrip(src, tmp_path / "lo")
    before, after = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    assert after.sheetnames == before.sheetnames
    for sheet in form.sheets:
        b = before[sheet.name].data_validations.dataValidation
        a = after[sheet.name].data_validations.dataValidation
        assert len(a) == len(b)
        lists_after = sorted(dv.formula1.lstrip("=") for dv in a if dv.type == "list")
        lists_before = sorted(dv.formula1.lstrip("=") for dv in b if dv.type == "list")
        assert lists_after == lists_before
        for dv in a:
            if dv.type == "list":
                assert _list_values(after, dv.formula1) == _list_values(before, dv.formula1)


def _uno_python() -> str | None:
    for exe in ("/usr/bin/python3", shutil.which("python3")):
        if exe and subprocess.run([exe, "-c", "import uno"], capture_output=True).returncode == 0:
            return exe
    return None


def test_formats_and_dropdowns_reach_rows_the_unit_types_into(pilot_templates, tmp_path, form):
    """No styled empty rows are shipped: the column carries the format. Typed in LibreOffice far below
    the header, a code keeps its leading zeros and a long credit code all its digits, and the cell is
    still inside its dropdown's range; a plain text column turns the same keystrokes into a number."""
    exe, office = _uno_python(), soffice()
    if not exe or not office:
        pytest.skip("LibreOffice with its Python (python3-uno) is not installed")
    main = form.main
    row = main.first_data_row + main.max_rows - 1  # the last row the form allows
    col = {k: main.by_key[k].position for k in ("system_no", "owner_uscc", "build_amount", "system_name", "status")}
    wb = openpyxl.load_workbook(pilot_templates[0])
    ws = wb[main.name]
    assert ws.max_row <= main.header_row + 1  # nothing styled below the header
    typed = tmp_path / "typed.xlsx"
    cells = [
        [main.name, f"{col['system_no']}{row}", "0012"],
        [main.name, f"{col['owner_uscc']}{row}", "915100007118825621"],
        [main.name, f"{col['build_amount']}{row}", "12.5"],
        [main.name, f"{col['system_name']}{row}", "0012"],
    ]
    here = Path(__file__).parent
    subprocess.run(
        [exe, str(here / "lo_type.py"), str(pilot_templates[0]), str(typed), json.dumps(cells, ensure_ascii=False)], check=True, timeout=300
    )
    ws = openpyxl.load_workbook(typed)[main.name]
    assert ws[f"{col['system_no']}{row}"].value == "0012"
    assert ws[f"{col['owner_uscc']}{row}"].value == "915100007118825621"
    assert (
        ws[f"{col['build_amount']}{row}"].value == 12.5
        and ws[f"{col['build_amount']}{row}"].number_format == main.by_key["build_amount"].number_format
    )
    assert ws[f"{col['system_name']}{row}"].value == 12  # General: the same keystrokes make a number
    status = [
        dv for dv in ws.data_validations.dataValidation if dv.type == "list" and f"{col['status']}{main.first_data_row}" in str(dv.sqref)
    ]
    assert status and f"{col['status']}{row}" in status[0].sqref


def test_cli_builds_pilot_templates(tmp_path):
    proc = run_cli("template", "build", "--pilot", "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 7


def test_unknown_unit_gets_chinese_message_with_closest_names(tmp_path):
    proc = run_cli("template", "build", "--unit", "人社处", "-o", str(tmp_path / "x.xlsx"))
    assert proc.returncode == 2
    assert "名册中没有单位" in proc.stderr and "四川省人力资源和社会保障厅" in proc.stderr
    assert "Traceback" not in proc.stderr
    many = run_cli("template", "build", "--unit", "人社局", "-o", str(tmp_path / "x.xlsx"))  # every city's and county's
    assert many.returncode == 2 and "名册中有 204 个单位的名称含“人社局”" in many.stderr and "--under" in many.stderr


@pytest.mark.parametrize("target", ["/proc/forbidden/x.xlsx", "/dev/null/x.xlsx"])
def test_unwritable_output_is_a_clear_error(target):
    proc = run_cli("template", "build", "-o", target)
    assert proc.returncode == 3
    assert "无法写入" in proc.stderr and "Traceback" not in proc.stderr


def test_units_list_json_shape():
    units = cli_json("units", "list", "--json")
    assert len(units) >= 61
    for u in units:
        assert {"name", "short_name", "aliases", "kind", "level", "region_code", "pilot"} <= set(u)
    assert len(cli_json("units", "list", "--pilot", "--json")) == 7
