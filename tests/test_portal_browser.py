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

import pytest

from inventory.demo.synth import clean_return, write_return


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "inventory", "serve", "--port", str(port), "--db", f"sqlite:///{tmp_path / 'portal.db'}"],
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
    yield base, found.group(1), found.group(2)
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
    assert unit.url.endswith("/unit") and "四川省人力资源和社会保障厅" in unit.content()
    with unit.expect_download() as dl:
        unit.click("text=下载本单位模板")
    assert dl.value.suggested_filename.endswith(".xlsx")

    hr = roster.resolve("人社厅")
    values, rows = clean_return(form, hr, 10, seed=3)
    rows[form.main.name][2]["layer"] = "应用"  # an option the list does not have
    broken = write_return(tmp_path / "人社厅-第1次.xlsx", form, hr, values, rows)
    unit.set_input_files("#file", str(broken))
    unit.click("text=上传并校验")
    assert "这份报表未被接收" in unit.content()
    problem = unit.locator("#issues tbody tr").first
    assert "系统清单" in problem.text_content() and problem.locator("td").nth(2).text_content().strip()  # sheet and cell

    rows[form.main.name][2]["layer"] = "应用层"
    fixed = write_return(tmp_path / "人社厅-第2次.xlsx", form, hr, values, rows)
    unit.goto(base + "/unit")
    unit.set_input_files("#file", str(fixed))
    unit.click("text=上传并校验")
    assert "校验通过，已接收" in unit.content()

    office.goto(base + "/office/submissions")
    office.locator("tr", has_text="四川省人力资源和社会保障厅").locator("a", has_text="打开").first.click()
    office.fill("#comment", "第3个系统的运维单位请填全称")
    office.click("button:has-text('退回修改')")
    assert "退回修改" in office.content()

    unit.goto(base + "/unit")
    assert unit.locator("#review-comment").text_content() == "第3个系统的运维单位请填全称"
    values["contact_name"] = "王强"
    again = write_return(tmp_path / "人社厅-第3次.xlsx", form, hr, values, rows)
    unit.set_input_files("#file", str(again))
    unit.click("text=上传并校验")
    assert "校验通过，已接收" in unit.content()

    office.goto(base + "/office/submissions")
    office.locator("tr", has_text="四川省人力资源和社会保障厅").locator("a", has_text="打开").first.click()
    office.click("button:has-text('审核通过')")
    unit.goto(base + "/unit")
    assert "已通过" in unit.locator(".fig").first.text_content()
    # the office's report of the unit opens in the browser, its script running under its own policy
    office.goto(base + "/office/reports/coverage.html")
    assert office.locator(".count").first.text_content().startswith("共")
    assert outside == [] and errors == []
