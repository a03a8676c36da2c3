"""Evidence and sign-off in a real browser: `inventory serve` started as a user would, Chromium
driven by Playwright. The unit uploads its return and a file of evidence for one of its systems,
signs the return with its password, opens the 承诺书; the office downloads the unit's zip."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from conftest import html
from test_portal_browser import _serve

from inventory.demo.synth import clean_return, write_return

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def server(tmp_path):
    yield from _serve(tmp_path)  # `inventory serve` started as a user would, this checkout's code


def test_a_unit_attaches_evidence_signs_and_the_office_zips_it(browser, server, tmp_path, form, roster):
    base, admin, password = server
    outside: list[str] = []
    errors: list[str] = []

    def watch(page):
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    office = watch(browser.new_context(accept_downloads=True).new_page())
    office.goto(base + "/login")
    office.fill("#username", admin)
    office.fill("#password", password)
    office.click("form[action='/login'] button")
    assert office.url.endswith("/password")  # an office account replaces its first password before anything else
    office.fill("#old", password)
    office.fill("#new", "Evidence-office-2026")
    office.fill("#again", "Evidence-office-2026")
    office.click("text=保存密码")
    office.goto(base + "/office/units")
    office.locator("tr", has_text="四川省人力资源和社会保障厅").locator("button", has_text="开通并发登录码").click()
    code = office.locator("#issued .code").text_content().strip()

    unit = watch(browser.new_context(accept_downloads=True).new_page())
    unit.goto(base + "/login")
    unit.fill("#code", code)
    unit.click("text=用登录码登录")
    unit.fill("#new", "hr-portal-2025")
    unit.fill("#again", "hr-portal-2025")
    unit.click("text=保存密码")
    hr = roster.resolve("人社厅")
    values, rows = clean_return(form, hr, 6, seed=5)
    workbook = write_return(tmp_path / "人社厅.xlsx", form, hr, values, rows)
    unit.set_input_files("#file", str(workbook))
    unit.click("text=上传并校验")
    assert "校验通过，已接收" in html(unit)

    # evidence for the first system, beside the return
    unit.goto(base + "/unit")
    unit.click("a.button:has-text('上传证明材料')")
    assert unit.url.endswith("/unit/evidence")
    scan = tmp_path / "备案证明.pdf"
    scan.write_bytes(PDF)
    unit.select_option("#system", "XT-00001")
    unit.select_option("#kind", "mlps_filing")
    unit.set_input_files("#evidence-file", str(scan))
    unit.click("#evidence-upload button")
    assert "已保存" in html(unit) and "备案证明.pdf" in unit.locator("table").text_content()
    with unit.expect_download() as dl:
        unit.click("table a:has-text('下载')")
    assert Path(dl.value.path()).read_bytes() == PDF  # handed back as a download, not shown

    # signing with the password again; the printed letter carries the workbook's hash
    unit.goto(base + "/unit/signoff")
    unit.fill("#name", "张三")
    unit.fill("#role", "副厅长")
    unit.fill("#password", "hr-portal-2025")
    unit.click("text=确认签署")
    assert "本轮报表已签署" in html(unit)
    unit.click("a.button:has-text('打印承诺书')")
    sha = hashlib.sha256(workbook.read_bytes()).hexdigest()
    assert sha in unit.locator(".hash").text_content() and "副厅长" in html(unit)
    unit.goto(base + "/unit/evidence")
    assert "不能再上传" in html(unit) and unit.locator("#evidence-upload").count() == 0  # locked with the return

    # the office takes the unit's files as one zip
    office.goto(base + "/office/evidence")
    assert "四川省人力资源和社会保障厅" in html(office)
    with office.expect_download() as dl:
        office.click("text=打包下载本单位全部材料")
    with zipfile.ZipFile(dl.value.path()) as zf:
        names = zf.namelist()
        assert "清单.csv" in names and any(n.startswith("XT-00001_等保备案证明") for n in names)
        assert zf.read(next(n for n in names if n.startswith("XT-00001_"))) == PDF
    office.goto(base + "/office/signoffs")
    assert "张三" in html(office) and "有效" in html(office)
    assert outside == [] and errors == []
