"""Sign-off (承诺书) on SQLite and PostgreSQL: signing with the password again, the values recorded
and printed, the lock it puts on uploads, voiding by the office's reopening (portal and CLI), the
history and the audit log."""

from __future__ import annotations

import json

import test_portal
from conftest import run_cli
from test_portal import Browser, make_return, sid_of, upload

from inventory.store.audit import entries

portal = test_portal.portal  # the portal fixture: SQLite and PostgreSQL, an office and two units signed in


def sign(b, password="temp-pass-1234", name="张三", role="副局长"):
    return b.post("/unit/signoff", {"name": name, "role": role, "password": password}, page="/unit/signoff")


def test_a_unit_signs_is_locked_and_the_office_reopens(portal, form, roster):
    app, office, units, tmp, _ = portal
    hr, cd = units["人社厅"], units["成都"]
    assert "还没有校验通过的报表" in hr.get("/unit/signoff").text
    assert "本轮还没有校验通过的报表" in sign(hr).text  # nothing to sign yet
    path = make_return(tmp, form, roster, "人社厅", "hr.xlsx")
    first = sid_of(upload(hr, path))
    # the wrong password signs nothing and is logged
    r = sign(hr, password="not-my-password")
    assert "密码不对" in r.text and "确认签署" in r.text
    assert any(e["action"] == "signoff_failed" for e in entries(app.state.engine))
    r = sign(hr, name="<b>张三</b>")
    assert "已签署" in r.text and "&lt;b&gt;张三&lt;/b&gt;" in r.text and "<b>张三</b>" not in r.text  # escaped
    import hashlib

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sha in r.text
    letter_link = r.text.split('href="/unit/signoff/')[1].split('"')[0]
    letter = hr.get(f"/unit/signoff/{letter_link}")
    assert letter.status_code == 200 and "承诺书" in letter.text and sha in letter.text and "副局长" in letter.text
    assert "北京时间" in letter.text and "单位（盖章）" in letter.text
    assert cd.get(f"/unit/signoff/{letter_link}").status_code == 404  # another unit's letter does not exist for it
    assert "无需再签" in sign(hr).text  # once is enough
    # locked: a new upload is refused and says why, nothing stored as current
    again = upload(hr, make_return(tmp, form, roster, "人社厅", "hr2.xlsx", seed=3))
    assert "已签署承诺书并锁定" in again.text
    listed = json.loads(run_cli("submissions", "list", "--json", "--db", app.state.settings.db).stdout)
    assert [s["id"] for s in listed if s["status"] == "accepted"] == [first]
    # the office sees the signature, and reopening needs a reason
    page = office.get("/office/signoffs").text
    assert "四川省人力资源和社会保障厅" in page and "有效" in page
    sid = letter_link.split("/")[0]
    assert "须写明理由" in office.post(f"/office/signoffs/{sid}/void", {"reason": " "}, page="/office/signoffs").text
    r = office.post(f"/office/signoffs/{sid}/void", {"reason": "第3个系统的金额需核实"}, page="/office/signoffs")
    assert "签署作废" in r.text and "已作废" in r.text
    assert office.get(f"/office/signoffs/{sid}/letter").text.count("已作废") == 1  # the printed letter says so
    # open again: the unit uploads, and signs the new workbook
    third = sid_of(upload(hr, make_return(tmp, form, roster, "人社厅", "hr3.xlsx", seed=4)))
    assert third != first
    page = sign(hr, name="李四", role="局长").text
    assert "李四" in page and "第3个系统的金额需核实" in page  # the history keeps the void one and why
    history = json.loads(run_cli("signoff", "list", "--json", "--db", app.state.settings.db).stdout)
    assert [(h["signer_name"], h["voided"], h["submission_id"]) for h in history] == [("李四", False, third), ("<b>张三</b>", True, first)]
    actions = [e["action"] for e in entries(app.state.engine)]
    assert actions.count("signoff") == 2 and actions.count("signoff_void") == 1
    # the office sending the signed return back voids the signature too
    office.post(
        f"/office/submissions/{third}/decision", {"decision": "returned", "comment": "请补充附件"}, page=f"/office/submissions/{third}"
    )
    history = json.loads(run_cli("signoff", "list", "--unit", "人社厅", "--json", "--db", app.state.settings.db).stdout)
    assert history[0]["voided"] and history[0]["void_reason"] == "请补充附件"
    # the CLI reopens too, and says so when there is nothing to reopen
    r = run_cli("signoff", "reopen", "人社厅", "--reason", "x", "--db", app.state.settings.db)
    assert r.returncode == 2 and "没有生效的签署" in r.stderr and "Traceback" not in r.stderr


def test_signing_is_refused_after_too_many_wrong_passwords(portal, form, roster):
    _app, _office, units, tmp, _ = portal
    hr = units["人社厅"]
    upload(hr, make_return(tmp, form, roster, "人社厅", "hr.xlsx"))
    for _ in range(5):
        assert "密码不对" in sign(hr, password="wrong-password-1").text
    assert "次数过多" in sign(hr).text  # even the right one waits now
    assert "确认签署" in hr.get("/unit/signoff").text


def test_cli_reopen_voids_the_signature(portal, form, roster):
    app, _office, units, tmp, _ = portal
    hr = units["人社厅"]
    upload(hr, make_return(tmp, form, roster, "人社厅", "hr.xlsx"))
    sign(hr)
    db = app.state.settings.db
    assert run_cli("signoff", "reopen", "人社厅", "--db", db).returncode == 2  # no reason, no reopening
    r = run_cli("signoff", "reopen", "人社厅", "--reason", "单位申请修改", "--operator", "王五", "--db", db)
    assert r.returncode == 0, r.stderr
    assert "签署已作废" in r.stdout
    shown = run_cli("signoff", "list", "--db", db, env={"COLUMNS": "250"}).stdout
    assert "单位申请修改" in shown and "已作废" in shown
    assert "确认签署" in hr.get("/unit/signoff").text  # may sign again


def test_signoff_pages_are_guarded(portal):
    app, _office, units, _, _ = portal
    cd = units["成都"]
    for path in ("/office/signoffs", "/office/signoffs/1/letter"):
        assert cd.get(path).status_code == 403, path
    assert cd.post("/office/signoffs/1/void", {"reason": "x"}, page="/unit").status_code == 403
    anon = Browser(app)
    for path in ("/unit/signoff", "/unit/signoff/1/letter", "/office/signoffs", "/office/signoffs/1/letter"):
        r = anon.c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    assert anon.post("/unit/signoff", {"password": "x"}, page="/login").status_code == 401
    assert cd.c.post("/unit/signoff", data={"name": "x", "role": "y", "password": "z"}).status_code == 403  # no token
