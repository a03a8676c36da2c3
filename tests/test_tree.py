"""The survey in levels: the roster tree from forms/, an office's own list imported over its part,
who reports and who collects in a round, approval up the tree (DHIS2's rules) and what each office
may see and do. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import html, run_cli
from sqlalchemy import func, select

from inventory.demo.synth import clean_return, write_return
from inventory.errors import UsageError
from inventory.form import load_form
from inventory.form.roster import load_roster
from inventory.report import Reports
from inventory.report.issues_sections import issues_sections
from inventory.store.audit import entries
from inventory.store.db import open_db
from inventory.store.importer import Importer
from inventory.store.models import NodeApproval
from inventory.store.models import Unit as UnitRow
from inventory.store.unit_import import import_units
from inventory.store.units import sync_defaults, tree
from inventory.workflow.approvals import Steps
from inventory.workflow.rounds import open_round, pick
from inventory.workflow.scope import Scope
from inventory.workflow.states import Board

DIVISIONS = json.loads((load_form().folder / "divisions.json").read_text(encoding="utf-8"))


def test_the_default_tree_holds_every_city_county_and_department():
    roster = load_roster()
    kinds = {}
    for u in roster:
        kinds.setdefault(u.kind, []).append(u)
    assert roster.root.name == "四川省" and roster.root.parent is None
    assert len(kinds["市（州）"]) == 21 and len(kinds["区（县）"]) == 183
    assert {u.code for u in kinds["区（县）"]} == {c["code"] for city in DIVISIONS["cities"] for c in city["counties"]}
    assert 5_500 < len(roster) < 6_500  # about 6,000 units, as the province-wide survey has
    assert len({u.name for u in roster}) == len(roster) and len({u.short_name for u in roster}) == len(roster)
    deyang = roster.resolve("德阳市")
    assert roster.resolve("旌阳区").parent == deyang.code and roster.resolve("旌阳区").within(deyang)
    assert not roster.resolve("锦江区").within(deyang)
    # 市中区 is in 内江 and in 乐山: the short name alone names neither, the full names both
    assert roster.match("市中区").unit is None
    assert roster.resolve("内江市市中区人民政府").within(roster.resolve("内江市"))
    assert roster.resolve("乐山市市中区教育和体育局").parent == roster.resolve("乐山市市中区人民政府").code
    # an autonomous prefecture's departments go by its short name, the full name is an alias
    assert roster.resolve("凉山州教育局").name == roster.resolve("凉山彝族自治州教育局").name
    assert all(u.region_code == deyang.region_code for u in roster.subtree(deyang))


def test_a_name_given_under_an_office_is_sought_in_its_part_first(roster):
    county = roster.resolve("中江县")
    assert roster.resolve("教育", within=county).name == "中江县教育和体育局"  # part of one name in the county
    city = roster.resolve("德阳市")
    assert roster.resolve("教育", within=city).name == "德阳市教育局"  # several there: the one nearest the office
    with pytest.raises(UsageError) as short:
        roster.resolve("教体", within=city)  # several as near (the counties' 教育和体育局): named, none chosen
    assert "个单位的名称含“教体”" in short.value.message and "中江县教育和体育局" in short.value.message
    # the usual abbreviations, and not the 民政 inside every 人民政府
    assert roster.resolve("人社", within=county).name == "中江县人力资源和社会保障局"
    assert roster.resolve("卫健", within=city).name == "德阳市卫生健康委员会"
    assert roster.resolve("民政", within=city).name == "德阳市民政局"
    with pytest.raises(UsageError) as near:
        roster.resolve("教育局", within=county)
    assert near.value.message.startswith("“中江县人民政府”及其下级中没有单位“教育局”。最接近的名称：中江县教育和体育局")
    assert "units list --under 中江县" in near.value.hint
    with pytest.raises(UsageError) as anywhere:
        roster.resolve("教育局")  # no office given: part of many names is said as such, not as unknown
    assert "名册中有 21 个单位的名称含“教育局”" in anywhere.value.message and "--under" in anywhere.value.hint
    assert roster.resolve("涪城").name == "绵阳市涪城区人民政府"  # a part of a county's name is the county
    assert (
        roster.resolve("旌阳区公安局", within=county).name == "德阳市旌阳区公安局"
    )  # found as before (the step then says it is not this office's)


def test_the_database_holds_the_tree_and_keeps_an_office_s_changes(db_url, tmp_path):
    engine = open_db(db_url)
    roster = tree(engine)
    assert len(roster) == len(load_roster())
    listing = tmp_path / "德阳名单.csv"
    listing.write_text(
        "单位全称,简称,上级单位,类别,联系人,联系电话\n"
        "德阳市大数据中心,市大数据中心,德阳市数据局,下属单位,周工,13800000001\n"
        "德阳市政务服务中心,,德阳市,市直部门,,\n"
        "德阳市政务服务中心窗口科,,德阳市政务服务中心,下属单位,,\n",
        encoding="gb18030",
    )
    deyang = roster.resolve("德阳市")
    done = import_units(engine, listing, deyang)
    assert done.added == ["德阳市政务服务中心", "德阳市大数据中心", "德阳市政务服务中心窗口科"] or set(done.added) == {
        "德阳市大数据中心",
        "德阳市政务服务中心",
        "德阳市政务服务中心窗口科",
    }
    roster = tree(engine)
    centre = roster.resolve("市大数据中心")
    assert roster.parent_of(centre).name == "德阳市数据局" and centre.contact_name == "周工" and centre.level == "市（州）级"
    assert centre.code.startswith(roster.resolve("德阳市数据局").code + "-")
    # a newer version of the defaults never overwrites an office's units
    from sqlalchemy.orm import Session

    with Session(engine) as session, session.begin():
        sync_defaults(session)
    assert tree(engine).resolve("市大数据中心").contact_name == "周工"
    # replace: the list is the whole part; what it leaves out is retired, not deleted
    only = tmp_path / "德阳完整名单.csv"
    only.write_text("单位全称,上级单位\n德阳市数据局,德阳市\n德阳市大数据中心,德阳市数据局\n", encoding="utf-8")
    # a list that leaves whole counties out is refused, naming them; --dry-run says what it would do
    with pytest.raises(UsageError, match=r"“德阳市旌阳区人民政府”（连同下级 \d+ 个单位）") as refused:
        import_units(engine, only, deyang, replace=True)
    assert "--retire-offices" in refused.value.hint and tree(engine).get("德阳市教育局") is not None  # nothing changed
    seen = import_units(engine, only, deyang, replace=True, dry_run=True)
    assert seen.dry_run and "德阳市旌阳区人民政府" in seen.retired_offices and "德阳市教育局" in seen.retired_alone
    assert not any(name.startswith("德阳市旌阳区") for name in seen.retired_alone)  # said with its county, not one by one
    assert tree(engine).get("德阳市教育局") is not None  # a dry run writes nothing
    done = import_units(engine, only, deyang, replace=True, retire_offices=True)
    after = tree(engine)
    assert "德阳市教育局" in done.retired and after.get("德阳市教育局") is None and after.get("德阳市大数据中心") is not None
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(UnitRow).where(UnitRow.name == "德阳市教育局")) == 1


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ("德阳市云计算中心,德阳市不存在局\n", "既不在名册中，也不在这份名单里"),
        ("德阳市云计算中心,德阳市数据局\n德阳市云计算中心,德阳市\n", "与第 2 行重复"),
        ("成都市教育局,德阳市\n", "不在“德阳市人民政府”的管辖范围内"),
        ("德阳市甲中心,德阳市乙中心\n德阳市乙中心,德阳市甲中心\n", "成环"),
        ("德阳市云计算中心,锦江区\n", "不在“德阳市人民政府”的管辖范围内"),
        ("德阳市云计算中心,\n", "没有填上级单位"),
    ],
)
def test_a_wrong_list_changes_nothing_and_names_every_problem(tmp_path, rows, said):
    engine = open_db(f"sqlite:///{tmp_path / 't.db'}")
    before = len(tree(engine))
    listing = tmp_path / "名单.csv"
    listing.write_text("单位全称,上级单位\n" + rows, encoding="utf-8")
    with pytest.raises(UsageError, match=said) as err:
        import_units(engine, listing, tree(engine).resolve("德阳市"))
    assert "第 " in str(err.value) and "名册没有改动" in str(err.value)
    assert len(tree(engine)) == before


def test_who_reports_and_who_collects():
    roster = load_roster()
    pilot = Scope(roster, "pilot")
    assert {u.short_name for u in pilot.reporters} == {u.short_name for u in roster.pilots()}
    assert [u.name for u in pilot.offices] == ["四川省"]
    whole = Scope(roster, "all")
    deyang = roster.resolve("德阳市")
    assert not whole.is_reporter(deyang) and whole.is_office(deyang)
    assert whole.is_reporter(roster.resolve("德阳市教育局")) and whole.reviewer(roster.resolve("德阳市教育局")) is deyang
    assert whole.reviewer(roster.resolve("中江县教育和体育局")).name == "中江县人民政府"
    assert whole.reviewer(roster.resolve("中江县人民政府")) is deyang
    mine = Scope(roster, "all", deyang)
    assert all(u.within(deyang) for u in mine.units) and len(mine.units) == len(roster.subtree(deyang))


def _round(engine):
    open_round(engine, "2026", "2026年全省", None)
    return pick(engine)


def _submissions(engine) -> int:
    from inventory.store.models import Submission

    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Submission))


def _import(engine, tmp_path, unit_name, n=3, seed=1, under=None):
    form = load_form()
    roster = tree(engine)
    unit = roster.resolve(unit_name)
    values, rows = clean_return(form, unit, n, seed=seed)
    path = write_return(tmp_path / f"{unit.short_name}-{seed}.xlsx", form, unit, values, rows)
    return Importer(engine, under=under).import_file(path)


def test_approval_goes_up_the_tree_and_locks(db_url, tmp_path):
    engine = open_db(db_url)
    round_ = _round(engine)
    roster = tree(engine)
    # a county office with a small part of its own: two departments
    zj = roster.resolve("中江县人民政府")
    listing = tmp_path / "中江.csv"
    listing.write_text("单位全称,上级单位\n中江县教育和体育局,中江县\n中江县公安局,中江县\n", encoding="utf-8")
    import_units(engine, listing, zj, replace=True)
    roster = tree(engine)
    county = Steps(engine, roster, round_, zj, "县项目办")
    edu, police = roster.resolve("中江县教育和体育局"), roster.resolve("中江县公安局")
    assert _import(engine, tmp_path, edu.name).status == "imported"
    # a parent cannot submit before its children are done, and says which are not
    with pytest.raises(UsageError, match="中江县公安局（未报送）"):
        county.submit()
    # only the direct reviewer acts; the province cannot approve a county department
    with pytest.raises(UsageError, match="由“中江县人民政府”审核"):
        Steps(engine, roster, round_, roster.root, "省项目办").approve(edu)
    assert county.approve(edu).state == "approved"
    # approval locks: a new return is refused with the reason, until the office reopens it
    again = _import(engine, tmp_path, edu.name, seed=2)
    assert again.status == "rejected" and any(i.code == "RETURN_LOCKED" for i in again.report.issues)
    with pytest.raises(UsageError, match="须写明理由"):
        county.reopen(edu, "  ")
    assert county.reopen(edu, "单位要补报一个系统").state == "pending"
    assert _import(engine, tmp_path, edu.name, seed=3).status == "imported"
    county.approve(edu)
    with pytest.raises(UsageError, match="须写明理由"):
        county.exempt(police, "")
    assert county.exempt(police, "本轮机构改革，系统并入市公安局").state == "exempt"
    assert county.submit().state == "submitted"
    # submitted upward: the county's part is frozen
    frozen = _import(engine, tmp_path, police.name, seed=4)
    assert any(i.code == "RETURN_LOCKED" and "中江县人民政府" in str(i.value) for i in frozen.report.issues), frozen.report.issues
    with pytest.raises(UsageError, match="已锁定"):
        county.include(police)
    city = Steps(engine, roster, round_, roster.resolve("德阳市"), "市数据局")
    # the city approves, then reopens with a reason: the county's board says the level above's words
    assert city.approve(zj).state == "approved"
    assert "须由“德阳市人民政府”先重新打开" in str(_import(engine, tmp_path, police.name, seed=5).report.issues[-1].value)
    city.reopen(zj, "请核对教育局的系统数")
    board = run_cli("review", "status", "--under", "中江县", "--db", db_url, env={"COLUMNS": "250"})
    assert "上级重新打开：请核对教育局的系统数（市数据局" in " ".join(board.stdout.split()), board.stdout
    assert county.submit().state == "submitted"
    # the city sends the county back with a reason; the county can act again
    with pytest.raises(UsageError, match="须写明理由"):
        city.send_back(zj, "")
    back = city.send_back(zj, "公安局的系统请补报，不能免报")
    assert back.state == "returned" and back.reason == "公安局的系统请补报，不能免报"
    county.include(police)
    assert Board(engine, roster, round_, zj).statuses["中江县公安局"].state == "not_submitted"
    # history and audit log keep every step
    with engine.connect() as conn:
        steps = [a for (a,) in conn.execute(select(NodeApproval.action).order_by(NodeApproval.id))]
    assert steps == ["exempted", "submitted", "approved", "reopened", "submitted", "returned", "included"]
    logged = [e["action"] for e in entries(engine)]
    assert {"review_approve", "review_reopen", "review_exempt", "review_submit", "review_return", "review_include"} <= set(logged)


def test_an_office_imports_only_its_part_and_a_city_may_report_for_its_own(db_url, tmp_path):
    engine = open_db(db_url)
    _round(engine)
    roster = tree(engine)
    other = _import(engine, tmp_path, "成都市锦江区人民政府办公室", under=roster.resolve("德阳市"))
    assert other.status == "rejected" and [i.code for i in other.report.issues if i.severity == "error"] == ["UNIT_OUTSIDE"]
    # nothing of it is stored: it would stand in that unit's history, and its own office could not import it
    assert other.submission_id is None and "未写入数据库" in other.note and _submissions(engine) == 0
    assert "应由“成都市锦江区人民政府”的项目办" in other.note  # whose office it is, by name
    assert Importer(engine, under=roster.resolve("成都市")).import_file(other.path).status == "imported"
    # in a batch (one transaction for the chunk) the same: the other office's file is left out, the rest stored
    deyang = roster.resolve("德阳市")
    mine = _import(engine, tmp_path, "德阳市教育局", seed=2, under=deyang)
    theirs = _import(engine, tmp_path, "成都市教育局", seed=3, under=deyang)
    police = roster.resolve("德阳市公安局")
    new = write_return(tmp_path / "公安局.xlsx", load_form(), police, *clean_return(load_form(), police, 3, seed=4))
    batch = list(Importer(engine, under=deyang).import_files([theirs.path, new, mine.path]))
    assert [r.status for r in batch] == ["rejected", "imported", "unchanged"] and batch[0].submission_id is None
    assert _submissions(engine) == 3  # 锦江区's, 德阳市教育局's and 德阳市公安局's; nothing of 成都市教育局
    # a city's own return naming its departments as owners is its own part: accepted
    form = load_form()
    city = roster.resolve("德阳市")
    values, rows = clean_return(form, city, 4, seed=9)
    rows[form.main.name][0]["owner_unit"] = "德阳市教育局"
    rows[form.main.name][1]["owner_unit"] = "成都市教育局"  # another city's department: not its to report
    path = write_return(tmp_path / "德阳.xlsx", form, city, values, rows)
    result = Importer(engine).import_file(path)
    owners = [(i.code, i.value) for i in result.report.issues if i.code == "UNIT_OTHER_OWNER"]
    assert owners == [("UNIT_OTHER_OWNER", "成都市教育局")]


def test_coverage_at_a_city_rolls_up_its_part_by_level(db_url, tmp_path):
    engine = open_db(db_url)
    round_ = _round(engine)
    roster = tree(engine)
    for name in ("德阳市教育局", "德阳市公安局", "中江县教育和体育局"):
        assert _import(engine, tmp_path, name).status == "imported"
    Steps(engine, roster, round_, roster.resolve("德阳市"), "市数据局").exempt(roster.resolve("德阳市信访局"), "信访局无信息系统")
    cov = Reports(engine, under="德阳市").coverage()
    assert {u["unit"] for u in cov["units"]} <= {u.name for u in roster.subtree(roster.resolve("德阳市"))}
    city_level, county_level = cov["by_level"]["市（州）级"], cov["by_level"]["县（市、区）级"]
    assert city_level["units_accepted"] == 2 and city_level["units_exempt"] == 1
    assert city_level["units_expected"] == 33 - 1 and county_level["units_accepted"] == 1
    zj = next(c for c in cov["by_county"] if c["unit"] == "中江县人民政府")
    assert zj["units_accepted"] == 1 and zj["units_expected"] == 27 and zj["state"] == "collecting"
    assert cov["under"]["unit"] == "德阳市人民政府" and not cov["by_city"][1:]
    # the province sees every city's figures, one row each
    whole = Reports(engine).coverage()
    assert len(whole["by_city"]) == 21 and next(c for c in whole["by_city"] if c["short_name"] == "德阳市")["units_accepted"] == 3


def test_the_cli_works_in_levels(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    listed = run_cli("units", "list", "--under", "德阳市", "--depth", "1", "--json", "--db", db)
    assert listed.returncode == 0, listed.stderr
    assert {u["name"] for u in json.loads(listed.stdout)} >= {"德阳市人民政府", "德阳市教育局", "中江县人民政府"}
    assert all(u["depth"] <= 2 for u in json.loads(listed.stdout))
    open_round(open_db(db), "2026", "2026年全省", None)
    early = run_cli("review", "submit", "中江县", "--db", db)
    assert early.returncode == 2 and "还不能上报" in early.stderr and "Traceback" not in early.stderr
    status = run_cli("review", "status", "--under", "德阳市", "--json", "--db", db)
    rows = json.loads(status.stdout)
    assert rows[0]["unit"] == "德阳市人民政府" and rows[0]["state_name"] == "汇总中" and len(rows) == 40
    cov = run_cli("report", "coverage", "--under", "中江县", "--json", "--db", db)
    assert json.loads(cov.stdout)["totals"]["units_expected"] == 27
    # several units in one command, one reason for all; one that may not take the step is said, the rest done
    # without --under the CLI acts as the province, which reviews only its direct children (as on the portal)
    skipped = run_cli("review", "exempt", "中江县信访局", "--reason", "无信息系统", "--db", db)
    assert skipped.returncode == 2 and "由“中江县人民政府”审核，不由“四川省”审核" in skipped.stderr and "--under 中江县" in skipped.stderr
    elsewhere = run_cli("review", "exempt", "旌阳区公安局", "--reason", "x", "--under", "中江县", "--db", db)  # --under chose the office
    assert elsewhere.returncode == 2 and "不在“中江县人民政府”及其下级中" in elsewhere.stderr and "--under 旌阳区" not in elsewhere.stderr
    many = run_cli(
        "review", "exempt", "信访", "中江县统计局", "没有这个局", "--reason", "无信息系统", "--under", "中江县", "--json", "--db", db
    )
    assert many.returncode == 1 and json.loads(many.stdout)[2] == {"unit": "没有这个局", "error": json.loads(many.stdout)[2]["error"]}
    many = run_cli("review", "include", "信访", "统计", "--under", "中江县", "--db", db)  # (an unknown name stopped none of the others)
    assert many.returncode == 0, many.stderr
    many = run_cli("review", "exempt", "中江县信访局", "中江县统计局", "--reason", "无信息系统", "--under", "中江县", "--json", "--db", db)
    assert many.returncode == 0 and [r["state"] for r in json.loads(many.stdout)] == ["exempt", "exempt"]
    board = json.loads(run_cli("review", "status", "--under", "中江县", "--json", "--db", db).stdout)
    said = next(r for r in board if r["unit"] == "中江县信访局")
    assert said["reason"] == "无信息系统" and said["reason_by"] == "命令行" and said["reason_at"][:2] == "20"  # who, and when
    mixed = run_cli("review", "approve", "公安", "中江县信访局", "--under", "中江县", "--db", db)  # part of a name, under an office
    assert mixed.returncode == 1 and "✗ 中江县公安局" in mixed.stderr and "共 2 个" in mixed.stdout
    one = run_cli("review", "include", "中江县统计局", "--under", "中江县", "--json", "--db", db)  # one unit: one object, as before
    assert one.returncode == 0 and json.loads(one.stdout)["state"] == "not_submitted"


def test_an_office_s_findings_include_duplicates_across_the_whole_tree(db_url, tmp_path):
    engine = open_db(db_url)
    _round(engine)
    form, roster = load_form(), tree(engine)
    same = {
        "system_name": "智慧校园安全管理平台",
        "functions": "校园视频监控接入、门禁出入登记、校园安全隐患排查和整改跟踪",
        "status": "在用",
    }
    for i, name in enumerate(("中江县教育和体育局", "广汉市教育和体育局")):
        unit = roster.resolve(name)
        values, rows = clean_return(form, unit, 3, seed=40 + i)
        rows[form.main.name][0].update(same, category="业务应用系统", build_mode="自行建设")
        assert Importer(engine).import_file(write_return(tmp_path / f"{i}.xlsx", form, unit, values, rows)).status == "imported"
    county = Reports(engine, under="中江县").issues()
    listed = json.loads(run_cli("findings", "list", "--under", "中江县", "--json", "--db", db_url).stdout)["findings"]
    assert sorted(f["id"] for f in listed) == sorted(f["id"] for f in county["findings"])  # the CLI's list of the part, the same
    build = [f for f in county["findings"] if f["code"] == "FIND_DUPLICATE_BUILD"]
    assert build and {m["单位"] for m in build[0]["evidence"]["系统"]} == {"中江县教育和体育局", "广汉市教育和体育局"}
    # the other county's unit is named for reference: not in the 单位 column, nor in the summary by unit
    assert county["under"]["outside"] == ["广汉市教育和体育局"]
    sections = {s.title: s for s in issues_sections(county)}
    assert [r[0] for r in sections["按单位汇总"].rows] == ["中江县教育和体育局"]
    assert all("广汉市教育和体育局" not in r[3] for r in sections["评估发现"].rows) and "仅供参考" in sections["评估发现"].text[0]
    assert not [f for f in Reports(engine, under="什邡市").issues()["findings"] if f["code"] == "FIND_DUPLICATE_BUILD"]
    # a conclusion on it is the office's above both counties, not one county's for the other
    fid = build[0]["id"][:8]
    refused = run_cli("findings", "dismiss", fid, "--reason", "与广汉无关", "--under", "中江县", "--db", db_url, env={"COLUMNS": "250"})
    assert refused.returncode == 2 and "广汉市教育和体育局" in refused.stderr and "“德阳市人民政府”的项目办" in refused.stderr
    same_finding = [f for f in Reports(engine, under="广汉市").issues()["findings"] if f["id"] == build[0]["id"]]
    assert same_finding and not same_finding[0].get("review")  # nothing recorded
    done = run_cli("findings", "dismiss", fid, "--reason", "两校平台已核实不同", "--under", "德阳市", "--db", db_url)
    assert done.returncode == 0, done.stderr
    dismissed = json.loads(run_cli("findings", "list", "--state", "已排除", "--under", "德阳市", "--json", "--db", db_url).stdout)
    assert [f["id"] for f in dismissed["findings"]] == [build[0]["id"]]  # the state as the list words it
    unknown = run_cli("findings", "confirm", "0000aaaa", "--under", "中江县", "--db", db_url, env={"COLUMNS": "250"})
    assert unknown.returncode == 2 and "“中江县人民政府”本级及下级的评估发现里没有编号为“0000aaaa”的" in unknown.stderr


def test_the_cli_says_a_locked_return_needs_reopening_not_fixing(tmp_path, form, roster):
    db = f"sqlite:///{tmp_path / 'lock.db'}"
    unit = roster.resolve("人社厅")
    first = write_return(tmp_path / "hr.xlsx", form, unit, *clean_return(form, unit, 3, seed=5))
    assert run_cli("import", str(first), "--db", db).returncode == 0
    assert run_cli("review", "approve", "人社厅", "--db", db).returncode == 0  # the province reviews its departments itself
    second = write_return(tmp_path / "hr2.xlsx", form, unit, *clean_return(form, unit, 4, seed=6))
    again = run_cli("import", str(second), "--operator", "李明", "--db", db, env={"COLUMNS": "200"})
    said = " ".join(again.stdout.split())
    assert again.returncode == 1 and "已锁定，未入库" in said and "review reopen" in said and "生成反馈表" not in said, said
    assert "已锁定，未入库 │ │ 4 │ 0 │" in said, said  # the file itself has no error: the lock is not its fault
    logged = next(e for e in entries(open_db(db)) if e["action"] == "import" and e["actor"] == "李明")
    assert logged["detail"] == "已锁定 1"
    # every time a script reads is Beijing time, as on the pages (the same instant, the same clock)
    audit = json.loads(run_cli("audit", "list", "--json", "--db", db).stdout)
    sent = json.loads(run_cli("submissions", "list", "--json", "--db", db).stdout)
    assert audit and all(e["at"].endswith("+08:00") for e in audit) and sent[0]["received_at"].endswith("+08:00")


def test_a_city_s_coverage_and_brief_pages_roll_up_by_level(browser, tmp_path):
    """The pages a 市(州) office prints: its figures by level and per 区(县), in a real browser."""
    from inventory.report.formats import write_report

    engine = open_db(f"sqlite:///{tmp_path / 'city.db'}")
    round_ = _round(engine)
    roster = tree(engine)
    for name in ("德阳市教育局", "德阳市公安局", "中江县教育和体育局", "广汉市公安局"):
        _import(engine, tmp_path, name)
    Steps(engine, roster, round_, roster.resolve("德阳市"), "市数据局").approve(roster.resolve("德阳市教育局"))
    reports = Reports(engine, under="德阳市")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    cov = write_report("coverage", reports.coverage(), "html", tmp_path / "cov.html", reports.form)
    page.goto(Path(cov).as_uri())
    assert "统计范围：德阳市人民政府及其下级" in html(page)
    levels = page.locator("h2", has_text="按层级").locator("xpath=following-sibling::div[1]")
    rows = {r.locator("td").nth(0).text_content(): [c.text_content() for c in r.locator("td").all()] for r in levels.locator("tr.r").all()}
    assert rows["市（州）级"][3] == "2" and rows["市（州）级"][4] == "1" and rows["县（市、区）级"][3] == "2", rows
    counties = page.locator("h2", has_text="各区（县）").locator("xpath=following-sibling::div[1]")
    assert counties.locator("tr.r").count() == 6 and "中江县人民政府" in counties.text_content()
    brief = write_report("brief", reports.brief(), "html", tmp_path / "brief.html", reports.form)
    page.goto(Path(brief).as_uri())
    assert "统计范围：德阳市人民政府及其下级（按层级：市（州）级 应报 33、已入库 2，县（市、区）级 应报 162、已入库 2）" in html(page)
    page.close()


def test_a_part_with_every_unit_exempt_shows_no_rate_rather_than_none_returned():
    from inventory.report.sections import _rollup_section, coverage_sections, rate

    exempt = {"units_expected": 0, "units_submitted": 0, "units_accepted": 0, "units_exempt": 27, "accepted_share": 0.0, "systems": 0}
    some = dict(exempt, units_expected=4, units_accepted=1, units_exempt=23, accepted_share=0.25)
    assert (rate(exempt), rate(some)) == ("—", "25.0%")
    rows = _rollup_section("各区（县）", "区（县）", [("罗江区", exempt), ("中江县", some)]).rows
    assert [r[9] for r in rows] == ["—", "25.0%"]
    figures = coverage_sections({"totals": exempt, "units": []})[0]
    assert ["入库率", "—"] in [list(r) for r in figures.rows]


def test_validate_judges_the_office_part_as_import_will_and_points_into_subfolders(tmp_path):
    form, roster = load_form(), load_roster()
    assert roster.resolve("旌阳区公安局").name == "德阳市旌阳区公安局"  # the end of one full name only is enough
    with pytest.raises(UsageError):
        roster.resolve("区公安局")  # the end of many: which one cannot be known
    folder = tmp_path / "回收" / "旌阳区"
    folder.mkdir(parents=True)
    unit = roster.resolve("德阳市旌阳区教育和体育局")
    path = write_return(folder / "教体局.xlsx", form, unit, *clean_return(form, unit, 3, seed=5))
    mine = run_cli("validate", str(path), "--under", "旌阳区", "--json")
    theirs = run_cli("validate", str(path), "--under", "中江县", "--json")
    assert mine.returncode == 0 and theirs.returncode == 1
    codes = [i["code"] for i in json.loads(theirs.stdout)["files"][0]["issues"]]
    assert codes.count("UNIT_OUTSIDE") == 1
    nothing = run_cli("validate", str(tmp_path / "回收"))
    assert nothing.returncode == 2 and "子文件夹里有 1 个 Excel 文件" in nothing.stderr


def test_a_city_s_templates_come_in_a_folder_per_county_office(tmp_path):
    from inventory.cli.forms import _office_folders
    from inventory.template import write_templates

    roster = load_roster()
    city = roster.resolve("德阳市")
    scope = Scope(roster, "all", city)
    folders = _office_folders(scope, city, list(scope.reporters))
    assert "德阳市教育局" not in folders  # the city collects its own departments: at the top
    assert folders["中江县公安局"] == Path("中江县") and set(folders.values()) >= {Path("旌阳区"), Path("中江县")}
    units = [roster.resolve("德阳市教育局"), roster.resolve("中江县公安局")]
    made = write_templates(load_form(), units, tmp_path / "模板", folders=folders)
    assert [p.relative_to(tmp_path / "模板").parent for p in made] == [Path("."), Path("中江县")]


def test_what_a_resubmission_changed_is_said_system_by_system():
    from inventory.workflow.reviews import changes

    titles = {"system_name": "系统名称", "registered_users": "注册用户数", "usage_scope": "使用范围"}
    before = [
        {"system_no": "1", "system_name": "甲", "registered_users": None, "usage_scope": ["本部门"]},
        {"system_no": "2", "system_name": "乙", "registered_users": 5},
    ]
    after = [
        {"system_no": "1", "system_name": "甲", "registered_users": 120, "usage_scope": ["本部门", "市县"]},
        {"system_no": "3", "system_name": "丙", "registered_users": 1},
    ]
    got = changes(before, after, titles)
    assert got["added"] == ["丙"] and got["dropped"] == ["乙"]
    assert got["edits"] == [("甲", "注册用户数", None, 120), ("甲", "使用范围", "本部门", "本部门、市县")]


def test_the_cli_lists_what_a_replacing_list_retires(tmp_path):
    db = f"sqlite:///{tmp_path / 'list.db'}"
    listing = tmp_path / "德阳.csv"
    listing.write_text("单位全称,上级单位\n德阳市数据局,德阳市\n", encoding="utf-8")
    refused = run_cli("units", "import", str(listing), "--under", "德阳市", "--replace", "--db", db)
    assert refused.returncode == 2 and "“中江县人民政府”（连同下级" in refused.stderr and "--retire-offices" in refused.stderr
    seen = run_cli("units", "import", str(listing), "--under", "德阳市", "--replace", "--dry-run", "--db", db, env={"COLUMNS": "200"})
    assert seen.returncode == 0 and "预演（名册没有改动）" in seen.stdout and "中江县人民政府（连同下级" in seen.stdout
    assert "德阳市教育局" in seen.stdout and "中江县公安局" not in seen.stdout  # a county's units go with it, in one line
    done = run_cli("units", "import", str(listing), "--under", "德阳市", "--replace", "--retire-offices", "--db", db)
    assert done.returncode == 0 and "已导入" in done.stdout and "停用的单位" in done.stdout
    left = run_cli("units", "list", "--under", "德阳市", "--json", "--db", db)
    assert "中江县人民政府" not in left.stdout and "德阳市数据局" in left.stdout


def test_an_exported_list_imports_back_as_no_change_and_an_edit_of_it_as_that_edit(tmp_path):
    from openpyxl import load_workbook

    db = f"sqlite:///{tmp_path / 'export.db'}"
    listing = tmp_path / "中江县.xlsx"
    done = run_cli("units", "export", "--under", "中江县", "-o", str(listing), "--db", db)
    assert done.returncode == 0, done.stderr
    wb = load_workbook(listing)
    rows = [[c.value for c in r] for r in wb.active.iter_rows()]
    assert rows[0][:3] == ["单位全称", "简称", "上级单位"] and len(rows) > 10
    assert all(r[2] for r in rows[1:]) and not any("旌阳区" in r[0] for r in rows[1:])
    back = run_cli("units", "import", str(listing), "--under", "中江县", "--replace", "--dry-run", "--json", "--db", db)
    said = json.loads(back.stdout)
    assert (said["added"], said["changed"], said["retired"], said["unchanged"]) == ([], [], [], len(rows) - 1)
    wb.active.append(["中江县数据局", "县数据局", "中江县", "区县部门"])
    wb.active.delete_rows(2)  # the first unit left out
    wb.save(listing)
    edit = json.loads(run_cli("units", "import", str(listing), "--under", "中江县", "--replace", "--dry-run", "--json", "--db", db).stdout)
    assert edit["added"] == ["中江县数据局"] and len(edit["retired"]) == 1 and edit["retired"][0] == rows[1][0]


def test_a_department_with_units_below_is_still_chased_for_its_own_return(tmp_path):
    engine = open_db(f"sqlite:///{tmp_path / 'own.db'}")
    _round(engine)
    listing = tmp_path / "下属.csv"
    listing.write_text("单位全称,简称,上级单位\n中江县教育技术装备中心,县电教馆,中江县教育和体育局\n", encoding="utf-8")
    import_units(engine, listing, tree(engine).resolve("中江县"))
    cov = Reports(engine, under="中江县").coverage()
    office = next(u for u in cov["units"] if u["unit"] == "中江县教育和体育局")
    assert office["state"] == "collecting"  # an office now: 汇总中
    chase = {c["unit"]: c for c in cov["chase"]}
    assert chase["中江县教育和体育局"]["reason"] == "未报送（指本单位自己的报表，不是下属单位的）"
    assert chase["中江县教育和体育局"]["state"] == "not_submitted" and "中江县教育技术装备中心" in chase
    assert len(cov["chase"]) == cov["totals"]["units_not_submitted"]  # everyone who owes a return is chased


def test_a_county_exempted_whole_takes_its_departments_out_of_the_round_and_says_so(tmp_path):
    db = f"sqlite:///{tmp_path / 'whole.db'}"
    engine = open_db(db)
    _round(engine)
    before = Reports(engine, under="德阳市").coverage()
    done = run_cli("review", "exempt", "中江县", "--reason", "机构撤并", "--under", "德阳市", "--db", db, env={"COLUMNS": "250"})
    assert done.returncode == 0, done.stderr
    below = len(tree(engine).subtree(tree(engine).resolve("中江县"))) - 1
    assert f"下面还有 {below} 个单位，随它一起免报" in done.stderr
    cov = Reports(engine, under="德阳市").coverage()
    dept = next(u for u in cov["units"] if u["unit"] == "中江县公安局")
    assert dept["state"] == "exempt" and dept["reason"] == "随“中江县人民政府”免报：机构撤并"
    assert not [c for c in cov["chase"] if c["unit"].startswith("中江县")]  # nobody there is chased
    assert cov["totals"]["units_expected"] == before["totals"]["units_expected"] - below
    back = run_cli("review", "include", "中江县", "--under", "德阳市", "--db", db)
    assert back.returncode == 0 and Reports(engine, under="德阳市").coverage()["totals"] == before["totals"]


def test_a_list_says_what_it_changes_and_how_to_move_a_unit_across_parts(tmp_path):
    db = f"sqlite:///{tmp_path / 'move.db'}"
    wide = {"COLUMNS": "250"}
    first = tmp_path / "教育厅.csv"
    first.write_text("单位全称,简称,上级单位,联系人\n四川省疾病预防控制中心,省疾控,教育厅,王五\n", encoding="utf-8")
    assert run_cli("units", "import", str(first), "--under", "教育厅", "--db", db).returncode == 0  # put under the wrong parent
    wrong = tmp_path / "卫健委.csv"
    wrong.write_text("单位全称,简称,上级单位\n四川省疾病预防控制中心,省疾控,卫健委\n", encoding="utf-8")
    refused = run_cli("units", "import", str(wrong), "--under", "卫健委", "--db", db, env=wide)
    assert refused.returncode == 2 and "由同时管着两边的“四川省”导入名单" in refused.stderr
    moved = run_cli("units", "import", str(wrong), "--under", "四川省", "--dry-run", "--db", db, env=wide)
    assert moved.returncode == 0 and "上级：四川省教育厅 → 四川省卫生健康委员会" in moved.stdout
    assert "联系人" not in moved.stdout.split("修改的单位：")[1]  # a blank contact keeps the one known: no change
    said = json.loads(run_cli("units", "import", str(wrong), "--under", "四川省", "--json", "--db", db).stdout)
    assert said["changes"] == {"四川省疾病预防控制中心": ["上级：四川省教育厅 → 四川省卫生健康委员会"]}


def test_a_folder_imported_under_the_wrong_office_is_said_once(tmp_path):
    db = f"sqlite:///{tmp_path / 'wrong.db'}"
    form, roster = load_form(), load_roster()
    folder = tmp_path / "回收"
    folder.mkdir()
    for i, name in enumerate(("中江县公安局", "中江县教育和体育局")):
        unit = roster.resolve(name)
        values, rows = clean_return(form, unit, 2, seed=70 + i)
        write_return(folder / f"{i}.xlsx", form, unit, values, rows)
    said = run_cli("import", str(folder), "--under", "广汉市", "--db", db, env={"COLUMNS": "250"})
    assert "这 2 个文件都不属于“广汉市人民政府”，--under 是否写错了？它们属于：中江县人民政府。" in said.stdout


def test_last_round_s_exemption_is_said_beside_this_round_s_not_submitted(tmp_path):
    from inventory.report import Reports
    from inventory.workflow.states import Board

    engine = open_db(f"sqlite:///{tmp_path / 'ex.db'}")
    first = _round(engine)
    roster = tree(engine)
    county = roster.resolve("中江县")
    Steps(engine, roster, first, county, "县项目办").exempt(roster.resolve("信访局", within=county), "本单位无信息系统")
    open_round(engine, "2027", "2027年全省", None)
    board = Board(engine, roster, pick(engine), county)
    st = board.statuses["中江县信访局"]
    assert st.state == "not_submitted" and st.reason == "上一轮免报：本单位无信息系统"  # a hint: it is not exempt this round
    chase = {c["unit"]: c["reason"] for c in Reports(engine, under="中江县").coverage()["chase"]}
    assert chase["中江县信访局"] == "未报送（上一轮免报：本单位无信息系统）"


def test_a_file_refused_before_the_list_named_its_unit_is_taken_once_it_does(tmp_path):
    """Refused for what has changed since (here: the unit was not yet on the roster), the same bytes pass
    now and are a return of their own; sent a third time, they are 'unchanged'."""
    from inventory.form.roster import Unit

    db = f"sqlite:///{tmp_path / 'later.db'}"
    engine = open_db(db)
    form = load_form()
    county = tree(engine).resolve("中江县")
    newcomer = Unit("中江县数据局", "县数据局", (), "区县部门", "县（市、区）级", county.region_code, False, code="x", parent=county.code)
    path = write_return(tmp_path / "数据局.xlsx", form, newcomer, *clean_return(form, newcomer, 3, seed=8))
    first = Importer(engine).import_file(path)
    assert first.status == "rejected" and any(i.code == "UNIT_UNKNOWN" for i in first.report.issues)
    listing = tmp_path / "中江.csv"
    listing.write_text("单位全称,简称,上级单位\n中江县数据局,县数据局,中江县\n", encoding="utf-8")
    import_units(engine, listing, county)
    second = Importer(engine).import_file(path)
    assert second.status == "imported" and second.current and second.submission_id != first.submission_id
    assert Importer(engine).import_file(path).status == "unchanged"


def test_a_return_sent_back_by_mistake_then_approved_is_read_as_approved_by_the_next_reviewer(tmp_path):
    from inventory.workflow.reviews import decide, previous_return, submission_rows

    engine = open_db(f"sqlite:///{tmp_path / 'undo.db'}")
    first = _import(engine, tmp_path, "中江县公安局", seed=1)
    decide(engine, first.submission_id, "returned", "这条意见是给别的单位的", "县项目办")
    decide(engine, first.submission_id, "approved", "刚才退回有误，现审核通过", "县项目办")
    open_round(engine, "2027", "2027年全省", None)  # next year: a new return, read against last year's
    second = _import(engine, tmp_path, "中江县公安局", seed=2)
    row = next(r for r in submission_rows(engine, "中江县公安局") if r["id"] == second.submission_id)
    before = previous_return(engine, row)
    assert before["returned"] is None and before["approved"]["comment"] == "刚才退回有误，现审核通过"
    assert before["round"] == first_round_key(engine)  # last year's: said beside it on the review page


def first_round_key(engine):
    from inventory.workflow.rounds import rounds

    return rounds(engine)[0]["key"]


def test_an_exemption_whose_reason_reads_like_a_late_unit_is_questioned(tmp_path):
    from inventory.workflow.approvals import exemption_warning

    assert exemption_warning("本单位无信息系统") is None and exemption_warning("机构撤并") is None
    assert "继续催报" in exemption_warning("逾期未报，三次催报无回复，暂作免报，待补报")
    db = f"sqlite:///{tmp_path / 'warn.db'}"
    assert run_cli("db", "upgrade", "--db", db).returncode == 0
    said = run_cli("review", "exempt", "信访局", "--under", "中江县", "--reason", "逾期未报，暂作免报", "--db", db)
    assert said.returncode == 0 and "已同意免报" in said.stdout and "不再出现在催报名单" in said.stderr
