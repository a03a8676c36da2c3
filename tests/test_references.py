"""Cross-checks against the lists the province holds: lists generated from what the units reported,
with seeded mismatches; every seeded mismatch is found and no clean system is flagged."""

from __future__ import annotations

import csv
import json

import openpyxl
from conftest import run_cli

from inventory.demo.synth import clean_return, write_return
from inventory.report import Reports
from inventory.store.db import open_db


def test_every_seeded_mismatch_is_found_and_nothing_else(tmp_path, form, roster, db_url):
    files = []
    for i, short in enumerate(("人社厅", "成都")):
        unit = roster.resolve(short)
        values, rows = clean_return(form, unit, 14, seed=70 + i)
        files.append(write_return(tmp_path / f"{short}.xlsx", form, unit, values, rows))
    assert run_cli("import", *map(str, files), "--db", db_url).returncode == 0
    systems = [s for s in Reports(open_db(db_url)).inventory()["systems"]]
    v = [s["values"] for s in systems]
    cloud = [x for x in v if x.get("status") == "在用" and x.get("deploy_location") in ("省级政务云", "市（州）级政务云")]
    filed = [x for x in v if x.get("mlps_filing") == "已备案" and x.get("mlps_filing_no")]
    priced = [x for x in v if isinstance(x.get("build_amount"), (int, float)) and x["build_amount"] < 10000]
    assert len(cloud) >= 3 and len(filed) >= 2 and len(priced) >= 2, (len(cloud), len(filed), len(priced))
    not_in_cloud, unfiled, costly = cloud[0], filed[-1], priced[1]

    # 政务云租户台账 as CSV (UTF-8 with BOM, as Excel saves it): all but one, plus one the units never reported
    with open(tmp_path / "cloud.csv", "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["序号", "租户单位", "应用名称", "租户名称"])
        for i, x in enumerate(c for c in cloud if c is not not_in_cloud):
            w.writerow([i + 1, x["owner_unit"], x["system_name"], f"租户{i}"])
        w.writerow([99, "四川省人力资源和社会保障厅", "四川省人力资源市场供求监测平台", "租户99"])
    # 等保备案清单 as CSV in GB18030 (an older Excel's default): every filing but one
    with open(tmp_path / "mlps.csv", "w", newline="", encoding="gb18030") as f:
        w = csv.writer(f)
        w.writerow(["备案单位", "定级对象名称", "安全保护等级", "备案证明编号"])
        for x in filed:
            if x is not unfiled:
                w.writerow([x["owner_unit"], x["system_name"], x.get("mlps_level"), x["mlps_filing_no"]])
    # 项目库 as xlsx with a title row above the header: one amount far from what was reported
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年政务信息化项目库"])
    ws.append(["项目单位", "项目名称", "批复金额（万元）"])
    for x in priced:
        ws.append([x["owner_unit"], x["system_name"], x["build_amount"] * 3 + 100 if x is costly else x["build_amount"]])
    wb.save(tmp_path / "projects.xlsx")
    for kind, name in (("cloud", "cloud.csv"), ("mlps", "mlps.csv"), ("projects", "projects.xlsx")):
        proc = run_cli("reference", "import", kind, str(tmp_path / name), "--db", db_url)
        assert proc.returncode == 0, proc.stderr
    listed = {r["kind"]: r["rows"] for r in json.loads(run_cli("reference", "list", "--json", "--db", db_url).stdout)}
    assert listed == {"cloud": len(cloud), "mlps": len(filed) - 1, "projects": len(priced)}

    found = {
        (f["code"], f["system"])
        for f in json.loads(run_cli("report", "issues", "--json", "--db", db_url).stdout)["findings"]
        if f["code"].startswith("FIND_REF")
    }
    assert found == {
        ("FIND_REF_NOT_IN_CLOUD", not_in_cloud["system_name"]),
        ("FIND_REF_FILING_UNKNOWN", unfiled["system_name"]),
        ("FIND_REF_AMOUNT", costly["system_name"]),
        ("FIND_REF_UNREPORTED", "四川省人力资源市场供求监测平台"),
    }
    # each shows its evidence, and the unit's own report lists it
    unit_report = json.loads(run_cli("report", "unit", "--unit", "人社厅", "--json", "--db", db_url).stdout)
    assert any(
        k["code"] == "FIND_REF_UNREPORTED" and "cloud.csv 第" in json.dumps(k["items"], ensure_ascii=False) for k in unit_report["findings"]
    )


def test_a_list_without_the_needed_columns_is_refused_clearly(tmp_path, db_url):
    (tmp_path / "bad.csv").write_text("序号,名称\n1,某系统\n", encoding="utf-8")
    proc = run_cli("reference", "import", "cloud", str(tmp_path / "bad.csv"), "--db", db_url)
    assert proc.returncode == 2 and "找不到表头" in proc.stderr and "Traceback" not in proc.stderr
    assert run_cli("reference", "import", "budget", str(tmp_path / "bad.csv"), "--db", db_url).returncode == 2
