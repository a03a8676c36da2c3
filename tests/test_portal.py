"""The portal through its HTTP interface: the unit's and the office's flows, who may see what,
CSRF, sessions, sign-in limits and hostile uploads. (The same flow in a real browser against
`inventory serve` is in test_portal_browser.py.)"""

from __future__ import annotations

import re
from urllib.parse import quote

import openpyxl
import pytest
from conftest import run_cli
from starlette.testclient import TestClient

from inventory.demo.synth import clean_return, write_return
from inventory.store import accounts
from inventory.store.audit import entries
from inventory.web import Settings, create_app
from inventory.web.server import prepare


def token(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


class Browser:
    """A TestClient that posts forms the way the pages do (with the page's CSRF token)."""

    def __init__(self, app):
        self.c = TestClient(app, base_url="http://portal.test", follow_redirects=True)

    def get(self, path, **kw):
        return self.c.get(path, **kw)

    def post(self, path, data=None, files=None, page="/", **kw):
        data = {"csrf": token(self.c.get(page).text), **(data or {})}
        return self.c.post(path, data=data, files=files, **kw)

    def login(self, username, password):
        return self.post("/login", {"username": username, "password": password}, page="/login")


@pytest.fixture
def portal(tmp_path, form, roster, db_url):
    """The portal on SQLite and on PostgreSQL, with an admin signed in and two units signed in."""
    settings = Settings(db=db_url, files=tmp_path / "files", max_upload=2 * 1024 * 1024)
    admin = prepare(settings)
    app = create_app(settings)
    office = Browser(app)
    assert office.login(*admin).url.path == "/password"  # the first admin must choose a new password
    r = office.post("/password", {"old": admin[1], "new": "Chengdu-office-2026", "again": "Chengdu-office-2026"}, page="/password")
    assert r.url.path == "/office", r.text
    admin = ("admin", "Chengdu-office-2026")
    units = {}
    for short in ("人社厅", "成都"):
        unit = roster.resolve(short)
        issued = accounts.issue_code(app.state.engine, unit.name, "test")
        b = Browser(app)
        r = b.post("/login/code", {"code": issued["code"].lower()}, page="/login")
        assert r.url.path == "/password"
        r = b.post("/password", {"new": "temp-pass-1234", "again": "temp-pass-1234"}, page="/password")
        assert r.url.path == "/unit", r.text
        units[short] = b
    return app, office, units, tmp_path, admin


def make_return(tmp_path, form, roster, short, name, broken=False, seed=1):
    unit = roster.resolve(short)
    values, rows = clean_return(form, unit, 8, seed=seed)
    if broken:
        rows[form.main.name][0]["layer"] = "应用"  # not one of the list's options
    return write_return(tmp_path / name, form, unit, values, rows)


def upload(b, path, name=None):
    with open(path, "rb") as f:
        return b.post("/unit/upload", files={"file": (name or path.name, f, "application/octet-stream")}, page="/unit")


def sid_of(r) -> int:
    return int(r.url.path.rsplit("/", 1)[1])


def test_a_unit_submits_fixes_is_returned_and_accepted(portal, form, roster):
    app, office, units, tmp, _ = portal
    hr = units["人社厅"]
    page = hr.get("/unit").text
    assert "四川省人力资源和社会保障厅" in page and "未报送" in page
    t = hr.get("/unit/template")
    assert t.status_code == 200 and "attachment" in t.headers["content-disposition"]
    (tmp / "t.xlsx").write_bytes(t.content)
    assert "单位信息" in openpyxl.load_workbook(tmp / "t.xlsx").sheetnames
    # a return with an error: stored as sent back, the problem shown with where and how to fix it
    bad = upload(hr, make_return(tmp, form, roster, "人社厅", "人社厅-第1次.xlsx", broken=True))
    assert "/unit/submissions/" in bad.url.path and "这份报表未被接收" in bad.text
    assert "系统清单" in bad.text and "怎么改" in bad.text
    fb = hr.get(f"/unit/submissions/{sid_of(bad)}/feedback")
    assert fb.status_code == 200 and fb.content[:2] == b"PK"
    original = hr.get(f"/unit/submissions/{sid_of(bad)}/original")
    assert original.content == (tmp / "人社厅-第1次.xlsx").read_bytes()  # kept as received
    good = upload(hr, make_return(tmp, form, roster, "人社厅", "人社厅-第2次.xlsx"))
    assert "校验通过，已接收，等待项目办审核" in good.text
    first = sid_of(good)
    # the office sees it waiting, returns it with a comment on the whole and on nothing else
    assert f"/office/submissions/{first}" in office.get("/office").text
    review = office.get(f"/office/submissions/{first}").text
    assert "系统（8 个）" in review
    assert f"报送 {sid_of(bad)}</a>" in review and "上一份未通过校验" in review  # the return before it, which kept no rows
    r = office.post(
        f"/office/submissions/{first}/decision",
        {"decision": "returned", "comment": "请补充3个系统的运维金额"},
        page=f"/office/submissions/{first}",
    )
    assert "退回修改" in r.text
    home = hr.get("/unit").text
    assert "请补充3个系统的运维金额" in home and "退回修改" in home
    again = upload(hr, make_return(tmp, form, roster, "人社厅", "人社厅-第3次.xlsx", seed=2))
    second = sid_of(again)
    assert second != first
    before = office.get(f"/office/submissions/{second}").text  # read against what was asked of the one before
    before = before[before.index('id="before"') :][:1500]
    assert "被退回修改，意见：请补充3个系统的运维金额" in before and "与上一份相比：" in before
    assert 'id="edits"' in before and "<th>上一份</th><th>这一份</th>" in before  # field by field, old beside new
    r = office.post(f"/office/submissions/{second}/decision", {"decision": "approved"}, page=f"/office/submissions/{second}")
    assert "已通过" in r.text
    assert "已通过" in hr.get("/unit").text
    # the CLI shows the same states
    listed = {s["id"]: s for s in __import__("json").loads(run_cli("submissions", "list", "--json", "--db", app.state.settings.db).stdout)}
    assert listed[first]["review"] == "returned" and listed[second]["review"] == "approved" and listed[sid_of(bad)]["review"] == "rejected"
    # a new round: the same file sent again is this round's return, and its original still downloads
    db = app.state.settings.db
    assert run_cli("round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--db", db).returncode == 0
    resent = upload(hr, tmp / "人社厅-第3次.xlsx")
    assert sid_of(resent) not in (first, second) and "一模一样" not in resent.text
    assert hr.get(f"/unit/submissions/{sid_of(resent)}/original").content == (tmp / "人社厅-第3次.xlsx").read_bytes()


def test_no_unit_reaches_another_units_data(portal, form, roster):
    app, _office, units, tmp, _ = portal
    hr, cd = units["人社厅"], units["成都"]
    mine = sid_of(upload(hr, make_return(tmp, form, roster, "人社厅", "hr.xlsx")))
    for path in (f"/unit/submissions/{mine}", f"/unit/submissions/{mine}/original", f"/unit/submissions/{mine}/feedback"):
        assert hr.get(path).status_code == 200, path
        assert cd.get(path).status_code == 404, path  # not even confirmed to exist
    assert "hr.xlsx" not in cd.get("/unit").text
    # every office route refuses a unit
    office_paths = [
        "/office",
        "/office/submissions",
        f"/office/submissions/{mine}",
        f"/office/submissions/{mine}/original",
        "/office/units",
        "/office/reports",
        "/office/reports/coverage.html",
        "/office/reports/inventory.xlsx",
        "/office/reports/unit/1.html",
        "/office/questions",
        "/office/accounts",
        "/office/audit",
        "/office/planned",
        "/office/planned/1/report.html",
        "/office/audit.xlsx",
        "/office/levels",
        "/office/round",
        "/office/remind",
        "/office/units/issued",
        "/office/units/1/files.zip",
    ]
    for path in office_paths:
        assert cd.get(path).status_code == 403, path
    for path, data in (
        (f"/office/submissions/{mine}/decision", {"decision": "approved"}),
        ("/office/units/1/code", {}),
        ("/office/units/codes", {"uid": ["1"]}),
        ("/office/units/1/contact", {"email": "x@y.cn"}),
        ("/office/submissions/approve", {"sid": [str(mine)]}),
        ("/office/levels/510604/approve", {"reason": "x"}),
        ("/office/round", {"deadline": "2030-01-01"}),
        ("/office/accounts/1/revoke", {}),
        ("/office/remind", {}),
        ("/office/questions/1/answer", {"answer": "x"}),
        ("/office/planned/check", {"project_name": "x"}),
        ("/office/planned/1/review", {"decision": "不予立项"}),
        ("/office/accounts", {"username": "x", "role": "admin", "password": "long-enough-1"}),
    ):
        assert cd.post(path, data, page="/unit").status_code == 403, path
    # anonymous: every page sends to sign-in, every action is refused
    anon = Browser(app)
    for path in ["/unit", f"/unit/submissions/{mine}", "/unit/template", "/unit/report", "/faq", *office_paths]:
        r = anon.c.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    assert anon.post("/unit/upload", {}, page="/login").status_code == 401
    # a reviewer is not an admin
    accounts.create_account(app.state.engine, "reviewer1", "reviewer", password="review-pass-123")
    rev = Browser(app)
    rev.login("reviewer1", "review-pass-123")
    assert rev.get("/office").status_code == 200 and rev.get(f"/office/submissions/{mine}").status_code == 200
    assert rev.get("/office/audit").status_code == 403 and rev.get("/office/accounts").status_code == 403
    assert rev.get("/unit").status_code == 403


def test_forms_need_the_pages_token_and_origin(portal):
    app, _office, units, _, _ = portal
    hr = units["人社厅"]
    assert hr.c.post("/questions", data={"question": "怎么填"}).status_code == 403  # no token
    assert hr.c.post("/questions", data={"question": "怎么填", "csrf": "forged"}).status_code == 403
    good = token(hr.get("/unit").text)
    r = hr.c.post("/questions", data={"question": "怎么填", "csrf": good}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    assert hr.c.post("/questions", data={"question": "怎么填", "csrf": good}).status_code == 200
    # session cookie is HttpOnly and SameSite
    cookie = Browser(app).c.get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    # pages forbid scripts and framing
    csp = hr.get("/unit").headers["content-security-policy"]
    assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_sign_in_limits_codes_and_sessions(portal, roster):
    app, _office, units, _, admin = portal
    b = Browser(app)
    for _ in range(5):
        assert "用户名或密码不对" in b.login("admin", "wrong-password").text
    assert "登录失败的次数过多" in b.login(*admin).text  # a browser new to the account waits, even with the right password
    _office.post("/logout", page="/office")
    assert _office.login(*admin).url.path == "/office"  # the admin's own browser is not locked out
    assert any(e["action"] == "login_failed" and e["address"] for e in entries(app.state.engine))
    # a code works once, and not after it expired
    engine = app.state.engine
    issued = accounts.issue_code(engine, roster.resolve("德阳").name, "test")
    assert accounts.redeem_code(engine, issued["code"].replace("-", " ").lower()) is not None  # typed with spaces, in lower case
    assert accounts.redeem_code(engine, issued["code"]) is None
    old = accounts.issue_code(engine, roster.resolve("德阳").name, "test", days=-1)
    assert accounts.redeem_code(engine, old["code"]) is None
    first = accounts.issue_code(engine, roster.resolve("德阳").name, "test")
    accounts.issue_code(engine, roster.resolve("德阳").name, "test")  # a new code voids the unused one
    assert accounts.redeem_code(engine, first["code"]) is None
    # passwords are stored as argon2id hashes
    from sqlalchemy import text

    with engine.connect() as conn:
        hashes = [h for (h,) in conn.execute(text("select password_hash from accounts where password_hash is not null"))]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    # a revoked account's open session ends at once; so does every other session after a password change
    hr = units["人社厅"]
    hr_id = next(a["id"] for a in accounts.accounts(engine) if a["unit"] == roster.resolve("人社厅").name)
    other = Browser(app)
    other.login(next(a["username"] for a in accounts.accounts(engine) if a["unit"] == roster.resolve("人社厅").name), "temp-pass-1234")
    assert other.get("/unit").url.path == "/unit"
    hr.post("/password", {"old": "temp-pass-1234", "new": "new-pass-5678", "again": "new-pass-5678"}, page="/password")
    assert hr.get("/unit").url.path == "/unit" and other.get("/unit").url.path == "/login"
    accounts.revoke(engine, hr_id)
    assert hr.get("/unit").url.path == "/login"


def test_a_unit_that_forgot_its_password_sets_a_new_one_with_a_new_code(portal, roster):
    app, _office, units, _, _admin = portal
    engine = app.state.engine
    issued = accounts.issue_code(engine, roster.resolve("成都").name, "test")  # the unit has a password already
    b = Browser(app)
    r = b.post("/login/code", {"code": issued["code"]}, page="/login")
    assert r.url.path == "/password" and "当前密码" not in r.text
    r = b.post("/password", {"new": "Chengdu-unit-2027", "again": "Chengdu-unit-2027"}, page="/password")
    assert r.url.path == "/unit" and "密码已保存" in r.text
    assert units["成都"].get("/unit").url.path == "/login"  # the old session ended with the old password
    assert "当前密码" in b.get("/password").text  # once set, a change needs it again
    r = b.post("/password", {"new": "Chengdu-unit-2028", "again": "Chengdu-unit-2028"}, page="/password")
    assert "当前密码不对" in r.text


def test_hostile_and_wrong_uploads(portal, form, roster):
    app, _office, units, tmp, _ = portal
    hr = units["人社厅"]
    # too big: refused before it is read, nothing stored
    big = tmp / "big.xlsx"
    big.write_bytes(b"PK" + b"0" * (3 * 1024 * 1024))
    r = upload(hr, big)
    assert "文件太大" in r.text and "big.xlsx" not in r.text
    # a body far over the limit on any form: the framework's backstop, answered in Chinese
    r = hr.c.post("/login", content=b"x" * (6 * 1024 * 1024), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "超出了填报平台的上限" in r.text and "Content Too Large" not in r.text
    r = hr.get("/no/such/page")
    assert r.status_code == 404 and "没有这个页面" in r.text and "Not Found" not in r.text
    # not a workbook at all (text, an old .xls, a zip of something else): said at once, nothing numbered or kept
    junk = tmp / "junk.xlsx"
    junk.write_bytes(b"this is not a spreadsheet")
    r = upload(hr, junk, name="../../etc/passwd.xlsx")
    assert r.status_code == 200 and "未接收" in r.text and "passwd.xlsx" in r.text and "CSV 或纯文本" in r.text
    assert not (tmp / "etc").exists() and not list((tmp / "files").rglob("passwd*"))
    old = tmp / "old.xls"
    old.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600)
    assert "另存为" in upload(hr, old).text
    import zipfile

    with zipfile.ZipFile(tmp / "photos.zip", "w") as zf:
        zf.writestr("a.txt", "x")
    assert "无法识别的文件格式" in upload(hr, tmp / "photos.zip").text
    # another unit's return poured into this account: refused, not stored
    theirs = make_return(tmp, form, roster, "成都", "成都.xlsx")
    r = upload(hr, theirs)
    assert "不是本单位" in r.text and "成都市人民政府" in r.text and "没有发现问题" not in r.text  # (a clean file: nothing more said)
    # with problems, they are shown as on any return's page: the field's title and the system, not the field's key
    r = upload(hr, make_return(tmp, form, roster, "成都", "成都有错.xlsx", broken=True))
    table = r.text[r.text.index('id="issues"') :]
    title = next(f.title for f in form.main.fields if f.key == "layer")
    assert "不是本单位" in r.text and f"<td>{title}</td>" in table and "<td>layer</td>" not in table
    assert re.search(r"<td>[^<]+</td><td>[^<]+</td><td>" + re.escape(title), table)  # 系统编号 and 系统名称 beside it
    rows = __import__("json").loads(run_cli("submissions", "list", "--json", "--db", app.state.settings.db).stdout)
    assert rows == []  # none of them became a numbered submission


def test_faq_and_questions(portal):
    _app, office, units, _, _ = portal
    hr = units["人社厅"]
    page = hr.get("/faq", params={"q": "等保怎么填"}).text
    assert "/faq/security-mlps-level" in page
    assert hr.get("/faq/security-mlps-level").status_code == 200
    hr.post("/questions", {"question": "运维合同还没签怎么填？"}, page="/unit")
    page = office.get("/office/questions").text
    assert "运维合同还没签怎么填" in page
    qid = re.search(r"/office/questions/(\d+)/answer", page).group(1)
    office.post(f"/office/questions/{qid}/answer", {"answer": "先填计划签订日期，并在备注说明。"}, page="/office/questions")
    assert "先填计划签订日期" in hr.get("/unit").text


def test_office_downloads_every_report_and_issues_codes(portal, form, roster):
    app, office, units, tmp, _ = portal
    upload(units["人社厅"], make_return(tmp, form, roster, "人社厅", "hr.xlsx"))
    for kind in ("coverage", "issues", "inventory", "brief"):
        for fmt in ("html", "xlsx", "json", "md"):
            r = office.get(f"/office/reports/{kind}.{fmt}")
            assert r.status_code == 200 and len(r.content) > 300, (kind, fmt)
    html = office.get("/office/reports/coverage.html")
    assert "sha256-" in html.headers["content-security-policy"] and "催报名单" in html.text
    page = office.get("/office/units").text
    unit_id = re.findall(r"/office/units/(\d+)/code", page)[0]
    r = office.post(f"/office/units/{unit_id}/code", page="/office/units")
    code = re.search(r'class="code">([A-Z0-9-]{14})<', r.text).group(1)
    assert accounts.redeem_code(app.state.engine, code) is not None
    assert units["人社厅"].get("/unit/report").status_code == 200
    # with a second round, the change report is one more download
    from inventory.workflow.rounds import open_round

    assert office.get("/office/reports/changes.html").status_code == 404
    open_round(app.state.engine, "next", "下一轮", None)
    resent = upload(units["人社厅"], tmp / "hr.xlsx")  # last round's file as it was: in, but said unconfirmed
    same = sid_of(resent)
    assert "未确认是否核对过" in resent.text  # the unit is told too, not only the office
    assert 'id="unconfirmed"' in office.get(f"/office/submissions/{same}").text
    assert "原样重报未确认" in office.get("/office").text
    upload(units["人社厅"], make_return(tmp, form, roster, "人社厅", "hr2.xlsx", seed=5))
    assert "与上一轮相比的变化" in office.get("/office/reports").text
    changes = office.get("/office/reports/changes.html")
    assert changes.status_code == 200 and "两轮变化" in changes.text and "四川省人力资源和社会保障厅" in changes.text
    # a city office's change report holds its own part only
    accounts.create_account(app.state.engine, "德阳变化", "admin", roster.resolve("德阳市").name, "office-pass-1234")
    city = Browser(app)
    city.login("德阳变化", "office-pass-1234")
    theirs = city.get("/office/reports/changes.html")
    assert theirs.status_code == 200 and "四川省人力资源和社会保障厅" not in theirs.text
    actions = {e["action"] for e in entries(app.state.engine)}
    assert {"login", "login_code", "password_set", "upload", "report_download", "code_issued"} <= actions


class _Smtp:
    """A minimal SMTP server on localhost that keeps what it receives (no network beyond loopback)."""

    def __init__(self):
        import socketserver
        import threading

        self.messages: list[str] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 test\r\n")
                while line := self.rfile.readline():
                    cmd = line.decode("utf-8", "replace").strip().upper()
                    if cmd.startswith("DATA"):
                        self.wfile.write(b"354 go\r\n")
                        body = []
                        while (part := self.rfile.readline()) not in (b".\r\n", b""):
                            body.append(part)
                        outer.messages.append(b"".join(body).decode("utf-8", "replace"))
                        self.wfile.write(b"250 ok\r\n")
                    elif cmd.startswith("QUIT"):
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_reminders_go_to_units_to_chase_that_have_an_address(tmp_path, form, roster):
    smtp = _Smtp()
    settings = Settings(db=f"sqlite:///{tmp_path / 'r.db'}", files=tmp_path / "files", smtp=smtp.address)
    admin = prepare(settings)
    app = create_app(settings)
    office = Browser(app)
    office.login(*admin)
    office.post("/password", {"old": admin[1], "new": "Chengdu-office-2026", "again": "Chengdu-office-2026"}, page="/password")
    issued = accounts.issue_code(app.state.engine, roster.resolve("人社厅").name, "test")
    hr = Browser(app)
    hr.post("/login/code", {"code": issued["code"]}, page="/login")
    hr.post("/password", {"new": "temp-pass-1234", "again": "temp-pass-1234"}, page="/password")
    upload(hr, make_return(tmp_path, form, roster, "人社厅", "bad.xlsx", broken=True))  # sent back: to chase, with its contact
    preview = office.get("/office/remind")  # every message is shown before anything is sent
    unit = roster.resolve("人社厅").name
    assert unit in preview.text and "http://portal.test/login" in preview.text and not smtp.messages
    assert "请先勾选" in office.post("/office/remind", page="/office/remind").text and not smtp.messages
    assert "登录码" not in preview.text[preview.text.index(unit) :][:600]  # it has an account: sent to sign in
    # a county department without an account is told to hand in its return or ask its own county office for a code
    county = office.get("/office/remind?q=" + quote("中江县公安局")).text
    said = county[county.index("中江县公安局") :][:1500]
    assert "中江县项目办" in said and "领取登录码" in said and "未开通账号" in said, said
    r = office.post("/office/remind", {"unit": [unit]}, page="/office/remind")
    assert "已发送催报邮件 1 封" in r.text
    assert len(smtp.messages) == 1 and "@sc.gov.cn" in smtp.messages[0]
    smtp.server.shutdown()


def test_the_first_serve_tells_how_to_sign_in_as_the_province_even_after_office_accounts(tmp_path):
    """Office accounts made from the CLI before the portal's first start (a city's admin among them) do
    not stop the province's admin being made and shown; once one exists, the start names it."""
    import subprocess
    import sys
    import time

    from test_portal_browser import ROOT, free_port

    db = f"sqlite:///{tmp_path / 'first.db'}"
    assert run_cli("account", "add", "德阳市项目办", "--role", "admin", "--under", "德阳市", "--db", db).returncode == 0
    assert run_cli("account", "add", "admin", "--under", "罗江区", "--db", db).returncode == 0  # the usual name, taken

    def first_lines() -> str:
        proc = subprocess.Popen(
            [sys.executable, "-m", "inventory", "serve", "--port", str(free_port()), "--db", db],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**__import__("os").environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
        )
        lines, deadline = [], time.time() + 60
        while time.time() < deadline:
            lines.append(proc.stdout.readline())
            if "填报平台已启动" in lines[-1] or not lines[-1]:
                break
        proc.terminate()
        proc.wait(timeout=20)
        return "".join(lines)

    text = first_lines()
    found = re.search(r"已创建省级管理员账号：用户名 (\S+)，密码 (\S+)", text)
    assert found and found.group(1) == "admin2", text
    app = create_app(Settings(db=db, files=tmp_path / "first-files"))
    b = Browser(app)
    assert b.login(found.group(1), found.group(2)).url.path == "/password"  # a province admin, password to change
    again = first_lines()
    assert "已有省级管理员账号：admin2" in again and "密码" not in again.split("已有省级管理员账号")[0]


def test_a_fault_of_ours_gives_a_number_to_quote_and_the_planned_form_comes_back_filled_in(portal, monkeypatch):
    import inventory.web.planned_routes as routes

    _, office, *_ = portal
    office.c._transport.raise_server_exceptions = False  # as a browser meets it: a page, not a traceback

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of the fault")

    monkeypatch.setattr(routes, "check_one", broken)
    long = "建设养老服务补贴申领、审核、发放和资金监管功能，对接民政、人社、财政数据，实现补贴对象动态管理。" * 4
    typed = {"project_name": "某市养老服务补贴管理系统", "owner_unit": "某市民政局", "nature": "新建", "functions": long}
    r = office.post("/office/planned/check", typed, page="/office/planned")
    assert r.status_code == 500
    number = re.search(r"错误编号 ([0-9A-F]{8})", r.text)
    assert number and long in r.text and "某市养老服务补贴管理系统" in r.text  # nothing typed is lost
    assert "secret detail" not in r.text and "Traceback" not in r.text
    monkeypatch.setattr(routes, "projects", broken)  # any other page that fails: the error page says the same
    r = office.get("/office/planned")
    assert r.status_code == 500 and "错误编号" in r.text and "稍后再试" not in r.text and "secret detail" not in r.text


def test_a_unit_an_office_added_by_its_list_downloads_and_returns_through_the_portal(portal, form):
    """The portal reads the tree the database holds, as the CLI does: a unit a county put in with its
    own list gets its template and has its return taken, without restarting the server."""
    from inventory.store.unit_import import import_units
    from inventory.store.units import tree

    app, _office, _, tmp, _ = portal
    engine = app.state.engine
    listing = tmp / "名单.csv"
    listing.write_text("单位全称,简称,上级单位\n德阳市旌阳区数据局,旌阳区数据局,旌阳区\n", encoding="utf-8")
    import_units(engine, listing, tree(engine).resolve("旌阳区"))
    unit = tree(engine).resolve("德阳市旌阳区数据局")
    issued = accounts.issue_code(engine, unit.name, "test")
    b = Browser(app)
    b.post("/login/code", {"code": issued["code"]}, page="/login")
    assert b.post("/password", {"new": "temp-pass-1234", "again": "temp-pass-1234"}, page="/password").url.path == "/unit"
    template = b.get("/unit/template")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    values, rows = clean_return(form, unit, 3, seed=4)
    r = upload(b, write_return(tmp / "数据局.xlsx", form, unit, values, rows))
    assert r.url.path.startswith("/unit/submissions/"), r.text[:1500]
    assert "校验通过" in r.text and "不在填报单位名册中" not in r.text
    # given a 下属单位, the unit is told that it reviews it and needs an office account for that
    more = tmp / "下属.csv"
    more.write_text("单位全称,简称,上级单位\n德阳市旌阳区大数据中心,区大数据中心,德阳市旌阳区数据局\n", encoding="utf-8")
    import_units(engine, more, tree(engine).resolve("旌阳区"))
    home = b.get("/unit").text
    assert 'id="below"' in home and "德阳市旌阳区大数据中心" in home and "项目办账号" in home
