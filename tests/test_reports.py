"""Reports from a database filled through the importer with returns whose problems are known."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import subprocess
import zipfile

import openpyxl
import pytest
from conftest import chromium, run_cli
from sqlalchemy import select

from inventory.demo.synth import child_rows, clean_return, write_return
from inventory.errors import UsageError
from inventory.intake.reader import read_workbook
from inventory.report import Reports
from inventory.report.formats import write_report
from inventory.store.db import open_db
from inventory.store.importer import Importer

SEEDS = {
    # system name suffix -> (changes, expected finding)
    "自建机房系统": ({"deploy_location": "本单位自建机房"}, "FIND_NOT_ON_CLOUD"),
    "未定级系统": (
        {
            "mlps_level": "未定级",
            "mlps_filing": "不需备案",
            "mlps_filing_no": None,
            "mlps_test_date": None,
            "crypto_status": "不适用",
            "crypto_date": None,
        },
        "FIND_MLPS_NOT_GRADED",
    ),
    "测评超期系统": (
        {
            "mlps_level": "第三级",
            "mlps_test_date": "2023-03-01",
            "crypto_status": "已开展-通过",
            "crypto_date": "2025-01-10",
            "disaster_recovery": "是",
        },
        "FIND_MLPS_TEST_OVERDUE",
    ),
    "未密评系统": (
        {"mlps_level": "第三级", "crypto_status": "未开展", "crypto_date": None, "disaster_recovery": "是"},
        "FIND_CRYPTO_MISSING",
    ),
    "无人使用系统": ({"monthly_active": 3, "om_amount": 60, "om_fund_source": "省级财政"}, "FIND_ZOMBIE_SUSPECT"),
    "合同到期系统": ({"om_contract_end": "2024-12-31", "om_mode": "外包服务"}, "FIND_OM_CONTRACT_EXPIRED"),
    "专网系统": ({"networks": "电子政务外网、业务专网"}, "FIND_PRIVATE_NETWORK"),
    "孤岛系统": ({"interconnect": "否，无对接", "category": "业务应用系统", "scope": "省市县三级"}, "FIND_NOT_SHARED"),
    "金额按元系统": ({"build_amount": 3500000, "total_invest": 3600000, "fund_source": "省级财政"}, "FIND_AMOUNT_YUAN"),
    "单备份系统": (
        {
            "backup_mode": "本地",
            "mlps_level": "第三级",
            "crypto_status": "已开展-通过",
            "crypto_date": "2025-01-10",
            "disaster_recovery": "是",
        },
        "FIND_NO_BACKUP",
    ),
}


def finding_free(form, systems, prefix):
    """In-use systems with nothing to find: on the cloud, shared, backed up off-site, used."""
    out = []
    for s in systems:
        if s["status"] != "在用" or "不动产" in s["system_name"]:
            continue
        s.update(
            build_mode="自行建设",  # findings about security and the cloud are the builder's, not a user's
            deploy_location="省级政务云",
            interconnect="是，对接省政务信息共享平台",
            backup_mode="本地和异地",
            disaster_recovery="是",
            catalogued="是",
            monthly_active=max(s["monthly_active"], 500),
            networks="电子政务外网",
        )
        out.append(s)
    return out


@pytest.fixture(scope="module")
def filled(tmp_path_factory, form, roster):
    """A database with four units: seeded findings, duplicates, a rejected return, one that never returned."""
    tmp = tmp_path_factory.mktemp("reports")
    url = f"sqlite:///{tmp / 'r.db'}"
    importer = Importer(open_db(url))
    rng = random.Random(4)
    names: dict[str, set[str]] = {"clean": set()}
    # 人社厅: clean systems plus one seeded system per finding
    hr = roster.resolve("人社厅")
    values, rows = clean_return(form, hr, 40, seed=1)
    systems = finding_free(form, rows[form.main.name], "四川省")
    names["clean"] |= {s["system_name"] for s in systems}
    base = systems[0]
    for i, (suffix, (changes, _code)) in enumerate(SEEDS.items()):
        s = copy.deepcopy(base)
        s.update(system_no=f"SD-{i:03d}", system_name=f"四川省{suffix}")
        for k, v in changes.items():
            if v is None:
                s.pop(k, None)
            else:
                s[k] = v
        systems.append(s)
    delayed = {
        **copy.deepcopy(base),
        "system_no": "SD-900",
        "system_name": "四川省延期在建系统",
        "status": "在建",
        "build_stage": "系统开发",
        "contract_amount": base["build_amount"],
        "contract_sign_date": dt.date(2024, 3, 1),
        "contract_end_date": dt.date(2025, 3, 1),
        "planned_golive": "2025-03",
    }
    for k in (
        "golive_date",
        "om_vendor",
        "om_amount",
        "om_mode",
        "registered_users",
        "monthly_active",
        "mlps_level",
        "mlps_filing",
        "mlps_filing_no",
        "mlps_test_date",
        "crypto_status",
        "crypto_date",
        "om_contract_end",
        "total_invest",
        "om_fund_source",
        "annual_volume",
        "mlps_test_result",
    ):
        delayed.pop(k, None)
    systems.append(delayed)
    rows = {form.main.name: systems, **child_rows(form, systems, rng)}
    write = [write_return(tmp / "hr.xlsx", form, hr, values, rows)]
    # 成都: clean systems, one vertical system also reported by 人社厅, one near-duplicate of 自然资源厅's
    cd = roster.resolve("成都")
    values, rows = clean_return(form, cd, 30, seed=2)
    systems = finding_free(form, rows[form.main.name], "成都市")
    names["clean"] |= {s["system_name"] for s in systems}
    dup = {**copy.deepcopy(systems[0]), "system_no": "DUP-1", "system_name": base["system_name"]}
    near = {**copy.deepcopy(systems[0]), "system_no": "DUP-2", "system_name": "成都市不动产登记服务平台"}
    systems += [dup, near]
    rows = {form.main.name: systems, **child_rows(form, systems, rng)}
    write.append(write_return(tmp / "cd.xlsx", form, cd, values, rows))
    # 自然资源厅: one system the 成都 one resembles
    nr = roster.resolve("自然资源厅")
    values, rows = clean_return(form, nr, 20, seed=3)
    systems = finding_free(form, rows[form.main.name], "四川省")
    names["clean"] |= {s["system_name"] for s in systems}
    systems.append({**copy.deepcopy(systems[0]), "system_no": "DUP-3", "system_name": "四川省不动产登记管理信息系统"})
    rows = {form.main.name: systems, **child_rows(form, systems, rng)}
    write.append(write_return(tmp / "nr.xlsx", form, nr, values, rows))
    # 交通运输厅: a return with an error, rejected
    tr = roster.resolve("交通运输厅")
    values, rows = clean_return(form, tr, 5, seed=4)
    rows[form.main.name][0]["layer"] = "应用"
    write.append(write_return(tmp / "tr.xlsx", form, tr, values, rows))
    results = [importer.import_file(p) for p in write]
    assert [r.status for r in results] == ["imported", "imported", "imported", "rejected"], [r.report.issues[:3] for r in results]
    names["clean"] -= {base["system_name"]}
    return url, names, tmp


def test_each_seeded_finding_is_reported_and_clean_systems_are_not(filled):
    url, names, _ = filled
    data = Reports(open_db(url)).issues()
    by_system: dict[str, set[str]] = {}
    for f in data["findings"]:
        by_system.setdefault(f["system"], set()).add(f["code"])
    for suffix, (_changes, code) in SEEDS.items():
        assert code in by_system.get(f"四川省{suffix}", set()), (suffix, by_system.get(f"四川省{suffix}"))
    assert "FIND_BUILD_DELAYED" in by_system["四川省延期在建系统"]
    flagged_clean = {name: codes for name, codes in by_system.items() if name in names["clean"]}
    assert flagged_clean == {}, flagged_clean
    dups = {f["code"]: f for f in data["findings"] if f["code"].startswith("FIND_DUPLICATE")}
    assert {e["单位"] for e in dups["FIND_DUPLICATE_REPORT"]["evidence"]["系统"]} == {"四川省人力资源和社会保障厅", "成都市人民政府"}
    build = dups["FIND_DUPLICATE_BUILD"]
    assert {e["系统名称"] for e in build["evidence"]["系统"]} == {"成都市不动产登记服务平台", "四川省不动产登记管理信息系统"}
    why = build["evidence"]["关联依据"][0]  # the evidence says which words and signals linked them
    assert why["依据"] and "不动产" in why["相同业务词"] and why["名称相似度"] >= 0.8
    # validation issues of the rejected return are in the report, with their unit
    assert any(i["code"] == "CELL_ENUM" and i["unit"] == "四川省交通运输厅" for i in data["issues"])


def test_time_based_findings_follow_the_reference_date(filled):
    url, _, _ = filled
    early = Reports(open_db(url), as_of=dt.date(2024, 6, 30)).issues()
    systems = {f["system"] for f in early["findings"] if f["code"] in ("FIND_OM_CONTRACT_EXPIRED", "FIND_BUILD_DELAYED")}
    assert "四川省合同到期系统" not in systems and "四川省延期在建系统" not in systems


def test_coverage_statuses_totals_and_scope(filled, roster):
    url, _, _ = filled
    data = Reports(open_db(url), scope="pilot").coverage()
    units = {u["short_name"]: u for u in data["units"]}
    assert len(units) == 7
    assert units["人力资源社会保障厅"]["status"] == "accepted" and units["交通运输厅"]["status"] == "rejected"
    assert units["遂宁市"]["status"] == "not_submitted" and units["遂宁市"]["last_submitted_at"] is None
    assert units["交通运输厅"]["errors"] == 1 and units["交通运输厅"]["submissions"] == 1
    assert 0.9 < units["人力资源社会保障厅"]["completeness"] <= 1 and 0 < units["人力资源社会保障厅"]["completeness_recommended"] < 1
    t = data["totals"]
    assert (t["units_expected"], t["units_submitted"], t["units_accepted"]) == (7, 4, 3)
    assert t["systems"] == sum(u["systems"] for u in data["units"])
    for u in data["units"]:
        assert {
            "unit",
            "short_name",
            "kind",
            "pilot",
            "status",
            "systems",
            "completeness",
            "errors",
            "warnings",
            "submissions",
            "last_submitted_at",
        } <= set(u)
        assert roster.get(u["unit"]) is not None
    # the whole tree: every department and 下属单位, and each government node without children, reports
    whole = Reports(open_db(url), scope="all").coverage()["units"]
    expected = [u for u in roster if u.parent and (not u.is_government or not roster.children(u))]
    cities = [u for u in whole if u["kind"] == "市（州）"]  # and the pilot cities that sent a city return of their own
    assert len(whole) == len(expected) + len(cities) and cities and all(u["submissions"] for u in cities)
    assert "遂宁市" not in {u["short_name"] for u in whole}


def test_inventory_scores_recommendations_and_reimportable_xlsx(filled, form, tmp_path):
    url, _, _ = filled
    data = Reports(open_db(url)).inventory()
    by_name = {s["values"]["system_name"]: s for s in data["systems"]}
    zombie = by_name["四川省无人使用系统"]
    assert zombie["recommendation"] == "关停下线" and zombie["scores"]["应用成效"] < 100
    assert by_name["四川省自建机房系统"]["recommendation"] == "迁移上云"
    assert by_name["成都市不动产登记服务平台"]["recommendation"] == "整合"
    assert all(0 <= s["score"] <= 100 for s in data["systems"])
    path = write_report("inventory", data, "xlsx", tmp_path / "inv.xlsx", form)
    wb = openpyxl.load_workbook(path)
    ws = wb[form.main.name]
    assert [ws.cell(row=form.main.header_row, column=i + 1).value for i in range(len(form.main.fields))] == [
        f.header for f in form.main.fields
    ]
    assert ws.freeze_panes == f"A{form.main.header_row + 1}" and ws.auto_filter.ref
    back = read_workbook(path, form)
    assert len(back.sheets[form.main.name].records) == len(data["systems"])
    assert not [i for i in back.issues if i.code in ("HEADER_MISSING", "HEADER_MISSING_OPTIONAL", "HEADER_RENAMED")]


def test_exports_neutralise_formulas(filled, form, tmp_path):
    url, _, _ = filled
    data = Reports(open_db(url)).inventory()
    data["systems"][0]["values"]["system_name"] = '=HYPERLINK("http://x.example","点我")'
    data["systems"][0]["values"]["remark"] = "+1+2"
    data["systems"][1]["values"]["remark"] = "@SUM(A1)"
    path = write_report("inventory", data, "xlsx", tmp_path / "inj.xlsx", form)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name
    ws = openpyxl.load_workbook(path)[form.main.name]
    col = form.main.by_key["system_name"].position
    cell = ws[f"{col}{form.main.header_row + 1}"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    html = write_report("inventory", data, "html", None, form)
    assert "=HYPERLINK(&quot;http://x.example&quot;" in html
    data["systems"][2]["values"]["system_name"] = "</script><script>alert(1)</script>"
    html = write_report("inventory", data, "html", None, form)
    # the page's own script and its data block only; the name is escaped in the table and in the data
    assert html.count("<script") == 2 and "alert(1)</script>" not in html


def test_every_format_from_the_cli(filled, tmp_path):
    url, _, _ = filled
    cov = json.loads(run_cli("report", "coverage", "--json", "--db", url).stdout)
    assert cov["totals"]["units_accepted"] == 3 and cov["scope"] == "all"
    iss = json.loads(run_cli("report", "issues", "--format", "json", "--db", url).stdout)
    assert set(iss) >= {"issues", "findings"} and all(
        set(f) >= {"code", "severity", "unit", "system", "message", "evidence"} for f in iss["findings"]
    )
    for kind in ("coverage", "issues", "inventory"):
        for fmt in ("md", "html", "xlsx", "json"):
            out = tmp_path / f"{kind}.{fmt}"
            proc = run_cli("report", kind, "--format", fmt, "-o", str(out), "--db", url)
            assert proc.returncode == 0 and out.stat().st_size > 500, (kind, fmt, proc.stderr)
        assert run_cli("report", kind, "--format", "table", "--db", url).returncode == 0
    md = (tmp_path / "coverage.md").read_text(encoding="utf-8")
    assert "## 各单位报送情况" in md and "四川省人力资源和社会保障厅" in md
    wb = openpyxl.load_workbook(tmp_path / "issues.xlsx")
    assert {"评估发现", "评估发现汇总"} <= set(wb.sheetnames) and wb["评估发现"].freeze_panes == "A2"
    assert run_cli("report", "coverage", "--scope", "city", "--db", url).returncode == 2


def test_html_report_renders_its_charts_offline(filled, form, tmp_path):
    url, _, _ = filled
    reports = Reports(open_db(url))
    page = tmp_path / "coverage.html"
    write_report("coverage", reports.coverage(), "html", page, form)
    text = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert " src=" not in text and 'href="http' not in text  # nothing to fetch
    exe = chromium()
    if not exe:
        pytest.skip("Chromium is not installed")
    flags = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chrome'}",
        "--proxy-server=127.0.0.1:9",
        "--window-size=1200,1600",
    ]
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 20_000
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<svg") >= 2 and dom.count('class="bar"') >= 4
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    colours = {img.getpixel((x, y)) for x in range(0, img.width, 7) for y in range(0, min(img.height, 900), 7)}
    assert (46, 125, 50) in colours or any(abs(r - 46) < 12 and abs(g - 125) < 12 and abs(b - 50) < 12 for r, g, b in colours)


def test_shares_round_down_so_nothing_reads_complete_before_it_is():
    from inventory.report.coverage import share
    from inventory.report.sections import pct

    assert pct(0.9996) == "99.9%" and pct(1.0) == "100.0%" and pct(0.29) == "29.0%"
    assert share(9999, 10000) == 0.999 and share(29, 100) == 0.29 and share(3, 3) == 1.0 and share(0, 0) == 0.0


def test_coverage_headline_and_chase_list(filled):
    url, _, _ = filled
    data = Reports(open_db(url), scope="pilot").coverage()
    t = data["totals"]
    assert (t["units_accepted"], t["units_rejected"], t["units_not_submitted"]) == (3, 1, 3)
    assert t["accepted_share"] == 0.428  # 3/7 rounded down
    assert data["deadline"] is None and data["days_to_deadline"] is None  # the first round's date from the form passed before it opened
    chase = {c["short_name"]: c for c in data["chase"]}
    assert set(chase) == {"交通运输厅", "遂宁市", "德阳市", "市场监管局"} - {"市场监管局"} | {
        u["short_name"] for u in data["units"] if u["status"] == "not_submitted"
    }
    assert chase["交通运输厅"]["status"] == "rejected" and "1 处错误" in chase["交通运输厅"]["reason"]
    # the rejected unit is reached through the contact its own return gave; a silent unit has none
    assert chase["交通运输厅"]["contact"]["name"] and chase["交通运输厅"]["contact"]["phone"]
    assert chase["交通运输厅"]["contact_source"] == "最近报送"
    assert chase["遂宁市"]["contact"]["name"] is None and chase["遂宁市"]["reason"] == "未报送"
    groups = data["by_group"]
    assert sum(g["units_not_submitted"] for g in groups.values()) == 3


def test_unit_report_covers_systems_findings_duplicates_and_history(filled, roster):
    url, _, _ = filled
    reports = Reports(open_db(url))
    inventory = reports.inventory()
    hr = reports.unit("人社厅")
    assert hr["unit"]["name"] == "四川省人力资源和社会保障厅" and hr["status"] == "accepted"
    assert len(hr["systems"]) == sum(1 for s in inventory["systems"] if s["unit"] == hr["unit"]["name"])
    assert all(s["recommendation"] in ("保留", "整合", "迁移上云", "升级改造", "关停下线") and s["why"] for s in hr["systems"])
    kinds = {k["code"]: k for k in hr["findings"]}
    for _suffix, (_changes, code) in SEEDS.items():
        assert code in kinds, code
        assert kinds[code]["action"] and kinds[code]["basis"], code  # what to do and why, from forms/findings.json
    assert sum(k["count"] for k in kinds.values()) == hr["figures"]["findings"]
    # the vertical system it shares with 成都 names the other unit
    shared = [d for d in hr["shared_duplicates"] if d["code"] == "FIND_DUPLICATE_REPORT"]
    assert shared and shared[0]["others"][0]["unit"] == "成都市人民政府"
    assert "成都市人民政府" in shared[0]["other_units"] and shared[0]["others_total"] == len(shared[0]["others"])
    assert f"系统 {len(hr['systems'])} 个" in hr["summary"] and f"评估发现 {hr['figures']['findings']} 条" in hr["summary"]
    assert hr["submissions"][0]["status"] == "accepted"
    nr = reports.unit("自然资源厅")  # a group finding names the unit's own system, not the group's first
    build = next(k for k in nr["findings"] if k["code"] == "FIND_DUPLICATE_BUILD")
    assert [i["system"] for i in build["items"]] == ["四川省不动产登记管理信息系统"]
    cd = reports.unit("成都")
    own = {x["system_name"] for x in cd["systems"]}
    build = next(k for k in cd["findings"] if k["code"] == "FIND_DUPLICATE_BUILD")
    assert "成都市不动产登记服务平台" in [i["system"] for i in build["items"]] and all(i["system"] in own for i in build["items"])
    tr = reports.unit("交通运输厅")
    assert tr["status"] == "rejected" and tr["issues"] and "未通过校验" in tr["summary"] and not tr["systems"]
    sn = Reports(open_db(url), scope="pilot").unit("遂宁")  # a pilot city reports for its whole city
    assert sn["status"] == "not_submitted" and "尚未报送" in sn["summary"] and sn["submissions"] == []
    with pytest.raises(UsageError, match="是项目办"):  # in the whole tree it collects from its departments and counties
        reports.unit("遂宁")


def test_brief_adds_up(filled):
    url, _, _ = filled
    reports = Reports(open_db(url), scope="pilot")
    brief = reports.brief()
    inventory = reports.inventory()
    counted = [s for s in inventory["systems"] if s["counted"]]
    assert brief["systems_counted"] == len(counted) and sum(brief["recommendations"].values()) == len(counted)
    assert sum(brief["deployment"].values()) == len(counted)
    assert sum(k["count"] for k in brief["findings_by_kind"]) == brief["findings"] == len(reports.issues()["findings"])
    groups = {g["id"]: g for g in brief["duplicate_groups"]}
    by_row = {(s["unit"], s["row"]): s for s in inventory["systems"]}
    assert groups
    for g in groups.values():
        members = [by_row[m["unit"], m["row"]] for m in g["members"]]
        sure = [m for m in members if m["counted"] and "FIND_AMOUNT_YUAN" not in m["findings"]]  # a copy not counted adds nothing
        expected = sum(m["values"].get("build_amount") or 0 for m in sure)
        assert abs(g["build_amount"] - expected) < 0.01
    assert brief["units_to_fix"][0]["systems_to_act"] >= brief["units_to_fix"][-1]["systems_to_act"]


def test_unit_and_brief_reports_from_the_cli(filled, tmp_path):
    url, _, _ = filled
    out = tmp_path / "units"
    proc = run_cli("report", "unit", "--all", "--scope", "pilot", "-o", str(out), "--db", url)
    assert proc.returncode == 0, proc.stderr
    # one per unit with a return in the round (遂宁市 and two others have sent none)
    assert len(list(out.glob("*.html"))) == len(list(out.glob("*.xlsx"))) == len(list(out.glob("*.json"))) == 4
    wb = openpyxl.load_workbook(out / "人力资源社会保障厅-评估报告.xlsx")
    assert {"说明", "系统评估结果", "评估发现（按类型）", "报送记录"} <= set(wb.sheetnames)
    one = json.loads(run_cli("report", "unit", "--unit", "成都", "--json", "--db", url).stdout)
    assert one["unit"]["name"] == "成都市人民政府" and one["systems"]
    assert run_cli("report", "unit", "--db", url).returncode == 2  # neither --unit nor --all
    assert run_cli("report", "unit", "--unit", "不存在的单位", "--db", url).returncode == 2
    brief = json.loads(run_cli("report", "brief", "--json", "--db", url).stdout)
    assert brief["coverage"]["totals"]["units_accepted"] == 3
    for fmt in ("html", "xlsx", "md"):
        assert run_cli("report", "brief", "--format", fmt, "-o", str(tmp_path / f"b.{fmt}"), "--db", url).returncode == 0
    assert "## 疑似重复建设（按金额）" in (tmp_path / "b.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages(filled, form, tmp_path_factory):
    """Every HTML report of the filled database, written as the CLI writes them."""
    url, _, _ = filled
    out = tmp_path_factory.mktemp("pages")
    reports = Reports(open_db(url), scope="pilot")
    written = {
        kind: write_report(kind, getattr(reports, kind)(), "html", out / f"{kind}.html", form)
        for kind in ("coverage", "issues", "inventory", "brief")
    }
    written["unit"] = write_report("unit", reports.unit("人社厅"), "html", out / "unit.html", form)
    return written


def _open(browser, path, width=1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen = {"requests": [], "errors": []}
    page.on("request", lambda r: seen["requests"].append(r.url) if not r.url.startswith(("file:", "data:")) else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    return page, seen


@pytest.mark.parametrize("kind", ["coverage", "issues", "inventory", "brief", "unit"])
def test_each_page_renders_offline_fits_a4_and_its_script_runs(browser, pages, kind):
    page, seen = _open(browser, pages[kind])
    assert page.locator("svg.chart").count() >= 1
    assert page.locator("svg.chart rect.bar").count() >= 2
    tables = page.locator("div.tbl")
    assert tables.count() and page.locator("th.sortable").count()  # the script ran under the page's CSP
    if page.locator(".count").count():
        assert page.locator(".count").first.text_content().startswith("共")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1000})  # A4 less 12 mm margins, at 96 dpi
    assert page.evaluate("document.documentElement.scrollWidth") <= 718
    assert seen == {"requests": [], "errors": []}
    page.close()


def test_coverage_page_shows_whom_to_chase_in_the_legends_colours(browser, pages):
    page, _ = _open(browser, pages["coverage"])
    figures = page.locator(".fig").all_text_contents()
    assert any("未报送" in f and f.startswith("3") for f in figures) and any("未通过校验" in f and f.startswith("1") for f in figures)
    for status in ("accepted", "rejected", "not_submitted"):  # every status has a visible bar, filled like its legend key
        bar = page.locator(f'rect.bar[data-status="{status}"]').first
        legend = page.locator(f'rect.legend[data-status="{status}"]')
        assert bar.get_attribute("fill") == legend.get_attribute("fill") and float(bar.get_attribute("width")) >= 18
    chase = page.locator("h2", has_text="催报名单").locator("xpath=following-sibling::div[1]")
    assert chase.locator("tr.r").count() == 4 and "遂宁市" in chase.text_content()
    page.close()


def test_filters_search_and_sort_work_in_the_page(browser, pages):
    page, _ = _open(browser, pages["issues"])
    box = page.locator("div.tbl").filter(has=page.locator("tr.g")).first  # the findings, grouped by kind
    rows = box.locator("tr.r")
    total = rows.count()
    unit = box.locator("select.f").nth(2)
    unit.select_option("成都市人民政府")
    shown = box.locator("tr.r:not([hidden])")
    assert 0 < shown.count() < total
    assert all("成都市人民政府" in t for t in shown.all_text_contents())
    assert box.locator(".count").text_content() == f"显示 {shown.count()} / 共 {total} 行"
    assert box.locator("tr.g:not([hidden])").count() < box.locator("tr.g").count()  # kinds with no row left are hidden
    box.locator("button.reset").click()
    box.locator("input.q").fill("不动产")
    assert 0 < box.locator("tr.r:not([hidden])").count() < total
    page.close()
    page, _ = _open(browser, pages["inventory"])
    box = page.locator("div.tbl").first
    header = box.locator("th", has_text="综合评分")
    header.click()
    column = header.evaluate("th => th.cellIndex")
    values = box.locator("tr.r").evaluate_all(f"rows => rows.map(r => parseFloat(r.cells[{column}].dataset.v))")
    assert values == sorted(values) and len(set(values)) > 1
    header.click()
    values = box.locator("tr.r").evaluate_all(f"rows => rows.map(r => parseFloat(r.cells[{column}].dataset.v))")
    assert values == sorted(values, reverse=True)
    assert box.locator("th").count() <= 12  # key columns only
    box.locator("tr.r").first.click()  # a click opens every field of the row
    detail = box.locator("tr.d")
    assert detail.count() == 1 and detail.locator("dt").count() > 30 and "所属单位" in detail.text_content()
    box.locator("tr.r").first.click()
    assert box.locator("tr.d").count() == 0
    page.close()


def test_brief_prints_on_two_pages(browser, pages):
    import re

    page, _ = _open(browser, pages["brief"], width=794)
    pdf = page.pdf(format="A4")
    assert 1 <= len(re.findall(rb"/Type\s*/Page\b", pdf)) <= 2
    page.close()


def test_a_large_group_names_every_other_unit_but_lists_a_few_systems():
    from inventory.assess import Finding, System
    from inventory.report.unit import OTHERS_LISTED, _shared

    about = [System(f"单位{i % 40}", 1, i, {"system_name": f"系统{i}"}) for i in range(500)]
    f = Finding("FIND_DUPLICATE_BUILD", "warning", None, "系统0", "重复建设", {}, ("x",), about=about)
    by_unit: dict = {}
    for s in about:
        by_unit.setdefault(s.unit, []).append(s)
    d = _shared(f, "单位0", by_unit, {"FIND_DUPLICATE_BUILD": {"title": "疑似重复建设"}})
    assert len(d["systems"]) == 13 and len(d["other_units"]) == 39 and "单位0" not in d["other_units"]
    assert len(d["others"]) == OTHERS_LISTED and d["others_total"] == 487
    assert all(o["unit"] != "单位0" for o in d["others"])


def test_a_lead_leaves_the_office_only_once_confirmed():
    from inventory.assess import Finding, System, load_rules
    from inventory.report.data import ReportData, settled

    a, b = System("成都市", 1, 3, {"system_name": "甲"}), System("德阳市", 2, 3, {"system_name": "乙"})
    lead = Finding("FIND_DUPLICATE_POSSIBLE", "warning", None, "甲", "线索", {}, ("lead",), about=[a, b])
    claim = Finding("FIND_DUPLICATE_BUILD", "warning", None, "甲", "重复建设", {}, ("claim",), about=[a, b])
    r = ReportData.__new__(ReportData)
    r.__dict__.update(rules=load_rules(), findings=[lead, claim])
    assert settled(r) == [claim]  # the unit reports and the brief leave an unchecked lead to the office
    lead.review = {"state": "confirmed"}
    assert settled(r) == [lead, claim]


def test_the_rounds_duplicates_are_kept_for_the_next_process_until_what_they_depend_on_changes(filled, monkeypatch):
    """Duplicates need the whole round: worked out once, kept in the database under a stamp of the
    round's returns, the tree, the rules and the encoder; another process (here: an empty memory)
    answers from it, and a change of the rules works them out again."""
    from inventory.assess.model import load_rules
    from inventory.report import tree_duplicates
    from inventory.store.models import Setting

    url, _names, _tmp = filled
    engine = open_db(url)
    rules = load_rules()
    from inventory.store.current import current_round_id

    with engine.connect() as conn:
        rid = current_round_id(conn)
    tree_duplicates._held.clear()
    first = tree_duplicates.whole_round(engine, rid, rules, Reports(engine).roster)
    assert any(f.code == "FIND_DUPLICATE_REPORT" for f in first)
    with engine.connect() as conn:
        kept = conn.execute(select(Setting.key).where(Setting.key.like("duplicates:%"))).scalars().all()
    assert f"duplicates:{rid}" in kept

    def not_again(*_args):
        raise AssertionError("worked out again")

    monkeypatch.setattr(tree_duplicates, "duplicate_findings", not_again)
    tree_duplicates._held.clear()
    again = tree_duplicates.whole_round(engine, rid, rules, Reports(engine).roster)
    assert [f.as_dict() for f in again] == [f.as_dict() for f in first]
    assert [[(s.key, s.counted, s.unit, s.values) for s in f.about] for f in again] == [
        [(s.key, s.counted, s.unit, s.values) for s in f.about] for f in first
    ]
    changed = copy.deepcopy(rules)
    changed["thresholds"]["changed_for_the_test"] = 1
    tree_duplicates._held.clear()
    with pytest.raises(AssertionError, match="worked out again"):
        tree_duplicates.whole_round(engine, rid, changed, Reports(engine).roster)
    tree_duplicates._held.clear()


def test_an_exempt_unit_is_no_bar_in_the_status_chart():
    """免报 units are not expected: the chart leaves them out, as the figures above it do."""
    from inventory.report.charts import charts

    unit = {"group": "区（县）", "short_name": "甲", "completeness": 1.0}
    data = {
        "units": [
            {**unit, "status": "accepted", "state": "approved"},
            {**unit, "short_name": "乙", "status": "not_submitted", "state": "exempt"},
        ]
    }
    svg = charts("coverage", data)[0]
    assert 'class="bar" data-status="accepted"' in svg and 'class="bar" data-status="not_submitted"' not in svg
    data["units"][1]["state"] = "not_submitted"  # the same unit, not exempted: a part of the bar
    assert 'class="bar" data-status="not_submitted"' in charts("coverage", data)[0]


def test_an_empty_listing_said_in_words_has_no_empty_table_and_chart_labels_are_not_cut_mid_word():
    from inventory.report.charts import bar_chart
    from inventory.report.html import to_html
    from inventory.report.markdown import to_markdown
    from inventory.report.sections import Section

    empty = Section("疑似重复建设（按金额）", ["类型", "涉及单位"], [], text=["未发现疑似重复建设。"])
    listed = Section("主要评估发现", ["发现", "条数"], [["未上云", 3]])
    page = to_html("简报", [], [empty, listed], [])
    assert page.count("<table") == 1 and "未发现疑似重复建设。" in page
    assert "| 类型 |" not in to_markdown("简报", [], [empty, listed]) and "| 发现 |" in to_markdown("简报", [], [empty, listed])
    chart = bar_chart("系统部署位置", [("托管机房（运营商或第三方）", 3, "#333")], width=345, label_w=130)
    assert ">托管机房</text>" in chart and "<title>托管机房（运营商或第三方）</title>" in chart and "运营商或第<" not in chart


def test_a_finding_s_evidence_reads_as_labelled_chinese_not_as_python():
    from inventory.report.issues_sections import _evidence

    systems = [
        {"单位": "西昌市公安局", "所属单位": "西昌市公安局", "系统名称": "智慧警务平台", "系统编号": "XT-001"},
        {"单位": "会理市公安局", "所属单位": "会理市公安局", "系统名称": "治安防控视频监控系统", "系统编号": None},
    ]
    links = [{"业务功能语义相似度": 0.951, "相同业务词": [], "相近的描述": ["案事件研判和图像检索", "图像调阅和案件研判"]}]
    said = _evidence(systems) + "；" + _evidence(links)
    assert "西昌市公安局“智慧警务平台”（XT-001）、会理市公安局“治安防控视频监控系统”" in said
    assert "业务功能语义相似度：0.95" in said and "相近的描述：案事件研判和图像检索、图像调阅和案件研判" in said
    assert "[" not in said and "'" not in said and "相同业务词" not in said  # no Python lists, no empty signals
