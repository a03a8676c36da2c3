"""An office changes its unit list in the portal: download its part, edit, upload, read the preview
(nothing written), confirm (written once), on SQLite and PostgreSQL; never outside its part."""

from __future__ import annotations

import io
import re

from openpyxl import Workbook, load_workbook
from test_portal import Browser, portal  # noqa: F401 (a fixture)

from inventory.store import accounts
from inventory.store.audit import AuditFilter, entries
from inventory.store.units import tree

XINGYANG, LUOJIANG, DEYANG = "德阳市旌阳区人民政府", "德阳市罗江区人民政府", "德阳市人民政府"
NEW = "德阳市旌阳区数据局"
PASSWORD = "office-pass-1234"


def _office(app, username, node, role="admin"):
    accounts.create_account(app.state.engine, username, role, node, PASSWORD)
    b = Browser(app)
    assert b.login(username, PASSWORD).url.path == "/office"
    return b


def _rows(body: bytes) -> list[list[str]]:
    ws = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _send(b, body: bytes, replace=False, name="名单.xlsx"):
    data = {"replace": "1"} if replace else {}
    return b.post("/office/units/list", data, files={"file": (name, body, "application/octet-stream")}, page="/office/units/list")


def _token(html: str) -> str:
    return re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)


def test_a_county_downloads_edits_previews_and_confirms_its_list(portal):  # noqa: F811 (the fixture)
    app, *_ = portal
    engine = app.state.engine
    county = _office(app, "旌阳区项目办", XINGYANG)
    r = county.get("/office/units/list.xlsx")
    assert r.status_code == 200
    rows = _rows(r.content)
    assert rows[0][:3] == ["单位全称", "简称", "上级单位"]
    part = {u.name for u in tree(engine).subtree(tree(engine).get(XINGYANG))[1:]}
    assert {row[0] for row in rows[1:]} == part and part  # its part, whole, and nothing of a sibling's
    assert not any("罗江区" in row[0] for row in rows[1:])

    edited = [*rows, [NEW, "区数据局", "旌阳区", "区县部门", "张三", "0838-1234567", ""]]
    edited[1][4] = "李四"  # a contact added to a listed unit
    r = _send(county, _xlsx(edited))
    assert r.status_code == 200, r.text[r.text.find("<main") :][:1500]
    preview = r.text
    assert "名册还没有改动" in preview and NEW in preview
    assert re.search(r"新增 <strong>1</strong> 个，修改 <strong>1</strong> 个，停用 <strong>0</strong> 个", preview)
    assert tree(engine).get(NEW) is None  # a preview writes nothing

    r = county.post("/office/units/list/confirm", {"token": _token(preview)}, page="/office/units/list")
    assert r.url.path == "/office/units" and "名单已导入" in r.text
    added = tree(engine).get(NEW)
    assert added is not None and tree(engine).parent_of(added).name == XINGYANG
    assert NEW in county.get("/office/units?q=数据局").text
    logged = entries(engine, where=AuditFilter(action="units_import"))
    assert logged and logged[0]["target"] == XINGYANG

    again = county.post("/office/units/list/confirm", {"token": _token(preview)}, page="/office/units/list")
    assert "已过期或已经用过" in again.text  # a confirmation is used once


def test_a_list_that_reaches_outside_the_part_is_refused_whole(portal):  # noqa: F811 (the fixture)
    app, *_ = portal
    engine = app.state.engine
    county = _office(app, "旌阳区项目办", XINGYANG)
    rows = [["单位全称", "简称", "上级单位"], [NEW, "区数据局", "旌阳区"], ["德阳市罗江区教育和体育局", "罗江教体局", "罗江区"]]
    r = _send(county, _xlsx(rows), name="我的名单.xlsx")
    assert r.status_code == 400
    assert "我的名单.xlsx" in r.text and "不在“德阳市旌阳区人民政府”的管辖范围内" in r.text
    assert "名册没有改动" in r.text and 'name="token"' not in r.text
    assert tree(engine).get(NEW) is None

    sibling = _office(app, "罗江区项目办", LUOJIANG)
    assert not any(XINGYANG in row[2] for row in _rows(sibling.get("/office/units/list.xlsx").content)[1:])


def test_replacing_a_city_s_list_asks_before_a_whole_county_goes(portal):  # noqa: F811 (the fixture)
    app, *_ = portal
    engine = app.state.engine
    city = _office(app, "德阳市项目办", DEYANG)
    rows = _rows(city.get("/office/units/list.xlsx").content)
    xingyang = {u.name for u in tree(engine).subtree(tree(engine).get(XINGYANG))}
    kept = [row for row in rows if row[0] not in xingyang]  # 旌阳区 and its departments left out
    r = _send(city, _xlsx(kept), replace=True)
    assert r.status_code == 200 and "下级项目办，连同下级" in r.text and 'name="retire_offices"' in r.text
    token = _token(r.text)

    r = city.post("/office/units/list/confirm", {"token": token}, page="/office/units/list")
    assert "请勾选确认框" in r.text
    assert tree(engine).get(XINGYANG) is not None  # not without the box ticked

    r = city.post("/office/units/list/confirm", {"token": token, "retire_offices": "1"}, page="/office/units/list")
    assert "名单已导入" in r.text
    assert tree(engine).get(XINGYANG) is None and tree(engine).get(DEYANG) is not None


def test_only_an_office_s_administrator_changes_its_list(portal):  # noqa: F811 (the fixture)
    app, *_ = portal
    reviewer = _office(app, "旌阳区审核人", XINGYANG, role="reviewer")
    assert reviewer.get("/office/units/list").status_code == 403
    assert reviewer.get("/office/units/list.xlsx").status_code == 403
    assert "下载、修改并上传单位名单" not in reviewer.get("/office/units").text
