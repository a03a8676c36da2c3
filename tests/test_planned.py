"""Planned projects (拟建项目预审): the check, the template and its reading, the 预审 record on SQLite and
PostgreSQL, the CLI, and the portal page and printable report in Chromium."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import html, run_cli
from openpyxl import load_workbook

from inventory.assess.model import System
from inventory.errors import SetupError, UsageError
from inventory.planned.fields import check_settings, planned_sheet
from inventory.planned.read import read_projects
from inventory.planned.result import Checker
from inventory.planned.template import write_template
from inventory.resources import data_dir


def S(unit: str, name: str, fn: str, **values) -> System:
    return System(unit=unit, submission_id=1, row=1, values={"system_name": name, "functions": fn, "status": "在用", **values}, key=name)


INVENTORY = [
    S("德阳市", "德阳市数字城管综合执法平台", "实现城市管理案件的受理、派遣、处置、核查和结案，支持执法人员移动巡查。", owner_unit="德阳市城市管理行政执法局", scope="市（州）本级"),
    S("四川省大数据中心", "四川省统一身份认证平台", "为全省政务应用提供统一的用户注册、登录认证和单点登录服务。", owner_unit="四川省大数据中心", scope="省市县三级", category="共性支撑平台"),
    S("四川省公安厅", "四川省人口基础信息库", "汇聚全省常住人口、户籍人口基础信息，向各部门提供人口信息共享查询。", owner_unit="四川省公安厅", scope="省市县三级", category="信息资源库"),
    S("绵阳市", "绵阳市智慧停车管理平台", "整合全市公共停车场泊位信息，提供车位查询、预约和无感支付。", owner_unit="绵阳市住房和城乡建设局", scope="市（州）本级"),
]  # fmt: skip
DUPLICATE = {
    "project_name": "德阳市智慧城管综合执法系统建设项目",
    "owner_unit": "德阳市城市管理行政执法局",
    "nature": "新建",
    "functions": "建设城市管理案件受理、派遣、处置、核查、结案全流程功能；建设执法人员移动巡查终端。",
    "data_needs": "人口基础信息",
}
NEW = {
    "project_name": "德阳市文物安全监测平台",
    "owner_unit": "德阳市文化广播电视和旅游局",
    "nature": "新建",
    "functions": "对重点文物建筑布设火灾、倾斜、温湿度传感器，实时监测文物安全状况并自动告警。",
}


@pytest.fixture(scope="module")
def checker(roster):
    return Checker(INVENTORY, roster)


def test_a_duplicate_of_an_existing_system_is_refused_with_its_evidence(checker):
    r = checker.check(DUPLICATE)
    assert r["outcome"].startswith("建议不予立项")
    top = r["existing"][0]
    assert top["系统"] == "德阳市数字城管综合执法平台" and top["关系"] == "重复"
    assert top["依据"]["相近的描述"] and top["依据"]["覆盖本项目地区"] == "是"
    assert r["data"][0]["可提供的系统"][0]["系统"] == "四川省人口基础信息库"  # the data it needs, and who holds it


def test_a_new_project_passes_and_another_citys_system_is_only_an_example(checker):
    assert checker.check(NEW)["outcome"] == "可以立项"
    parking = {"project_name": "德阳市智慧停车平台建设项目", "owner_unit": "德阳市住房和城乡建设局", "nature": "新建",
               "functions": "整合全市公共停车场泊位信息，提供车位查询、预约和无感支付。"}  # fmt: skip
    r = checker.check(parking)
    assert r["outcome"] == "可以立项"
    assert [m["关系"] for m in r["existing"] if m["系统"] == "绵阳市智慧停车管理平台"] == ["其他地区同类"]


def test_a_platform_that_provides_an_item_trims_the_project(checker):
    p = {**NEW, "functions": NEW["functions"] + "另外自建用户注册、登录认证和单点登录功能。"}
    r = checker.check(p)
    assert "核减" in r["outcome"]
    assert r["platforms"][0]["系统"] == "四川省统一身份认证平台"
    assert any("登录认证" in x for x in r["platforms"][0]["可替代的建设内容"])


def test_a_rebuild_names_its_own_system_instead_of_calling_it_a_duplicate(checker):
    rebuild = {**DUPLICATE, "nature": "改建", "base_system": "德阳市数字城管综合执法平台"}
    r = checker.check(rebuild)
    assert [b["系统"] for b in r["base_systems"]] == ["德阳市数字城管综合执法平台"]
    assert "不予立项" not in r["outcome"]


def test_a_rebuild_that_names_its_base_only_in_its_content_is_still_a_rebuild(checker):
    rebuild = {**DUPLICATE, "nature": "扩建", "functions": "在德阳市数字城管综合执法平台基础上扩建，" + DUPLICATE["functions"]}
    r = checker.check(rebuild)
    assert [b["系统"] for b in r["base_systems"]] == ["德阳市数字城管综合执法平台"]
    assert "不予立项" not in r["outcome"]
    assert checker.check({**rebuild, "nature": "新建"})["outcome"].startswith("建议不予立项")  # a new build of the same is not
    upgrade = checker.check({**rebuild, "nature": "升级"})  # 升级 is how many units write 改建 (x-equivalents)
    assert [b["系统"] for b in upgrade["base_systems"]] == ["德阳市数字城管综合执法平台"] and "不予立项" not in upgrade["outcome"]


def test_a_project_that_says_it_uses_a_platform_is_not_trimmed_for_it(checker):
    called = {**NEW, "functions": NEW["functions"] + "工作人员注册登录和单点登录，统一调用四川省统一身份认证平台。"}
    assert checker.check(called)["outcome"] == "可以立项"  # the clause before the call is the same thought
    refused = {**NEW, "functions": NEW["functions"] + "工作人员登录接入省级平台，不另建注册登录和单点登录功能。"}
    assert checker.check(refused)["outcome"] == "可以立项"
    built = {**NEW, "functions": NEW["functions"] + "工作人员注册登录和单点登录功能。"}
    assert "核减" in checker.check(built)["outcome"]
    beside = {**NEW, "functions": NEW["functions"] + "建设工作人员注册登录和单点登录功能，不另建视频平台。"}
    assert "核减" in checker.check(beside)["outcome"]  # what is not built elsewhere in the sentence does not excuse this


def test_a_project_that_rebuilds_a_system_and_adds_new_business_is_trimmed_not_refused(checker, roster):
    extra = "建设户外广告招牌设置审批和安全检测档案管理。"
    more = {**DUPLICATE, "functions": DUPLICATE["functions"] + extra}
    r = checker.check(more)
    assert "核减" in r["outcome"]
    top = r["existing"][0]
    assert (top["系统"], top["关系"]) == ("德阳市数字城管综合执法平台", "部分重叠")
    assert "户外广告招牌" in "".join(top["理由"])  # the new part is named
    assert checker.check(DUPLICATE)["outcome"].startswith("建议不予立项")  # the system's work alone stays refused
    settings = check_settings()
    settings["thresholds"]["own_item"] = 1.01  # without the rule, the same project reads as a duplicate
    assert Checker(INVENTORY, roster, settings).check(more)["outcome"].startswith("建议不予立项")


EXPERTS = S("四川省政务服务和公共资源交易服务中心", "四川省评标专家库", "评标评审专家申请入库、资格审核、随机抽取、语音通知和履职考评。",
             owner_unit="四川省政务服务和公共资源交易服务中心", scope="省市县三级")  # fmt: skip


def test_a_project_that_says_what_a_system_does_in_other_words_is_refused(roster):
    """A paraphrase of the whole system (every item near one of its clauses, none a copy) is a
    duplicate; a project that copies one clause and adds its own work is cut instead."""
    inventory = [*INVENTORY, EXPERTS]
    said_again = {
        "project_name": "全省评标专家统一管理系统",
        "owner_unit": "四川省政务服务和公共资源交易服务中心",
        "nature": "新建",
        "functions": "专家网上申请进入专家库，审查其职称与工作年限，按专业和回避要求随机抽选并自动语音通知。评审结束后为专家打分，记入专家信用。",
    }
    r = Checker(inventory, roster).check(said_again)
    assert r["outcome"].startswith("建议不予立项")
    top = r["existing"][0]
    assert (top["系统"], top["关系"]) == ("四川省评标专家库", "重复") and "换了说法" in "".join(top["理由"])
    assert top["依据"]["重复可能性"] >= check_settings()["thresholds"]["duplicate_model"]["threshold"]
    settings = check_settings()
    settings["thresholds"].update(duplicate_model=None, dup_paraphrase=1.01)  # without the model and the paraphrase rule: only cut
    assert "核减" in Checker(inventory, roster, settings).check(said_again)["outcome"]
    settings["thresholds"]["dup_paraphrase"] = check_settings()["thresholds"]["dup_paraphrase"]  # the rule alone, as without a model
    assert Checker(inventory, roster, settings).check(said_again)["outcome"].startswith("建议不予立项")
    module = {**said_again, "project_name": "全省公共资源交易综合服务系统",
              "functions": "评标评审专家申请入库和资格审核；建设招标代理机构信用评价；建设投标保证金电子保函受理和查验。"}  # fmt: skip
    r = Checker(inventory, roster).check(module)
    assert "核减" in r["outcome"] and r["existing"][0]["关系"] == "部分重叠"


def test_a_module_rebuilt_in_other_words_is_named_by_the_words_of_the_systems_description(roster):
    """An item that names several of the distinctive words a system's description says (分解 交办 承办
    进度 提醒) and comes near its clause is work the system already does, though its name says none."""
    supervision = S("四川省人民政府办公厅", "四川省政府督查督办系统", "省领导批示件和省政府重点工作任务的分解交办、承办单位进度报送、逾期提醒和督查通报。",
                    owner_unit="四川省人民政府办公厅", scope="省级")  # fmt: skip
    inventory = [*INVENTORY, supervision]
    project = {
        "project_name": "四川省重大行政决策全过程管理系统",
        "owner_unit": "四川省人民政府办公厅",
        "nature": "新建",
        "functions": "建立省政府重大行政决策事项目录，记录公众参与、专家论证、风险评估和合法性审查材料。"
        "决策作出后开展执行情况评估并公开结果。系统还要建设决策事项分解交办、承办单位进度报送和超期提醒功能。",
    }
    r = Checker(inventory, roster).check(project)
    assert "核减" in r["outcome"]
    top = r["existing"][0]
    assert (top["系统"], top["关系"], top["理由"]) == ("四川省政府督查督办系统", "部分重叠", ["1/4 项建设内容该系统已经提供"])
    settings = check_settings()
    settings["thresholds"]["described_words"] = 99  # by its name alone the system is only near
    assert Checker(inventory, roster, settings).check(project)["outcome"] == "可以立项"


def test_a_stopped_system_is_neither_a_duplicate_nor_a_platform_to_reuse(roster):
    stopped = [
        S("德阳市", "德阳市数字城管综合执法平台", INVENTORY[0].values["functions"], owner_unit="德阳市城市管理行政执法局",
          scope="市（州）本级", status="停用"),
        S("四川省大数据中心", "四川省统一身份认证平台", INVENTORY[1].values["functions"], owner_unit="四川省大数据中心",
          scope="省市县三级", category="共性支撑平台", status="停用"),
    ]  # fmt: skip
    c = Checker(stopped, roster)
    r = c.check(DUPLICATE)
    assert r["outcome"] == "可以立项"
    assert [(m["关系"], "已停用" in "".join(m["理由"])) for m in r["existing"]] == [("相近", True)]  # shown, for its lessons
    assert c.check({**NEW, "functions": NEW["functions"] + "另外自建用户注册、登录认证和单点登录功能。"})["platforms"] == []


def test_two_planned_projects_of_the_round_that_build_the_same_are_named(roster):
    c = Checker(INVENTORY, roster)
    twin = {
        **NEW,
        "project_name": "德阳市文物建筑安全智能监测系统",
        "functions": "在重点文物建筑安装火灾、倾斜和温湿度传感器，实时监测文物安全并自动报警。",
    }
    c.with_round([NEW, twin])
    r = c.check(NEW)
    assert [m["系统"] for m in r["planned"] if m["关系"] == "重复"] == [twin["project_name"]]
    assert "合并建设" in "".join(r["reasons"])


def test_the_template_reads_back_and_a_wrong_cell_is_named(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb["拟建项目"]
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["*项目名称", "*建设单位全称", "*建设性质"]
    assert ws.data_validations.dataValidation  # dropdowns from forms/planned.json
    for col, v in enumerate(
        ["甲项目", "德阳市数据局", "新建", None, "建设一二三四五六七八九十功能。", "政府内部、公众", None, "120万"], start=1
    ):
        ws.cell(row=3, column=col, value=v)
    for col, v in enumerate(["乙项目", "德阳市数据局", "重建", None, "建设一二三四五六七八九十功能。"], start=1):
        ws.cell(row=4, column=col, value=v)
    wb.save(path)
    projects, issues = read_projects(path)
    assert (
        [p["project_name"] for p in projects] == ["甲项目"]
        and projects[0]["budget"] == 120
        and projects[0]["users"] == ["政府内部", "公众"]
    )
    assert len(issues) == 1 and "C4" in issues[0].message and "重建" in issues[0].message


def test_a_csv_saved_by_chinese_excel_reads_and_a_file_without_headers_is_explained(tmp_path):
    write_template(tmp_path / "t.csv")
    header = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").strip()
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(
        (
            header
            + "\n丙项目,德阳市数据局,扩建,德阳市政务云平台,扩容计算和存储资源以承载新应用\n丁项目,德阳市数据局,升级改造,德阳市政务云平台,升级云管理功能\n"
        ).encode("gb18030")
    )
    projects, issues = read_projects(gbk)
    assert [p["nature"] for p in projects] == ["扩建", "改建"] and not issues  # 升级改造 read as 改建, as the form says
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(header + "\n戊项目,德阳市数据局,重建,,建设热线\n", encoding="utf-8")
    _, issues = read_projects(wrong)
    assert issues[0].message.startswith("“wrong.csv” C2 单元格") and "下拉" not in issues[0].hint  # a CSV has no sheet, no dropdown
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UsageError, match="找不到表头"):
        read_projects(tmp_path / "bad.csv")


def _inventory_db(url: str, tmp_path: Path, form, roster, seed: int = 4) -> dict:
    from inventory.demo.synth import clean_return, write_return
    from inventory.store.db import open_db
    from inventory.store.importer import Importer

    engine = open_db(url)
    unit = roster.resolve("人社厅")
    values, rows = clean_return(form, unit, 6, seed=seed)
    first = dict(rows[form.main.name][0])
    first["functions"] = "为全省参保单位和个人提供社会保险登记、缴费核定、待遇申领和待遇发放的全流程经办服务。"
    first["status"] = "在用"
    first["system_name"] = "四川省社会保险待遇经办平台"
    rows[form.main.name][0] = first
    result = Importer(engine, operator="测试").import_file(write_return(tmp_path / f"hr-{seed}.xlsx", form, unit, values, rows))
    assert result.status == "imported"
    return first


def _project_file(tmp_path: Path, system: dict) -> Path:
    path = write_template(tmp_path / "projects.xlsx")
    wb = load_workbook(path)
    ws = wb["拟建项目"]
    dup = [
        system["system_name"] + "升级项目",
        "四川省人力资源和社会保障厅",
        "新建",
        None,
        "为全省参保单位和个人提供社会保险登记、缴费核定、待遇申领和发放的全流程经办服务。",
        None,
        None,
        800,
    ]
    new = [
        "四川省非遗传承人档案管理系统",
        "四川省文化和旅游厅",
        "新建",
        None,
        "建立全省非物质文化遗产代表性传承人档案，记录传承活动、带徒授艺和补助发放情况。",
        None,
        None,
        300,
    ]
    for r, row in enumerate((dup, new), start=3):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def test_the_check_is_recorded_with_the_reviewers_decision_and_followed_up(tmp_path, form, roster, db_url):
    from inventory.planned.reviews import decide, follow_up, projects
    from inventory.planned.service import check_file, checker_for
    from inventory.store.db import open_db
    from inventory.workflow.rounds import open_round

    system = _inventory_db(db_url, tmp_path, form, roster)
    engine = open_db(db_url)
    results, issues = check_file(engine, _project_file(tmp_path, system))
    assert not issues and len(results) == 2
    assert results[0]["outcome"].startswith("建议不予立项") and results[0]["existing"][0]["系统"] == system["system_name"]
    assert results[1]["outcome"] == "可以立项"
    again, _ = check_file(engine, _project_file(tmp_path, system))  # checked again: the same records, updated
    assert [r["id"] for r in again] == [r["id"] for r in results]
    with pytest.raises(UsageError, match="核减金额"):
        decide(engine, str(results[1]["id"]), "核减后立项", None, "审核员")
    with pytest.raises(UsageError, match="预审意见只能是"):
        decide(engine, str(results[1]["id"]), "通过", None, "审核员")
    decide(engine, str(results[0]["id"]), "不予立项", "与现有社保经办系统重复", "审核员")
    decide(engine, "四川省非遗传承人档案管理系统", "核减后立项", "档案库复用省文化资源库", "审核员", reduction=50)
    stored = {p["project_name"]: p for p in projects(engine)}
    assert stored["四川省非遗传承人档案管理系统"]["review"]["reduction"] == 50
    assert stored[system["system_name"] + "升级项目"]["review"]["decision"] == "不予立项"
    assert follow_up(engine, checker_for(engine)) == []  # this round's projects are followed in later rounds
    open_round(engine, "next", "下一轮", dt.date(2026, 6, 30))
    _inventory_db(db_url, tmp_path, form, roster, seed=5)  # the next round's return holds the same system
    follow = {r["project_name"]: r for r in follow_up(engine, checker_for(engine))}
    refused = follow[system["system_name"] + "升级项目"]
    assert refused["system"] == system["system_name"] and "不予立项" in refused["note"]  # the refused project's system is there
    assert follow["四川省非遗传承人档案管理系统"]["built"] == "未见建设"


def test_the_cli_checks_records_reviews_and_reports(tmp_path, form, roster):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    system = _inventory_db(url, tmp_path, form, roster)
    assert run_cli("planned", "template", "--out", str(tmp_path / "t.xlsx")).returncode == 0
    proc = run_cli("planned", "check", str(_project_file(tmp_path, system)), "--db", url, "--json", "--report", str(tmp_path / "reports"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [p["outcome"][:4] for p in data["projects"]] == ["建议不予", "可以立项"]
    assert len(list((tmp_path / "reports").glob("*.html"))) == 2 and len(list((tmp_path / "reports").glob("*.xlsx"))) == 2
    pid = str(data["projects"][0]["id"])
    bad = run_cli("planned", "review", pid, "--decision", "核减后立项", "--db", url)
    assert bad.returncode == 2 and "核减金额" in bad.stderr and "Traceback" not in bad.stderr
    assert run_cli("planned", "review", pid, "--decision", "不予立项", "--note", "重复", "--db", url).returncode == 0
    listed = json.loads(run_cli("planned", "list", "--db", url, "--json").stdout)
    assert listed[0]["review"]["decision"] == "不予立项"
    assert run_cli("planned", "report", "--out", str(tmp_path / "meeting.xlsx"), "--db", url).returncode == 0
    wb = load_workbook(tmp_path / "meeting.xlsx")
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert any("不予立项" in c for c in cells) and any(system["system_name"] in c for c in cells)
    assert run_cli("planned", "report", "--project", pid, "--out", str(tmp_path / "one.html"), "--db", url).returncode == 0
    assert "拟建项目预审比对报告" in (tmp_path / "one.html").read_text(encoding="utf-8")
    help_text = run_cli("planned", "--help").stdout
    assert "拟建项目预审" in help_text


@pytest.fixture
def planned_server(tmp_path, form, roster):
    from test_portal_browser import free_port

    url = f"sqlite:///{tmp_path / 'portal.db'}"
    system = _inventory_db(url, tmp_path, form, roster)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "inventory", "serve", "--port", str(port), "--db", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            **os.environ,
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        },  # this checkout's package
        cwd=tmp_path,
    )
    lines, base = [], f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        lines.append(proc.stdout.readline())
        if "填报平台已启动" in lines[-1]:
            break
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    found = re.search(r"用户名 (\S+)，密码 (\S+)", "".join(lines))
    assert found, "".join(lines)
    yield base, found.group(1), found.group(2), system
    proc.terminate()
    proc.wait(timeout=20)


def test_the_portal_page_and_the_printable_report_in_chromium(browser, planned_server, tmp_path):
    base, admin, password, system = planned_server
    page = browser.new_context().new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
    page.goto(base + "/office/planned")
    assert "/login" in page.url  # office accounts only
    page.fill("#username", admin)
    page.fill("#password", password)
    page.click("form[action='/login'] button")
    assert page.url.endswith("/password")  # the first admin replaces the password it was given
    for field, value in (("#old", password), ("#new", "Planned-office-2026"), ("#again", "Planned-office-2026")):
        page.fill(field, value)
    page.click("text=保存密码")
    page.goto(base + "/office/planned")
    for key in ("base_system", "data_needs", "reuse_plan"):  # how to fill each field is said in full beside it, not cut off in the box
        hint = page.locator(f"#h-{key}")
        box, field = hint.bounding_box(), page.locator(f"#f-{key}").bounding_box()
        assert hint.is_visible() and len(hint.text_content()) > 15 and box["x"] + box["width"] <= page.viewport_size["width"]
        assert page.get_attribute(f"#f-{key}", "aria-describedby") == f"h-{key}" and box["y"] < field["y"]
    page.click("#planned-form button[type=submit]")  # nothing typed: the required fields are named
    assert "项目名称" in page.locator(".flash.error").first.text_content()
    page.fill("input[name=project_name]", system["system_name"] + "升级项目")
    page.fill("input[name=owner_unit]", "四川省人力资源和社会保障厅")
    page.select_option("select[name=nature]", "新建")
    page.fill(
        "textarea[name=functions]",
        "为全省参保单位和个人提供社会保险登记、缴费核定、待遇申领和发放的全流程经办服务。<script>alert(1)</script>",
    )
    page.fill("input[name=budget]", "800")
    page.click("#planned-form button[type=submit]")
    assert page.locator("#planned-result .outcome").text_content().startswith("建议不予立项")
    assert system["system_name"] in page.locator("#planned-result table").text_content()
    row = page.locator("#planned-list tr", has_text="升级项目")
    row.locator("select[name=decision]").select_option("不予立项")
    row.locator("input[name=note]").fill("与现有系统重复")
    row.locator("button").click()
    assert "预审意见已保存" in html(page)
    assert "与现有系统重复" in page.locator("#planned-list").text_content()
    href = page.locator("#planned-list a").first.get_attribute("href")
    report = browser.new_context().new_page()
    report.context.add_cookies(page.context.cookies())
    report.goto(base + href)
    assert report.locator("h1").text_content().startswith("拟建项目预审比对报告")
    body = report.locator("body").text_content()
    assert "建议不予立项" in body and "预审意见" in body and "与现有系统重复" in body
    assert "<script>alert(1)</script>" in body  # shown as text, never run
    pdf = report.pdf(format="A4")  # prints
    assert pdf[:4] == b"%PDF" and len(pdf) > 5000
    assert not outside


def test_a_returns_building_row_is_checked_as_a_planned_project_without_finding_itself(roster):
    from inventory.planned.read import from_returns

    building = S("德阳市", "德阳市城市管理案件综合执法系统", INVENTORY[0].values["functions"], owner_unit="德阳市城市管理行政执法局", status="在建",
                 contract_amount=300)  # fmt: skip
    c = Checker([*INVENTORY, building], roster)
    (project,) = from_returns([*INVENTORY, building])
    assert project["budget"] == 300 and project["system_key"] == building.key
    r = c.check(project)
    assert building.name not in [m["系统"] for m in r["existing"]]  # not its own duplicate
    assert r["outcome"].startswith("建议不予立项") and r["existing"][0]["系统"] == "德阳市数字城管综合执法平台"


def test_the_template_survives_libreoffice(tmp_path):
    from conftest import libreoffice_roundtrip

    path = write_template(tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb["拟建项目"]
    for col, v in enumerate(
        ["丁项目", "德阳市数据局", "改建", "德阳市政务云平台", "扩容计算和存储资源以承载新应用。", "政府内部"], start=1
    ):
        ws.cell(row=3, column=col, value=v)
    wb.save(path)
    saved = libreoffice_roundtrip(path, tmp_path / "lo")
    projects, issues = read_projects(saved)
    assert [(p["project_name"], p["nature"], p["users"]) for p in projects] == [("丁项目", "改建", ["政府内部"])] and not issues


def test_a_duplicate_model_edited_into_nonsense_stops_with_what_to_fix(tmp_path):
    shutil.copytree(data_dir("forms"), tmp_path / "forms")
    path = tmp_path / "forms" / "planned.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    model = schema["x-check"]["thresholds"]["duplicate_model"]["e5"]
    assert check_settings(planned_sheet(tmp_path / "forms"), encoder="e5")["thresholds"]["duplicate_model"] == model
    model["weights"]["descripton"] = model["weights"].pop("description")  # a typo in a signal's name
    shutil.copytree(tmp_path / "forms", tmp_path / "edited")  # the sheet is cached by folder
    (tmp_path / "edited" / "planned.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SetupError, match="duplicate_model") as caught:
        check_settings(planned_sheet(tmp_path / "edited"), encoder="e5")
    assert "item_lead" in caught.value.hint
    assert check_settings(planned_sheet(tmp_path / "edited"), encoder="use")["thresholds"]["duplicate_model"] is None


def test_an_inventory_whose_descriptions_say_nothing_is_still_checked_by_names(roster):
    """No description to compare (all empty, or all one boilerplate the index drops): the check answers
    from the names instead of failing."""
    blank = [
        S(s.unit, s.name, "", **{k: v for k, v in s.values.items() if k not in ("system_name", "functions", "status")}) for s in INVENTORY
    ]
    checker = Checker(blank, roster)
    assert checker.inventory.text_vectors is None or len(checker.inventory.text_vectors) == 0
    r = checker.check({**DUPLICATE, "project_name": "德阳市数字城管综合执法平台建设项目"})
    assert r["existing"] and r["existing"][0]["系统"] == "德阳市数字城管综合执法平台"
    assert checker.check(NEW)["outcome"].startswith("可以立项")
