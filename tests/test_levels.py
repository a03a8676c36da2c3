"""Field classes and output levels: every report (coverage, issues, inventory, brief, unit) in every
format (json, md, html, xlsx, the terminal's table) at every level (公开, 内部, 敏感), with a sentinel
in every sensitive free-text field; a sentinel must not appear below 敏感, and must at 敏感 (so the
test can fail). The portal gives a reviewer 内部 and an admin 敏感."""

from __future__ import annotations

import json

import openpyxl
import pytest
import test_portal
from conftest import run_cli
from test_portal import Browser, make_return, upload

from inventory.demo.synth import clean_return, write_return
from inventory.form.levels import field_classes, load_levels

portal = test_portal.portal

SYSTEM_SENTINELS = {
    "url": "http://10.77.31.9/sentinel-portal",
    "os": "SentinelOS-7.3.1",
    "database": "SentinelDB-5.5",
    "virt_vendor": "SentinelVirt",
    "mlps_filing_no": "SENTINEL-FILING-001",
}
UNIT_SENTINELS = {"contact_name": "哨兵联系人", "contact_phone": "13912345678", "contact_email": "sentinel@example.gov.cn"}
SENTINELS = [*SYSTEM_SENTINELS.values(), *UNIT_SENTINELS.values()]
KINDS = ("coverage", "issues", "inventory", "brief", "unit")


def sentinel_return(tmp_path, form, roster, short="人社厅", name="hr.xlsx"):
    unit = roster.resolve(short)
    values, rows = clean_return(form, unit, 6, seed=7)
    values.update(UNIT_SENTINELS)
    for row in rows[form.main.name]:
        row.update(SYSTEM_SENTINELS)
        row["virtualized"] = "是"
        row["mlps_filing"] = "已备案"
    return write_return(tmp_path / name, form, unit, values, rows)


def rendered(path, fmt: str) -> str:
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    return path.read_text(encoding="utf-8")


def test_every_sensitive_field_is_classed_and_the_levels_are_ordered(form):
    classes = field_classes(form)
    cfg = load_levels()
    assert cfg["levels"] == ["公开", "内部", "敏感"] and cfg["default"] == "内部"
    assert {k for k, c in classes.items() if c == "敏感"} >= {*SYSTEM_SENTINELS, *UNIT_SENTINELS, "networks", "mlps_level"}
    assert all(c in cfg["levels"] for c in classes.values())


def test_no_sensitive_value_leaks_below_its_level(tmp_path, form, roster):
    from inventory.report import Reports
    from inventory.report.formats import write_report
    from inventory.store.db import open_db

    db = f"sqlite:///{tmp_path / 'levels.db'}"
    path = sentinel_return(tmp_path, form, roster)
    imported = run_cli("import", str(path), "--db", db)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    reports = Reports(open_db(db), form=form)
    for level in ("公开", "内部", "敏感"):
        reports.at_level(level)
        seen: set[str] = set()
        for kind in KINDS:
            data = reports.unit("人社厅") if kind == "unit" else getattr(reports, kind)()
            for fmt in ("json", "md", "html", "xlsx"):
                out = tmp_path / f"{kind}-{level}.{fmt}"
                write_report(kind, data, fmt, out, form)
                text = rendered(out, fmt)
                found = {s for s in SENTINELS if s in text}
                if level != "敏感":
                    assert not found, (kind, fmt, level, found)
                seen |= found
        if level == "敏感":
            assert set(SYSTEM_SENTINELS.values()) <= seen  # the full level shows them: the check above can fail
    # the CLI: default 内部, --level 敏感 on request, the terminal's tables too, a wrong level said in Chinese
    plain = run_cli("report", "inventory", "--format", "json", "--db", db).stdout
    assert not any(s in plain for s in SENTINELS) and "（已隐去）" in plain
    full = run_cli("report", "inventory", "--format", "json", "--level", "敏感", "--db", db).stdout
    assert all(s in full for s in SYSTEM_SENTINELS.values())
    for kind in ("coverage", "issues"):
        table = run_cli("report", kind, "--db", db, env={"COLUMNS": "250"}).stdout
        assert table and not any(s in table for s in SENTINELS), kind
    wrong = run_cli("report", "inventory", "--level", "绝密", "--db", db)
    assert wrong.returncode == 2 and "--level 只能是" in wrong.stderr
    folder = tmp_path / "all"
    assert run_cli("report", "unit", "--all", "--format", "json", "-o", str(folder), "--db", db).returncode == 0
    every = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.json"))
    assert every and not any(s in every for s in SENTINELS)


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_the_portal_exports_at_the_roles_level(portal, form, roster, role):
    app, office, units, tmp, _ = portal
    from inventory.store import accounts

    upload(units["人社厅"], sentinel_return(tmp, form, roster))
    b = office
    if role == "reviewer":
        accounts.create_account(app.state.engine, "rev", "reviewer", password="Shen-he-2026-Qz")
        b = Browser(app)
        b.login("rev", "Shen-he-2026-Qz")
    for path in ("/office/reports/inventory.json", "/office/reports/inventory.html", "/office/reports/issues.md"):
        text = b.get(path).text
        leaked = [s for s in SYSTEM_SENTINELS.values() if s in text]
        assert (leaked == []) if role == "reviewer" else (path != "/office/reports/inventory.json" or leaked), (path, leaked)
    sid = json.loads(run_cli("submissions", "list", "--json", "--db", app.state.settings.db).stdout)[0]["id"]
    review = b.get(f"/office/submissions/{sid}").text  # the review page's systems table: 等保定级 is 敏感
    assert ("（已隐去）" in review) == (role == "reviewer")
    assert units["人社厅"].get("/unit/report").status_code == 200  # a unit's own report: its own data, whole
    assert make_return  # shared helpers are the portal tests'


def test_the_changes_between_rounds_are_masked_too(tmp_path, form, roster):
    db = f"sqlite:///{tmp_path / 'changes.db'}"
    assert run_cli("import", str(sentinel_return(tmp_path, form, roster)), "--db", db).returncode == 0
    assert run_cli("round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--db", db).returncode == 0
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 6, seed=7)
    values.update(UNIT_SENTINELS)
    for row in rows[form.main.name]:
        row.update(SYSTEM_SENTINELS, os="SentinelOS-8.0", virtualized="是", mlps_filing="已备案", change_mark="有变化")
    later = write_return(tmp_path / "hr-2026.xlsx", form, unit, values, rows)
    assert run_cli("import", str(later), "--db", db).returncode == 0
    plain = run_cli("report", "changes", "--from", "2025", "--format", "json", "--db", db).stdout
    assert "changed" in plain and "SentinelOS" not in plain and "（已隐去）" in plain
    full = run_cli("report", "changes", "--from", "2025", "--format", "json", "--level", "敏感", "--db", db).stdout
    assert "SentinelOS-7.3.1" in full and "SentinelOS-8.0" in full


def test_the_readme_s_first_command_runs_the_whole_demo(tmp_path):
    """`inventory demo` is the README's main job: it must run through, on the embedded default, every commit."""
    done = run_cli("demo", "--dir", str(tmp_path / "demo"), env={"COLUMNS": "200"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "演示完成" in done.stdout and "Traceback" not in done.stderr
    made = tmp_path / "demo"
    assert (made / "inventory.db").exists() and any((made / "reports").rglob("*.html")) and any((made / "feedback").glob("*.xlsx"))
