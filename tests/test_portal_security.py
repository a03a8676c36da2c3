"""The portal against an attacker (issue 28): sign-in limits that hold under parallel guesses and
lock nobody out, server-side sessions, the password rule, headers on every response, bounded
uploads, returns with macros or external links. On SQLite and PostgreSQL (the `portal` fixture)."""

from __future__ import annotations

import datetime as dt
import re
import threading

from starlette.testclient import TestClient
from test_portal import Browser, make_return, portal, sid_of, token, upload

from inventory.store import accounts
from inventory.store.audit import entries

FIXTURES = (portal,)  # the portal on SQLite and PostgreSQL, with an admin and two units signed in


class From(Browser):
    """A browser at another network address."""

    def __init__(self, app, address: str, base_url: str = "http://portal.test", cookies=None):
        self.c = TestClient(app, base_url=base_url, follow_redirects=True, client=(address, 40000), cookies=cookies)


def unit_username(app, roster, short: str) -> str:
    return next(a["username"] for a in accounts.accounts(app.state.engine) if a["unit"] == roster.resolve(short).name)


def test_forty_parallel_guesses_for_one_account_are_not_all_checked(portal):
    app, _office, _units, _, _admin = portal
    browsers = [From(app, "203.0.113.9") for _ in range(40)]
    tokens = [token(b.get("/login").text) for b in browsers]
    answers: list[str] = []
    start = threading.Barrier(40)

    def guess(b, t, n):
        start.wait()
        r = b.c.post("/login", data={"csrf": t, "username": "admin", "password": f"guess-number-{n:03d}"})
        answers.append(r.text)

    threads = [threading.Thread(target=guess, args=(b, t, n)) for n, (b, t) in enumerate(zip(browsers, tokens, strict=True))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    checked = [a for a in answers if "用户名或密码不对" in a]
    blocked = [a for a in answers if "登录失败的次数过多" in a]
    assert len(checked) == 5 and len(blocked) == 35
    assert sum(e["action"] == "login_failed" for e in entries(app.state.engine)) == 5  # only 5 passwords were checked


def test_nobody_can_lock_a_unit_or_the_admin_out(portal, roster):
    app, office, units, _, admin = portal
    engine = app.state.engine
    # an attacker's wrong passwords, from one address and then from many, for the admin's name
    attacker = From(app, "198.51.100.7")
    for _ in range(6):
        attacker.login("admin", "wrong-password-1")
    assert "登录失败的次数过多" in attacker.login(*admin).text
    for n in range(25):
        From(app, f"198.51.100.{20 + n}").login("admin", "wrong-password-1")
    assert "登录失败的次数过多" in From(app, "192.0.2.200").login(*admin).text  # a browser new to the name waits
    # ... but the admin's own browser (it signed in before) signs in at once
    office.post("/logout", page="/office")
    assert office.login(*admin).url.path == "/office"
    # wrong one-time codes from one address do not stop any other unit signing in with its code
    for _ in range(25):
        attacker.post("/login/code", {"code": "AAAA-BBBB-CCCC"}, page="/login")
    assert "输错登录码的次数过多" in attacker.post("/login/code", {"code": "AAAA-BBBB-CCCC"}, page="/login").text
    issued = accounts.issue_code(engine, roster.resolve("德阳").name, "test")
    deyang = From(app, "192.0.2.30")
    assert deyang.post("/login/code", {"code": issued["code"]}, page="/login").url.path == "/password"
    # a unit's user name cannot be read off the roster, and the answer is the same for a name that does not exist
    name = unit_username(app, roster, "德阳")
    assert name != roster.resolve("德阳").short_name and re.fullmatch(r".+-[A-Z2-9]{4}", name)
    assert issued["username"] == name and name in deyang.get("/password").text  # told to the unit once signed in
    probe = From(app, "192.0.2.40")
    real = probe.login(unit_username(app, roster, "人社厅"), "wrong-password-1").text
    made_up = probe.login("人力资源社会保障厅", "wrong-password-1").text
    assert "用户名或密码不对" in real and "用户名或密码不对" in made_up
    assert re.sub(r'value="[^"]+"', "", real) == re.sub(r'value="[^"]+"', "", made_up)
    # a unit keeps signing in from its usual browser while someone else hammers its name
    hr_name = unit_username(app, roster, "人社厅")
    hr = units["人社厅"]
    hr.post("/logout", page="/unit")
    assert hr.login(hr_name, "temp-pass-1234").url.path == "/unit"  # this browser is known to the name now
    for n in range(30):
        From(app, f"198.51.100.{100 + n}").login(hr_name, "wrong-password-1")
    hr.post("/logout", page="/unit")
    assert hr.login(hr_name, "temp-pass-1234").url.path == "/unit"


def test_logout_idle_and_lifetime_end_the_session_on_the_server(portal):
    app, _office, units, _, _ = portal
    from sqlalchemy import update

    from inventory.store.models import WebSession

    hr = units["人社厅"]
    assert hr.get("/unit").url.path == "/unit"
    copied = dict(hr.c.cookies)
    thief = Browser(app)
    thief.c.cookies.update(copied)
    assert thief.get("/unit").url.path == "/unit"  # the copy works while the session lives
    hr.post("/logout", page="/unit")
    assert thief.get("/unit").url.path == "/login"  # and not after logout
    # the session id changes at sign-in: the cookie from before signing in is not the one after
    b = Browser(app)
    b.get("/login")
    before = b.c.cookies.get("inventory_session")
    name = next(a["username"] for a in accounts.accounts(app.state.engine) if a["role"] == "unit")
    b.login(name, "temp-pass-1234")
    stale = Browser(app)
    stale.c.cookies.set("inventory_session", before, domain="portal.test")
    assert stale.get("/unit").url.path == "/login" and b.get("/unit").url.path == "/unit"
    # idle for longer than the limit, or signed in longer ago than the lifetime: signed out
    engine = app.state.engine
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(update(WebSession).values(seen_at=now - dt.timedelta(minutes=31)))
    assert b.get("/unit").url.path == "/login"
    assert units["成都"].get("/unit").url.path == "/login"
    b.login(name, "temp-pass-1234")
    with engine.begin() as conn:
        conn.execute(update(WebSession).where(WebSession.ended_at.is_(None)).values(created_at=now - dt.timedelta(hours=9)))
    assert b.get("/unit").url.path == "/login"


def test_weak_reused_and_first_passwords(portal, tmp_path):
    _app, _office, units, _, _admin = portal
    hr = units["人社厅"]
    for weak in ("password12", "aaaaaaaaa1", "          x1", "password1234!", "aaaaaaaaaaaaaaa1", "Qwerty-2026-ab", "123456789012"):
        r = hr.post("/password", {"old": "temp-pass-1234", "new": weak, "again": weak}, page="/password")
        assert r.url.path == "/password" and "密码已保存" not in r.text, weak
        with pytest_raises() as said:
            accounts.check_password_rule(weak)
        assert said.value.message, weak
    good = "Fuyong-river-2026"
    assert "密码已保存" in hr.post("/password", {"old": "temp-pass-1234", "new": good, "again": good}, page="/password").text
    r = hr.post("/password", {"old": good, "new": "temp-pass-1234", "again": "temp-pass-1234"}, page="/password")
    assert "最近 5 次用过的密码" in r.text  # no reuse of a recent password
    # the first admin's password must be changed before any office page opens (see the fixture); a new start:
    from inventory.web import Settings, create_app
    from inventory.web.server import prepare

    settings = Settings(db=f"sqlite:///{tmp_path / 'first.db'}", files=tmp_path / "first", password_days=90)
    first = prepare(settings)
    app2 = create_app(settings)
    b = Browser(app2)
    assert b.login(*first).url.path == "/password" and "首次登录" in b.get("/password").text
    assert b.get("/office").url.path == "/password" and b.get("/office/accounts").url.path == "/password"
    assert b.post("/password", {"old": first[1], "new": first[1], "again": first[1]}, page="/password").url.path == "/password"
    assert b.post("/password", {"old": first[1], "new": good, "again": good}, page="/password").url.path == "/office"
    # with expiry set, a password older than that must be changed
    from sqlalchemy import update

    from inventory.store.models import Account

    with app2.state.engine.begin() as conn:
        conn.execute(update(Account).values(password_set_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=91)))
    assert b.login("admin", good).url.path == "/password" and "已到期" in b.get("/password").text
    assert b.get("/office").url.path == "/password"


def pytest_raises():
    import pytest

    from inventory.errors import UsageError

    return pytest.raises(UsageError)


SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def test_every_response_downloads_included_carries_the_headers(portal, form, roster):
    app, office, units, tmp, _admin = portal
    hr = units["人社厅"]
    sid = sid_of(upload(hr, make_return(tmp, form, roster, "人社厅", "hr.xlsx")))
    for b, path in (
        (hr, "/unit/template"),
        (hr, f"/unit/submissions/{sid}/original"),
        (hr, f"/unit/submissions/{sid}/feedback"),
        (office, f"/office/submissions/{sid}/original"),
        (office, "/office/reports/inventory.xlsx"),
        (office, "/office/reports/issues.json"),
        (hr, "/static/portal.css"),
        (hr, "/no/such/page"),
    ):
        r = b.get(path)
        assert r.headers.get("cache-control") == "no-store", path
        assert all(h in r.headers for h in SECURITY), path
        assert r.headers["x-content-type-options"] == "nosniff" and "frame-ancestors 'none'" in r.headers["content-security-policy"], path
    # cookies are Secure and HSTS is sent when the request came by HTTPS (the proxy's X-Forwarded-Proto)
    secure = From(app, "192.0.2.50", base_url="https://portal.test")
    r = secure.c.get("/login")
    assert "secure" in r.headers["set-cookie"].lower() and "max-age=" in r.headers["strict-transport-security"]
    plain = Browser(app).c.get("/login")
    assert "secure" not in plain.headers["set-cookie"].lower() and "strict-transport-security" not in plain.headers
    from inventory.web import Settings, create_app

    forced = create_app(Settings(db=app.state.settings.db, files=tmp / "files", secure_cookies=True))
    assert "secure" in Browser(forced).c.get("/login").headers["set-cookie"].lower()


def _at_once(jobs):
    """Run the callables at the same moment, each on a thread of its own; their results in order."""
    out = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def run(n, job):
        start.wait()
        out[n] = job()

    threads = [threading.Thread(target=run, args=(n, j)) for n, j in enumerate(jobs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def test_uploads_are_bounded_per_session_and_per_server(portal, form, roster):
    app, _office, units, tmp, _ = portal
    hr = units["人社厅"]
    path = make_return(tmp, form, roster, "人社厅", "hr.xlsx")
    csrf = token(hr.get("/unit").text)

    def send(b, name, t):
        with open(path, "rb") as f:
            return b.c.post("/unit/upload", data={"csrf": t}, files={"file": (name, f, "application/octet-stream")})

    answers = _at_once([lambda n=n: send(hr, f"hr-{n}.xlsx", csrf) for n in range(8)])
    refused = [r for r in answers if r.status_code == 429]
    stored = [r for r in answers if r.status_code == 200 and "/unit/submissions/" in r.url.path]
    assert len(refused) >= 6 and len(stored) + len(refused) == 8
    assert all("本账号已有文件正在上传或校验" in r.text and "没有保存" in r.text for r in refused)
    assert app.state.uploads.peak <= 2 and app.state.uploads.running == 0 and app.state.uploads.sessions == {}
    # the server's own bound: one validation at a time, one waiting; the rest are told the server is busy
    from inventory.web.uploads import UploadGate

    app.state.uploads = UploadGate(validations=1, queue=1, per_session=2, wait=30)
    browsers = [units["人社厅"], units["成都"]]
    for short in ("德阳", "绵阳", "泸州"):
        issued = accounts.issue_code(app.state.engine, roster.resolve(short).name, "test")
        b = Browser(app)
        b.post("/login/code", {"code": issued["code"]}, page="/login")
        b.post("/password", {"new": "temp-pass-1234", "again": "temp-pass-1234"}, page="/password")
        browsers.append(b)
    tokens = [token(b.get("/unit").text) for b in browsers]
    answers = _at_once([lambda b=b, t=t, n=n: send(b, f"x-{n}.xlsx", t) for n, (b, t) in enumerate(zip(browsers, tokens, strict=True))])
    busy = [r for r in answers if r.status_code == 503]
    assert len(busy) >= 3 and all("服务器正忙" in r.text for r in busy)
    assert app.state.uploads.peak == 1 and app.state.uploads.waiting == 0
    assert sum(e["action"] == "upload_refused" for e in entries(app.state.engine)) >= len(refused) + len(busy)


def test_an_upload_that_takes_too_long_is_answered_within_its_time(portal, form, roster, monkeypatch):
    _app, _office, units, tmp, _ = portal
    import inventory.web.unit_routes as unit_routes

    monkeypatch.setattr(unit_routes, "SECONDS", 0.001)  # no validation finishes in a millisecond
    r = upload(units["人社厅"], make_return(tmp, form, roster, "人社厅", "slow.xlsx"))
    assert r.status_code == 200 and "这份报表未被接收" in r.text and "秒" in r.text


def with_macro_and_link(src, dst):
    """A copy of a return as Excel saves a macro-enabled workbook that reads another workbook: a VBA
    project, an external link with its list in workbook.xml, a name and a formula pointing into it."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"PLACEHOLDER").replace(
                    b"application/vnd.openxmlformats-officedocument.PLACEHOLDER", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
                )
                data = data.replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    b'<Override PartName="/xl/externalLinks/externalLink1.xml" '
                    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                    b'<Relationship Id="rIdExt" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" '
                    b'Target="externalLinks/externalLink1.xml"/></Relationships>',
                )
            elif info.filename == "xl/workbook.xml":
                refs = b'<externalReferences><externalReference r:id="rIdExt"/></externalReferences>'
                name = b'<definedName name="remote">[1]Sheet1!$A$1</definedName>'
                if b"<definedNames>" in data:
                    data = data.replace(b"<definedNames>", b"<definedNames>" + name)
                    data = data.replace(b"<definedNames>", refs + b"<definedNames>", 1)
                else:
                    data = data.replace(b"</sheets>", b"</sheets>" + refs + b"<definedNames>" + name + b"</definedNames>")
                assert b"externalReferences" in data
            zout.writestr(info, data)
        zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nShell "calc"\nEnd Sub\n')
        zout.writestr(
            "xl/externalLinks/externalLink1.xml",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames>'
            b'<sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>',
        )
        zout.writestr(
            "xl/externalLinks/_rels/externalLink1.xml.rels",
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            b'Target="file:///\\\\server\\share\\secret.xlsx" TargetMode="External"/></Relationships>',
        )
    return dst


def test_returns_with_macros_or_external_links_are_flagged_and_served_clean(portal, form, roster):
    import io
    import zipfile

    import openpyxl
    from python_calamine import CalamineWorkbook

    _app, office, units, tmp, _ = portal
    hr = units["人社厅"]
    plain = make_return(tmp, form, roster, "人社厅", "plain.xlsx")
    active = with_macro_and_link(plain, tmp / "人社厅-带宏.xlsm")
    r = upload(hr, active)
    sid = sid_of(r)
    assert "含宏或外部链接" in r.text or "宏（VBA 代码）" in r.text  # told to the unit
    assert "宏（VBA 代码）" in r.text and "1 个指向其他工作簿的外部链接" in r.text
    assert "校验通过，已接收" in r.text  # a warning: the return itself is accepted
    review = office.get(f"/office/submissions/{sid}").text
    assert "宏（VBA 代码）" in review  # told to the office
    for b, path in ((office, f"/office/submissions/{sid}/original"), (hr, f"/unit/submissions/{sid}/original")):
        got = b.get(path)
        assert got.status_code == 200 and "%E5%B7%B2%E5%8E%BB%E9%99%A4" in got.headers["content-disposition"]  # 已去除…
        z = zipfile.ZipFile(io.BytesIO(got.content))
        names = z.namelist()
        assert not any("vbaProject" in n or "externalLink" in n for n in names), path
        assert b"macroEnabled" not in z.read("[Content_Types].xml") and b"externalReferences" not in z.read("xl/workbook.xml")
        assert b"[1]" not in z.read("xl/workbook.xml") and b"vbaProject" not in z.read("xl/_rels/workbook.xml.rels")
        # still the unit's data, read by both readers
        copy = tmp / "clean.xlsx"
        copy.write_bytes(got.content)
        wb = openpyxl.load_workbook(copy)
        assert form.main.name in wb.sheetnames
        want = CalamineWorkbook.from_path(str(plain)).get_sheet_by_name(form.main.name).to_python()
        assert CalamineWorkbook.from_path(str(copy)).get_sheet_by_name(form.main.name).to_python() == want
    # the office suite opens the cleaned copy without a repair and keeps the data
    from conftest import libreoffice_roundtrip

    resaved = libreoffice_roundtrip(copy, tmp / "lo")
    assert CalamineWorkbook.from_path(str(resaved)).get_sheet_by_name(form.main.name).to_python()[5:] == want[5:]
    # a plain return is served as it was received
    sid2 = sid_of(upload(hr, plain))
    assert office.get(f"/office/submissions/{sid2}/original").content == plain.read_bytes()
