"""The portal in a real browser: `inventory serve` started as a user would, Chromium driven by
Playwright. A unit signs in with its code, downloads its template, uploads a return with errors,
reads the problems, uploads the fix; the office returns it with a comment; the unit reads the
comment and resubmits; the office accepts."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import html

from inventory.demo.synth import clean_return, write_return


def send(page) -> None:
    """Upload the chosen file and wait for the result page (validation may take a while on a busy machine)."""
    with page.expect_navigation(timeout=120_000):
        page.click("text=上传并校验")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(tmp_path):
    yield from _serve(tmp_path)


def _serve(tmp_path, *extra):
    port = free_port()
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}  # this checkout's code, whatever is installed
    proc = subprocess.Popen(
        [sys.executable, "-m", "inventory", "serve", "--port", str(port), "--db", f"sqlite:///{tmp_path / 'portal.db'}", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    lines = []
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "填报平台已启动" in line:
            break
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    text = "".join(lines)
    found = re.search(r"用户名 (\S+)，密码 (\S+)", text)
    assert found, text
    try:
        yield base, found.group(1), found.group(2)
    finally:  # also when the generator is closed early
        proc.terminate()
        proc.wait(timeout=20)


def test_the_whole_round_trip_in_a_browser(browser, server, tmp_path, form, roster):
    base, admin, password = server
    outside: list[str] = []
    errors: list[str] = []

    def watch(page):
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    office = watch(browser.new_context().new_page())
    office.goto(base + "/login")
    office.fill("#username", admin)
    office.fill("#password", password)
    office.click("form[action='/login'] button")
    assert office.url.endswith("/password")  # the first admin's password is changed before anything else
    office.fill("#old", password)
    office.fill("#new", "Chengdu-office-2026")
    office.fill("#again", "Chengdu-office-2026")
    office.click("text=保存密码")
    assert office.url.endswith("/office")
    office.goto(base + "/office/units")
    row = office.locator("tr", has_text="四川省人力资源和社会保障厅")
    row.locator("button", has_text="开通并发登录码").click()
    code = office.locator("#issued .code").text_content().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)

    unit = watch(browser.new_context(accept_downloads=True).new_page())
    unit.goto(base + "/login")
    unit.fill("#code", code)
    unit.click("text=用登录码登录")
    assert unit.url.endswith("/password")
    unit.fill("#new", "hr-portal-2025")
    unit.fill("#again", "hr-portal-2025")
    unit.click("text=保存密码")
    assert unit.url.endswith("/unit") and "四川省人力资源和社会保障厅" in html(unit)
    with unit.expect_download() as dl:
        unit.click("text=下载本单位模板")
    assert dl.value.suggested_filename.endswith(".xlsx")

    hr = roster.resolve("人社厅")
    values, rows = clean_return(form, hr, 10, seed=3)
    rows[form.main.name][2]["layer"] = "应用"  # an option the list does not have
    broken = write_return(tmp_path / "人社厅-第1次.xlsx", form, hr, values, rows)
    unit.set_input_files("#file", str(broken))
    send(unit)
    assert "这份报表未被接收" in html(unit)
    problem = unit.locator("#issues tbody tr").first
    assert "系统清单" in problem.text_content() and problem.locator("td").nth(2).text_content().strip()  # sheet and cell

    rows[form.main.name][2]["layer"] = "应用层"
    fixed = write_return(tmp_path / "人社厅-第2次.xlsx", form, hr, values, rows)
    unit.goto(base + "/unit")
    unit.set_input_files("#file", str(fixed))
    send(unit)
    assert "校验通过，已接收" in html(unit)

    office.goto(base + "/office/submissions")
    office.locator("tr", has_text="四川省人力资源和社会保障厅").locator("a", has_text="打开").first.click()
    office.fill("#comment", "第3个系统的运维单位请填全称")
    office.click("button:has-text('退回修改')")
    assert "退回修改" in html(office)

    unit.goto(base + "/unit")
    assert unit.locator("#review-comment").text_content() == "第3个系统的运维单位请填全称"
    values["contact_name"] = "王强"
    again = write_return(tmp_path / "人社厅-第3次.xlsx", form, hr, values, rows)
    unit.set_input_files("#file", str(again))
    send(unit)
    assert "校验通过，已接收" in html(unit)

    office.goto(base + "/office/submissions")
    office.locator("tr", has_text="四川省人力资源和社会保障厅").locator("a", has_text="打开").first.click()
    office.click("button:has-text('审核通过')")
    unit.goto(base + "/unit")
    assert "已通过" in unit.locator(".fig").first.text_content()
    # the office's report of the unit opens in the browser, its script running under its own policy
    office.goto(base + "/office/reports/coverage.html")
    assert office.locator(".count").first.text_content().startswith("共")
    assert outside == [] and errors == []


def _sign_in_first_time(page, base, username, password, new):
    """An office account's first sign-in: the password someone else chose is replaced first."""
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form[action='/login'] button")
    assert page.url.endswith("/password")
    page.fill("#old", password)
    page.fill("#new", new)
    page.fill("#again", new)
    page.click("text=保存密码")
    assert page.url.endswith("/office")


def test_deadline_week_as_an_office_and_a_unit(browser, tmp_path, form, roster):
    """The deadline week in Chromium: the deadline has passed; codes issued in bulk (the page reloads
    the same code); a late return, a superseded one; reminders previewed, a contact entered, mail sent
    to the ticked unit only; a return sent back, fixed, approved and locked; a county office refused
    on another part's submission."""
    import email
    from email import policy

    from conftest import run_cli
    from test_portal import _Smtp

    db = f"sqlite:///{tmp_path / 'portal.db'}"
    assert run_cli("round", "open", "2026", "--name", "2026年度摸底", "--as-of", "2026-06-30", "--db", db).returncode == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "portal.db") as conn:  # opened in June: the deadline passed in July
        conn.execute("update rounds set opened_at = '2026-06-01 00:00:00.000000', deadline = '2026-07-31' where key = '2026'")
    made = run_cli("account", "add", "罗江区项目办", "--under", "罗江区", "--db", db, "--json")
    county_password = __import__("json").loads(made.stdout)["password"]
    smtp = _Smtp()
    gen = _serve(tmp_path, "--smtp", smtp.address, "--public-url", "https://tb.example.gov.cn")
    base, admin, password = next(gen)
    errors: list[str] = []
    try:
        office = browser.new_context().new_page()
        office.on("pageerror", lambda e: errors.append(str(e)))
        _sign_in_first_time(office, base, admin, password, "Chengdu-office-2026")
        assert "已超过报送截止日" in office.locator("#deadline").text_content()
        # codes for several units at once; reloading the page shows the same codes
        office.goto(base + "/office/units?q=人力资源")
        office.locator("#units input[name=uid]").first.check()
        office.click("text=给勾选的单位发登录码")
        code = office.locator("#issued .code").first.text_content().strip()
        office.reload()
        assert office.locator("#issued .code").first.text_content().strip() == code
        # the unit: a late return, then a newer one that supersedes it
        unit = browser.new_context().new_page()
        unit.goto(base + "/login")
        unit.fill("#code", code)
        unit.click("text=用登录码登录")
        unit.fill("#new", "hr-portal-2026")
        unit.fill("#again", "hr-portal-2026")
        unit.click("text=保存密码")
        hr = roster.resolve("人社厅")
        values, rows = clean_return(form, hr, 6, seed=1)
        unit.set_input_files("#file", str(write_return(tmp_path / "第1次.xlsx", form, hr, values, rows)))
        send(unit)
        assert "记为逾期" in html(unit) and "等待项目办审核" in unit.locator("#banner").text_content()
        first = unit.url.rsplit("/", 1)[1]
        values["fill_date"] = "2026-08-20"
        unit.goto(base + "/unit")
        unit.set_input_files("#file", str(write_return(tmp_path / "第2次.xlsx", form, hr, values, rows)))
        send(unit)
        second = unit.url.rsplit("/", 1)[1]
        office.goto(base + f"/office/submissions/{first}")
        assert "已被该单位后来的报送替代" in office.locator("#superseded").text_content()
        assert office.locator("button:has-text('审核通过')").is_disabled()
        # reminders: every message previewed; a contact entered on the page; mail to the ticked unit only
        office.goto(base + "/office/remind?q=德阳市教育局")
        row = office.locator("#messages tr", has_text="德阳市教育局")
        assert "https://tb.example.gov.cn/login" in row.locator("textarea.short").input_value()
        row.locator("summary").click()
        row.locator("input[name=email]").fill("jyj@deyang.example.cn")
        row.locator("button:has-text('保存')").click()
        office.goto(base + "/office/remind?q=德阳市教育局")
        assert not smtp.messages
        office.click("text=给勾选的单位发催报邮件")
        assert "已发送催报邮件 1 封" in html(office)
        sent = email.message_from_string(smtp.messages[0], policy=policy.default)
        assert sent["To"] == "jyj@deyang.example.cn" and "https://tb.example.gov.cn/login" in sent.get_content()
        # sent back with a reason, fixed, approved: the unit's banner follows, and the return locks
        office.goto(base + f"/office/submissions/{second}")
        office.fill("#comment", "请补充系统的运维金额")
        office.click("button:has-text('退回修改')")
        unit.goto(base + f"/unit/submissions/{second}")
        assert "项目办已退回修改" in unit.locator("#banner").text_content()
        values["fill_date"] = "2026-08-25"
        unit.goto(base + "/unit")
        unit.set_input_files("#file", str(write_return(tmp_path / "第3次.xlsx", form, hr, values, rows)))
        send(unit)
        third = unit.url.rsplit("/", 1)[1]
        office.goto(base + f"/office/submissions/{third}")
        office.click("button:has-text('审核通过')")
        unit.goto(base + f"/unit/submissions/{third}")
        assert "项目办已审核通过" in unit.locator("#banner").text_content()
        unit.goto(base + "/unit")
        assert "锁定" in unit.locator("#locked").text_content() and unit.locator("button:has-text('上传并校验')").is_disabled()
        # a county office: its own part only
        county = browser.new_context().new_page()
        _sign_in_first_time(county, base, "罗江区项目办", county_password, "Luojiang-office-2026")
        assert "德阳市罗江区人民政府" in html(county)
        response = county.goto(base + f"/office/submissions/{third}")
        assert response.status == 404 and "四川省人力资源和社会保障厅" not in html(county)
        county.goto(base + "/office/levels")
        assert "德阳市罗江区教育和体育局" in html(county)
        county.set_viewport_size({"width": 390, "height": 800})
        nav = county.locator("header nav").bounding_box()
        assert nav["height"] < 60  # the menu is one line on a phone
        assert errors == []
    finally:
        gen.close()
        smtp.server.shutdown()


def _reachable(page, locator) -> None:
    """On a phone: the page itself does not scroll sideways, the element is on screen as the page comes
    (no sideways scrolling needed), nothing covers it, and a click lands on it."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    page.evaluate("y => window.scrollBy(0, y)", locator.bounding_box()["y"] - 200)  # down to it; sideways nothing moves
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    on_top = page.evaluate(
        "([x, y, el]) => { const hit = document.elementFromPoint(x, y); return hit === el || el.contains(hit); }",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, locator.element_handle()],
    )
    assert on_top
    locator.click(trial=True, timeout=5000)


def test_an_office_on_a_phone_and_what_the_levels_page_offers(browser, tmp_path, form, roster):
    """A county office (made from the CLI before the first start; the province's admin is still shown)
    at 375 px: the action of the queue, the units and the unit's own submissions stays on screen beside
    the wide table and is clickable. On 逐级审核 at desk width, the 报上级审核 button that cannot be used looks
    disabled (grey, no pointer) and says why beside it and in its title."""
    from conftest import run_cli
    from test_portal import make_return, upload
    from test_portal_levels import A_UNIT, XINGYANG, _unit_browser

    from inventory.web import Settings, create_app

    db = f"sqlite:///{tmp_path / 'portal.db'}"
    made = run_cli("account", "add", "旌阳区项目办", "--role", "admin", "--under", XINGYANG, "--db", db, "--json")
    county_password = __import__("json").loads(made.stdout)["password"]
    gen = _serve(tmp_path)  # fails unless the first start still names the province's admin
    base, *_ = next(gen)
    errors: list[str] = []
    try:
        app = create_app(Settings(db=db, files=tmp_path / "files"))
        unit = _unit_browser(app, A_UNIT)
        assert upload(unit, make_return(tmp_path, form, roster, A_UNIT, "A.xlsx")).status_code == 200
        county = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        county.on("pageerror", lambda e: errors.append(str(e)))
        _sign_in_first_time(county, base, "旌阳区项目办", county_password, "Xingyang-office-2026")
        county.goto(base + "/office/levels")
        up = county.locator("#submit-up button")
        assert up.is_disabled() and up.get_attribute("title").startswith("还不能报上级审核：")
        assert county.locator("#submit-why").is_visible() and "尚未审核通过或免报" in county.locator("#submit-why").text_content()
        look = county.evaluate("el => { const s = getComputedStyle(el); return [s.backgroundColor, s.cursor]; }", up.element_handle())
        enabled = county.evaluate(
            "() => { const b = document.createElement('button'); document.body.append(b); const c = getComputedStyle(b).backgroundColor; b.remove(); return c; }"
        )
        assert look[1] == "not-allowed" and look[0] != enabled, (look, enabled)
        county.set_viewport_size({"width": 375, "height": 800})
        county.goto(base + "/office/submissions")
        row = county.locator("#queue tbody tr", has_text=A_UNIT)
        _reachable(county, row.locator("a", has_text="打开"))
        county.goto(base + f"/office/units?q={A_UNIT}")
        _reachable(county, county.locator("#units tbody tr", has_text=A_UNIT).locator("td:last-child button").first)
        county.goto(base + "/office/submissions?state=all")
        opened = county.locator("#queue tbody tr", has_text=A_UNIT).locator("a", has_text="打开")
        _reachable(county, opened)
        opened.click()
        assert "/office/submissions/" in county.url and A_UNIT in county.locator("h1").text_content()
        # the unit's own list of submissions, on a phone
        from inventory.store import accounts

        phone = browser.new_context(viewport={"width": 375, "height": 800}).new_page()
        username = next(a["username"] for a in accounts.accounts(app.state.engine) if a["unit"] == A_UNIT)
        phone.goto(base + "/login")
        phone.fill("#username", username)
        phone.fill("#password", "unit-pass-1234")  # chosen at its first sign-in (_unit_browser)
        phone.click("form[action='/login'] button")
        phone.wait_for_url("**/unit")
        _reachable(phone, phone.locator("#history tbody tr").first.locator("a", has_text="查看"))
        assert errors == []
    finally:
        gen.close()
