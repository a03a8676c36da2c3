"""Deadline week in the portal (issue 28, what the office and units saw): codes shown by
post-redirect-get, the banner following the review, Beijing time, superseded and locked returns,
reminders previewed, the audit log in Chinese with its CLI, uploads that are no workbook, problems
beside their system, the round and its deadline on a page, late returns. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
from conftest import run_cli
from test_portal import Browser, portal, sid_of, upload  # noqa: F401 (the fixture)

from inventory.demo.synth import clean_return, write_return
from inventory.store import accounts
from inventory.store.audit import entries
from inventory.web.pages import wan
from inventory.workflow.rounds import open_round, pick


def _return(tmp, form, roster, short, name, seed=1, broken=False):
    unit = roster.resolve(short)
    values, rows = clean_return(form, unit, 6, seed=seed)
    if broken:
        rows[form.main.name][1]["layer"] = "应用"
    return write_return(tmp / name, form, unit, values, rows), rows[form.main.name]


def test_a_code_page_reloads_the_same_code_and_bulk_codes(portal, roster):  # noqa: F811
    app, office, _units, _tmp, _ = portal
    page = office.get("/office/units?q=德阳市教育局").text
    uid = re.search(r'/office/units/(\d+)/code"', page).group(1)
    r = office.post(f"/office/units/{uid}/code", page="/office/units")
    assert r.url.path == "/office/units/issued"
    code = re.search(r'class="code">([A-Z0-9-]{14})<', r.text).group(1)
    again = office.get("/office/units/issued")  # the reload of what the POST led to
    assert code in again.text  # the same code, not a new one that voids what was read out
    assert accounts.redeem_code(app.state.engine, code) is not None
    # several units at once: one page of codes, each with a message ready to paste
    page = office.get("/office/units?q=德阳市旌阳区").text
    ids = re.findall(r'name="uid" value="(\d+)"', page)[:3]
    r = office.post("/office/units/codes", {"uid": ids}, page="/office/units")
    codes = re.findall(r'class="code">([A-Z0-9-]{14})<', r.text)
    assert len(codes) == 3 and "用登录码登录" in r.text
    assert "+00:00" not in r.text  # Beijing time, not UTC


def _uid(app, roster):
    from sqlalchemy import select

    from inventory.store.models import Unit

    with app.state.engine.connect() as conn:
        return conn.scalar(select(Unit.id).where(Unit.name == roster.resolve("人社厅").name))


def test_the_unit_s_banner_follows_the_review_and_a_locked_return_takes_no_upload(portal, form, roster):  # noqa: F811
    app, office, units, tmp, _ = portal
    hr = units["人社厅"]
    bad_path, bad_rows = _return(tmp, form, roster, "人社厅", "bad.xlsx", broken=True)
    bad = upload(hr, bad_path)
    # the problem is shown beside its system's number and name
    assert bad_rows[1]["system_no"] in bad.text and bad_rows[1]["system_name"] in bad.text
    assert "（编号 " not in bad.text  # the FAQ entry is a link, its internal id is not in the hint
    first = sid_of(upload(hr, _return(tmp, form, roster, "人社厅", "one.xlsx")[0]))
    assert "等待项目办审核" in hr.get(f"/unit/submissions/{first}").text
    office.post(f"/office/submissions/{first}/decision", {"decision": "returned", "comment": "补充运维金额"}, page="/office")
    page = hr.get(f"/unit/submissions/{first}").text
    assert "项目办已退回修改" in page and "等待项目办审核" not in page
    second = sid_of(upload(hr, _return(tmp, form, roster, "人社厅", "two.xlsx", seed=3)[0]))
    # the superseded version: warned, not decidable, not in the state tabs
    old = office.get(f"/office/submissions/{first}").text
    assert "已被该单位后来的报送替代" in old and f"/office/submissions/{second}" in old
    r = office.post(f"/office/submissions/{first}/decision", {"decision": "approved"}, page="/office")
    assert "不能再审核" in r.text
    returned_tab = office.get("/office/submissions?state=returned").text
    assert f"<td>{first}</td>" not in returned_tab
    assert f"<td>{first}</td>" in office.get("/office/submissions?state=all").text
    r = office.post("/office/submissions/approve", {"sid": [str(first), str(second)]}, page="/office/submissions")  # in bulk
    assert "已审核通过 1 份报送" in r.text and "不能再审核" in r.text  # the superseded one is refused by name
    files = office.get(f"/office/units/{_uid(app, roster)}/files.zip")
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(files.content)).namelist()
    assert len(names) == 3 and any(n.endswith("two.xlsx") for n in names)  # every file it sent, as received
    page = hr.get(f"/unit/submissions/{second}").text
    assert "项目办已审核通过" in page and "等待项目办审核" not in page and "锁定" in page
    # an approved return takes no new upload until it is reopened: said at once, nothing stored
    home = hr.get("/unit").text
    assert "锁定" in home and "disabled" in home
    r = upload(hr, _return(tmp, form, roster, "人社厅", "three.xlsx", seed=5)[0])
    assert "不能再上传新的报表" in r.text
    listed = json.loads(run_cli("submissions", "list", "--json", "--db", app.state.settings.db).stdout)
    assert "three.xlsx" not in {s["file_name"] for s in listed}
    assert any(e["action"] == "upload_refused" for e in entries(app.state.engine))
    # a new round: the unit's page speaks of this round, last year's approval is history
    open_round(app.state.engine, "2027", "2027年度更新", dt.date(2027, 6, 30), dt.date(2099, 1, 1))
    home = hr.get("/unit").text
    state = home[home.index("本轮：") :][:600]
    assert "2027年度更新" in state and "未报送" in state and "已通过" not in state and "审核通过本单位" not in home
    assert 'id="before"' in home and "上一轮" in home  # what last round's return held, to be checked again
    assert "<th>轮次</th>" in home and "disabled" not in home  # the history says which round; the new round takes uploads


def test_a_new_round_is_opened_only_after_the_office_has_read_what_it_closes(portal, form, roster):  # noqa: F811
    app, office, units, tmp, _ = portal
    new = {"new": "1", "key": "2026", "name": "2026年度摸底", "as_of": "2026-06-30", "deadline": "2099-01-15"}
    assert "已保存：2026年度摸底" in office.post("/office/round", new, page="/office/round").text  # the empty first round gives way
    upload(units["人社厅"], _return(tmp, form, roster, "人社厅", "a.xlsx")[0])  # the round holds a return now
    bad = office.post(
        "/office/round",
        {"new": "1", "key": "2027", "name": "2027年度", "as_of": "2027/6/30", "deadline": "2099-13-01"},
        page="/office/round",
    )
    assert bad.status_code == 400 and "格式不对" in bad.text and 'value="2027年度"' in bad.text  # what was typed stays
    ask = office.post(
        "/office/round", {**new, "key": "2027", "name": "2027年度", "as_of": "2027/6/30", "deadline": ""}, page="/office/round"
    )
    assert "确认开启新一轮" in ask.text and "关闭现在开放的“2026年度摸底”" in ask.text and "还没到截止日期" in ask.text
    assert pick(app.state.engine)["key"] == "2026"  # nothing opened yet
    done = office.post(
        "/office/round",
        {"new": "1", "key": "2027", "name": "2027年度", "as_of": "2027-06-30", "deadline": "", "confirmed": "1"},
        page="/office/round",
    )
    assert "已保存：2027年度" in done.text and "原来的轮次“2026年度摸底”已关闭" in done.text
    back = office.post("/office/round/reopen", {"key": "2026", "confirmed": "1"}, page="/office/round")
    assert "已重新打开“2026年度摸底”" in back.text and pick(app.state.engine)["key"] == "2026"


def test_round_deadline_late_returns_and_beijing_time(portal, form, roster):  # noqa: F811
    app, office, units, tmp, _ = portal
    # a fresh install's first round carries the form's old date: no "已超过截止日" countdown
    home = office.get("/office").text
    assert "已超过报送截止日" not in home and "未设置" in home
    first = office.get("/office/round").text  # the round page says the same as the dashboard and the CLI
    assert "视为未设" in first and "还有" not in first
    r = office.post(
        "/office/round",
        {"new": "1", "key": "2026", "name": "2026年度摸底", "as_of": "2026-06-30", "deadline": ""},
        page="/office/round",
    )
    assert "已保存：2026年度摸底" in r.text
    from sqlalchemy import select, text

    from inventory.store.models import Submission

    with (
        app.state.engine.begin() as conn
    ):  # the round was opened in June (a past date is refused when opening): its deadline has passed since
        conn.execute(
            text("update rounds set opened_at = :t, deadline = :d where key = '2026'"),
            {"t": dt.datetime(2026, 6, 1, tzinfo=dt.UTC), "d": dt.date(2026, 7, 31)},
        )
    assert "2026年度摸底" in office.get("/office").text and "已超过报送截止日" in office.get("/office").text
    assert "2026-06-01 08:00（北京时间）" in office.get("/office/round").text  # opened at 00:00 UTC: 08:00 in Beijing, not 16:00
    # a return received after the deadline is marked late, on the queue and for the unit
    sid = sid_of(upload(units["人社厅"], _return(tmp, form, roster, "人社厅", "late.xlsx")[0]))
    assert "逾期" in office.get("/office/submissions").text
    assert "记为逾期" in units["人社厅"].get(f"/unit/submissions/{sid}").text
    cov = office.get("/office/reports/coverage.json").json()
    t = cov["totals"]
    assert t["units_late_submitted"] == 1 and t["units_overdue"] == t["units_not_submitted"] > 0  # two kinds, said apart
    assert t["units_late"] == t["units_late_submitted"] + t["units_overdue"]
    home = office.get("/office").text
    assert "<b>1</b><span>逾期报送</span>" in home and f"<b>{t['units_overdue']}</b><span>逾期未报</span>" in home
    # every time on the pages is Beijing time: the upload's UTC instant shows eight hours on
    with app.state.engine.connect() as conn:
        at = conn.execute(select(Submission.received_at).where(Submission.id == sid)).scalar()
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    local = at.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert local in office.get("/office/submissions").text and local in units["人社厅"].get("/unit").text
    # a county office reads the deadline but may not move it
    accounts.create_account(app.state.engine, "德阳办", "admin", roster.resolve("德阳市").name, "office-pass-1234")
    city = Browser(app)
    city.login("德阳办", "office-pass-1234")
    assert "2026-07-31" in city.get("/office/round").text
    assert city.post("/office/round", {"deadline": "2027-01-01"}, page="/office/round").status_code == 403
    # the round's deadline can be moved by the province; an impossible date is refused in Chinese
    assert "格式不对" in office.post("/office/round", {"deadline": "2026-02-30"}, page="/office/round").text
    open_round(app.state.engine, "2027", "2027年度", dt.date(2027, 6, 30), dt.date(2099, 1, 1))
    assert "距报送截止日" in office.get("/office").text


def test_the_audit_log_in_chinese_filtered_paged_exported_and_from_the_cli(portal, form, roster, tmp_path):  # noqa: F811
    app, office, units, _tmp, _admin = portal
    units["成都"].get("/office")  # a unit trying an office page: refused, and logged
    upload(units["成都"], _return(_tmp, form, roster, "成都", "cd.xlsx", broken=True)[0])
    logged = next(e for e in entries(app.state.engine) if e["action"] == "upload")
    assert logged["detail"].endswith("：未通过校验")  # the status in the log's words, not its code
    table = office.get("/office/audit").text.split('id="audit"')[1]
    assert "越权访问被拒" in table and "用登录码登录" in table and "login_code" not in table
    only = office.get("/office/audit", params={"action": "denied"}).text
    assert "越权访问被拒" in only and "用登录码登录" not in only.split('id="audit"')[1]
    export = office.get("/office/audit.xlsx")
    assert export.status_code == 200
    (tmp_path / "a.xlsx").write_bytes(export.content)
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    assert ws["A1"].value.startswith("时间") and any(r[4].value == "越权访问被拒" for r in ws.iter_rows(min_row=2))
    denied = next(r for r in ws.iter_rows(min_row=2) if r[4].value == "越权访问被拒")
    assert denied[5].value == "打开：工作台" and denied[8].value == "GET /office"  # the page in Chinese, the request kept
    db = app.state.settings.db
    listed = json.loads(run_cli("audit", "list", "--json", "--action", "denied", "--db", db).stdout)
    assert listed and all(e["action_name"] == "越权访问被拒" for e in listed)
    by_name = json.loads(run_cli("audit", "list", "--json", "--action", "越权访问被拒", "--db", db).stdout)
    assert [e["id"] for e in by_name] == [e["id"] for e in listed]  # the name the log shows does as well as the code
    unknown = run_cli("audit", "list", "--action", "越权", "--db", db)
    assert unknown.returncode == 2 and "denied（越权访问被拒）" in unknown.stderr
    made = run_cli("account", "add", "德阳市项目办", "--under", "德阳市", "--db", db)
    assert made.returncode == 0 and "初始密码" in made.stdout
    assert any(e["action"] == "account_add" and e["role"] == "cli" for e in entries(app.state.engine))
    from test_portal import make_return

    from inventory.form import load_form, load_roster

    path = make_return(_tmp, load_form(), load_roster(), "德阳", "cli.xlsx")
    assert run_cli("import", str(path), "--operator", "李明", "--db", db).returncode in (0, 1)
    logged = next(e for e in entries(app.state.engine) if e["action"] == "import" and e["actor"] == "李明")
    assert logged["detail"].split(" ")[0] in ("已入库", "未通过校验")  # the log's words, not the status codes
    refused = run_cli("audit", "prune", "--older-than-days", "30", "--db", db)
    assert refused.returncode != 0 and "六个月" in refused.stderr
    assert run_cli("audit", "prune", "--older-than-days", "200", "--db", db).returncode == 0
    assert run_cli("audit", "export", str(tmp_path / "cli.xlsx"), "--db", db).returncode == 0 and (tmp_path / "cli.xlsx").exists()
    assert run_cli("audit", "export", "-o", str(tmp_path / "o.xlsx"), "--db", db).returncode == 0 and (tmp_path / "o.xlsx").exists()
    targets = [r[5].value for r in openpyxl.load_workbook(tmp_path / "cli.xlsx").active.iter_rows(min_row=2)]
    assert "打开：工作台" in targets and not any(str(t).startswith("GET ") for t in targets)


def test_amounts_that_look_like_yuan_are_said_in_wan_too():
    assert wan(350000) == "350000（如按元填写，即 35 万元）" and wan(12.5) == "12.5" and wan(None) == ""


def test_instants_are_stored_unambiguously_on_both_databases(db_url):
    """An instant given in Beijing time reads back as the same instant, with its zone, on SQLite as on
    PostgreSQL (SQLite keeps no zone: it is written in UTC)."""
    from sqlalchemy import select, update

    from inventory.beijing import BEIJING, shown
    from inventory.store.db import open_db
    from inventory.store.models import Round

    engine = open_db(db_url)
    open_round(engine, "t", "测试轮次", dt.date(2026, 6, 30))
    six_pm = dt.datetime(2026, 7, 31, 18, 0, tzinfo=BEIJING)
    with engine.begin() as conn:
        conn.execute(update(Round).where(Round.key == "t").values(opened_at=six_pm, closed_at=dt.datetime(2026, 7, 31, 10, 0)))
        back, naive = conn.execute(select(Round.opened_at, Round.closed_at).where(Round.key == "t")).one()
    assert back.tzinfo is not None and back == six_pm and shown(back) == "2026-07-31 18:00"
    assert naive == dt.datetime(2026, 7, 31, 10, 0, tzinfo=dt.UTC)  # a time without a zone was UTC
