"""The portal in levels: an office account carries a node of the tree and every office page reads
and acts inside that node's part only; approval up the tree from the office's pages. On SQLite and
PostgreSQL, one portal per database for the whole module (set up once, then every route tried)."""

from __future__ import annotations

import pytest
from conftest import _pg_database
from test_portal import Browser, make_return, portal, sid_of, upload  # noqa: F401 (a fixture)

from inventory.store import accounts
from inventory.store.audit import AuditFilter, entries
from inventory.web import Settings, create_app
from inventory.web.server import prepare

XINGYANG, LUOJIANG, DEYANG = "德阳市旌阳区人民政府", "德阳市罗江区人民政府", "德阳市人民政府"
A_UNIT, B_UNIT, C_UNIT = "德阳市旌阳区教育和体育局", "德阳市罗江区教育和体育局", "德阳市教育局"
PASSWORD = "office-pass-1234"


def _unit_browser(app, name):
    issued = accounts.issue_code(app.state.engine, name, "test")
    b = Browser(app)
    b.post("/login/code", {"code": issued["code"]}, page="/login")
    r = b.post("/password", {"new": "unit-pass-1234", "again": "unit-pass-1234"}, page="/password")
    assert r.url.path == "/unit", r.text
    return b


def _office(app, username, node):
    accounts.create_account(app.state.engine, username, "admin", node, PASSWORD)
    b = Browser(app)
    assert b.login(username, PASSWORD).url.path == "/office"
    return b


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory, form, roster):
    """Three offices (a county, its sibling, their city), three units with a return each and a question."""
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        url, gen = f"sqlite:///{tmp / 'levels.db'}", None
    else:
        gen = _pg_database()
        url = next(gen)
    settings = Settings(db=url, files=tmp / "files", max_upload=2 * 1024 * 1024)
    admin = prepare(settings)
    app = create_app(settings)
    province = Browser(app)
    assert province.login(*admin).url.path == "/password"  # the first admin chooses a new password first
    new = "Tianfu-office-2026"
    r = province.post("/password", {"old": admin[1], "new": new, "again": new}, page="/password")
    assert r.url.path == "/office", r.text[r.text.find("flash") :][:300]
    offices = {
        "旌阳": _office(app, "旌阳区项目办", XINGYANG),
        "罗江": _office(app, "罗江区项目办", LUOJIANG),
        "德阳": _office(app, "德阳市项目办", DEYANG),
    }
    units, subs, ids = {}, {}, {}
    for key, name in (("A", A_UNIT), ("B", B_UNIT), ("C", C_UNIT)):
        units[key] = _unit_browser(app, name)
        subs[key] = sid_of(upload(units[key], make_return(tmp, form, roster, name, f"{key}.xlsx")))
        units[key].post("/questions", {"question": f"{key} 的问题：运维金额怎么填？"}, page="/unit")
    from sqlalchemy import select

    from inventory.store.models import Question, Unit

    with app.state.engine.connect() as conn:
        ids = dict(conn.execute(select(Unit.name, Unit.id).where(Unit.name.in_([A_UNIT, B_UNIT, C_UNIT]))).all())
        questions = {name: qid for qid, name in conn.execute(select(Question.id, Unit.name).join(Unit, Question.unit_id == Unit.id))}
    acc = {a["unit"]: a["id"] for a in accounts.accounts(app.state.engine) if a["role"] == "unit"}
    yield {
        "app": app,
        "province": province,
        "offices": offices,
        "units": units,
        "subs": subs,
        "ids": ids,
        "questions": questions,
        "accounts": acc,
        "codes": {k: roster.get(v).code for k, v in (("A", A_UNIT), ("B", B_UNIT), ("C", C_UNIT))},
    }
    if gen is not None:
        gen.close()


# every office route that names something: (method, path template, form data); {sid} {uid} {aid} {qid} {code} of the target
NAMED_ROUTES = [
    ("GET", "/office/submissions/{sid}", None),
    ("GET", "/office/submissions/{sid}/original", None),
    ("POST", "/office/submissions/{sid}/decision", {"decision": "approved"}),
    ("POST", "/office/units/{uid}/code", {}),
    ("POST", "/office/units/{uid}/contact", {"name": "x", "phone": "1", "email": "a@b.cn"}),
    ("GET", "/office/reports/unit/{uid}.html", None),
    ("GET", "/office/units/{uid}/files.zip", None),
    ("POST", "/office/accounts/{aid}/revoke", {}),
    ("POST", "/office/questions/{qid}/answer", {"answer": "越权的答复"}),
    *(("POST", f"/office/levels/{{code}}/{action}", {"reason": "越权"}) for action in ("approve", "return", "exempt", "include", "reopen")),
]
# every office page that lists things: none may name another part's unit
LIST_ROUTES = [
    "/office",
    "/office/submissions?state=all",
    "/office/units",
    "/office/levels",
    "/office/questions",
    "/office/queries",
    "/office/audit",
    "/office/accounts",
    "/office/reports/coverage.json",
    "/office/reports/inventory.json",
    "/office/remind",
    "/office/round",
]


def _fill(path, w, key):
    name = {"A": A_UNIT, "B": B_UNIT, "C": C_UNIT}[key]
    return path.format(sid=w["subs"][key], uid=w["ids"][name], aid=w["accounts"][name], qid=w["questions"][name], code=w["codes"][key])


@pytest.mark.parametrize(("method", "path", "data"), NAMED_ROUTES, ids=[f"{m} {p}" for m, p, _ in NAMED_ROUTES])
@pytest.mark.parametrize("target", ["A", "C"], ids=["sibling", "parent"])
def test_a_county_office_never_reaches_a_sibling_s_or_its_parent_s_data(world, method, path, data, target):
    """罗江区 office: 旌阳区's unit (a sibling's part) and 德阳市's own department (its parent's) do not exist for it."""
    b = world["offices"]["罗江"]
    url = _fill(path, world, target)
    r = b.get(url) if method == "GET" else b.post(url, data, page="/office")
    assert r.status_code == 404, (url, r.status_code)
    assert {"A": A_UNIT, "C": C_UNIT}[target] not in r.text


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_a_county_office_s_lists_hold_its_part_only(world, path):
    b = world["offices"]["罗江"]
    r = b.get(path)
    assert r.status_code == 200, path
    assert A_UNIT not in r.text and C_UNIT not in r.text and "德阳市经济和信息化局" not in r.text, path


@pytest.mark.parametrize("kind", ["issues", "brief"])
def test_findings_of_a_county_cover_its_part(world, kind):
    """The findings and the brief read the county's systems only; a duplicate that touches its part may
    name the other unit of the pair (duplicates are sought across the whole tree, by design)."""
    r = world["offices"]["罗江"].get(f"/office/reports/{kind}.json")
    assert r.status_code == 200
    data = r.json()
    text = r.text
    assert B_UNIT in text or kind == "brief"
    if kind == "issues":
        single = [f for f in data["findings"] if "、" not in str(f.get("unit", ""))]  # a duplicate names its units joined
        assert single and all(f["unit"] == B_UNIT for f in single)


def test_bulk_approval_skips_another_part_s_submissions(world):
    b = world["offices"]["罗江"]
    r = b.post("/office/submissions/approve", {"sid": [str(world["subs"]["A"]), str(world["subs"]["C"])]}, page="/office/submissions")
    assert "已审核通过 0 份报送" in r.text
    page = world["offices"]["德阳"].get(f"/office/submissions/{world['subs']['C']}").text
    assert "审核记录" not in page  # nobody decided on it


def test_each_office_sees_its_own_part(world):
    offices = world["offices"]
    assert B_UNIT in offices["罗江"].get("/office/submissions?state=all").text
    city = offices["德阳"].get("/office/submissions?state=all").text
    assert A_UNIT in city and B_UNIT in city and C_UNIT in city  # a city sees its counties' units too
    assert offices["德阳"].get(f"/office/submissions/{world['subs']['A']}").status_code == 200
    assert "四川省人力资源和社会保障厅" not in offices["德阳"].get("/office/units").text
    whole = world["province"].get("/office/submissions?state=all").text
    assert A_UNIT in whole and C_UNIT in whole
    cov = offices["罗江"].get("/office/reports/coverage.json").json()
    assert cov["under"]["unit"] == LUOJIANG and {u["unit"] for u in cov["units"]} >= {B_UNIT}


def test_a_lower_part_s_returns_are_found_by_the_tree_not_by_name(world):
    from inventory.store.units import tree

    roster = tree(world["app"].state.engine)
    luojiang, deyang = roster.get(LUOJIANG).code, roster.get(DEYANG).code
    province = world["province"]
    assert f"part={deyang}" in province.get("/office").text  # the dashboard's 各市（州） links to a city's part
    part = province.get(f"/office/submissions?state=all&part={luojiang}").text
    assert B_UNIT in part and A_UNIT not in part and C_UNIT not in part and "只看“德阳市罗江区人民政府”及其下级" in part
    city = province.get(f"/office/submissions?state=all&part={deyang}").text
    assert all(name in city for name in (A_UNIT, B_UNIT, C_UNIT))
    assert world["offices"]["罗江"].get(f"/office/submissions?state=all&part={deyang}").status_code == 404  # above it: not found
    assert world["offices"]["罗江"].get(f"/office/submissions?state=all&part={roster.get(XINGYANG).code}").status_code == 404


def test_refusals_are_in_the_audit_log_of_the_part_that_tried(world):
    engine = world["app"].state.engine
    b = world["offices"]["罗江"]
    b.get(f"/office/submissions/{world['subs']['A']}")
    from inventory.form.roster import load_roster

    luojiang = load_roster().get(LUOJIANG)
    mine = entries(engine, 500, 0, AuditFilter(under=luojiang.path))
    assert any(e["action"] == "not_found" and e["actor"] == "罗江区项目办" for e in mine)
    assert all(e["action_name"] != e["action"] for e in mine)  # every action said in Chinese
    page = b.get("/office/audit").text
    assert "访问不存在或无权查看的内容" in page and "旌阳区项目办" not in page


def _queue(b, below=False):
    page = b.get("/office/submissions?state=pending" + ("&who=below" if below else "")).text
    return page[page.index('id="queue">') :]


def test_the_queue_shows_each_office_what_it_decides_and_what_waits_below(world):
    """逐级审核 in the queue and on the dashboard: an office's pending tab lists its direct reporters'
    returns, with approve boxes; returns a sub-office decides are a second tab, marked with who decides."""
    offices = world["offices"]
    city, county = offices["德阳"], offices["旌阳"]
    mine, below = _queue(city), _queue(city, below=True)
    assert C_UNIT in mine and A_UNIT not in mine and B_UNIT not in mine
    assert A_UNIT in below and f"由{XINGYANG}审核" in below and 'name="sid"' not in below
    assert A_UNIT in _queue(county) and 'name="sid"' in _queue(county)
    home = city.get("/office").text
    assert "待本级审核" in home and "另有 2 份由下级项目办审核" in home


def test_approval_up_the_tree_from_the_office_pages(world):
    """A county approves its unit's return, exempts the rest with a reason, submits up; the city sends it
    back with a reason; the county cannot act on what is not its direct child."""
    offices, codes = world["offices"], world["codes"]
    county, city = offices["旌阳"], offices["德阳"]
    page = county.get("/office/levels").text
    assert A_UNIT in page and "待审核" in page
    assert f'href="/office/submissions/{world["subs"]["A"]}"' in page  # the return can be read before it is approved
    # the city may not review a county's unit directly: only the direct reviewer acts
    r = city.post(f"/office/levels/{codes['A']}/approve", {"reason": ""}, page="/office/levels")
    assert "审核" in r.text and "由“德阳市旌阳区人民政府”审核" in r.text
    r = county.post(f"/office/levels/{codes['A']}/approve", {"reason": ""}, page="/office/levels")
    assert "现在是“已通过”" in r.text
    # submitting up before every child is done is refused, naming who is missing
    r = county.post(f"/office/levels/{XINGYANG_CODE(world)}/submit", {}, page="/office/levels")
    assert "还不能上报" in r.text
    # exempt every other child with a reason, then submit
    from inventory.store.units import tree

    roster = tree(world["app"].state.engine)
    node = roster.get(XINGYANG)
    others = [kid.code for kid in roster.children(node) if kid.name != A_UNIT]
    assert 'form="exempt-many"' in county.get("/office/levels").text  # the rest are ticked and exempted at once
    ticked = {"unit": [*others, codes["A"]], "reason": "本轮无信息系统"}
    r = county.post("/office/levels/exempt-many", ticked, page="/office/levels")  # first the list, to be confirmed
    assert f"确认免报这 {len(others) + 1} 个单位" in r.text and A_UNIT in r.text and "本轮无信息系统" in r.text
    assert "state-exempt" not in county.get("/office/levels").text  # nothing changed before the confirmation
    r = county.post("/office/levels/exempt-many", {**ticked, "confirmed": "1"}, page="/office/levels")
    assert f"已同意免报 {len(others)} 个" in r.text and f"未办 1 个：{A_UNIT}" in r.text  # the approved one is said, not changed
    sibling = county.post("/office/levels/exempt-many", {"unit": [codes["C"]], "reason": "越权"}, page="/office/levels")
    assert sibling.status_code == 404  # another part's unit is not even confirmed to exist
    r = county.post(f"/office/levels/{node.code}/exempt", {"reason": "x"}, page="/office/levels")
    assert "本级的部分由上级项目办审核" in r.text
    r = county.post(f"/office/levels/{node.code}/submit", {}, page="/office/levels")
    assert "现在是“已上报”" in r.text, r.text[:2000]
    from inventory.store.audit import entries

    sent = next(e for e in entries(world["app"].state.engine) if e["action"] == "review_submit")
    assert sent["address"] and sent["actor"] and sent["role"] == "admin"  # logged as every portal action: account and address
    waiting = city.get("/office").text  # the city's dashboard counts the county's part as waiting for it
    assert 'id="parts-waiting"' in waiting and XINGYANG in waiting[waiting.index('id="parts-waiting"') :][:400]
    # locked: the unit cannot upload over it
    assert "锁定" in world["units"]["A"].get("/unit").text
    # the city sends the county's part back with a reason; the county sees the reason
    r = city.post(f"/office/levels/{node.code}/return", {"reason": "请核对教育局的系统数"}, page="/office/levels")
    assert "现在是“退回修改”" in r.text
    assert "请核对教育局的系统数" in county.get("/office/levels").text
    # exempting without a reason is refused
    kid = next(k for k in roster.children(node) if k.name != A_UNIT)
    county.post(f"/office/levels/{kid.code}/include", {}, page="/office/levels")
    r = county.post(f"/office/levels/{kid.code}/exempt", {"reason": " "}, page="/office/levels")
    assert "免报须写明理由" in r.text


def XINGYANG_CODE(world):
    from inventory.store.units import tree

    return tree(world["app"].state.engine).get(XINGYANG).code


def test_a_reopened_return_waits_for_review_again_and_only_its_reviewer_may_decide(world):
    """After the approval test (旌阳 approved its unit's return, the city sent the county's part back):
    the county reopens the return, which is pending again in every queue; on the return's page the city
    is told who decides it instead of being offered buttons that would be refused."""
    offices, codes, subs = world["offices"], world["codes"], world["subs"]
    county, city = offices["旌阳"], offices["德阳"]
    r = county.post(f"/office/levels/{codes['A']}/reopen", {"reason": "单位申请补报一个系统"}, page="/office/levels")
    assert r.status_code == 200 and "现在是“待审核”" in r.text, r.text[:1500]
    for b in (county, city):
        for tab in ("pending", "approved", "all"):
            assert b.get(f"/office/submissions?state={tab}").status_code == 200
    assert A_UNIT in _queue(county) and A_UNIT in _queue(city, below=True)
    mine, theirs = county.get(f"/office/submissions/{subs['A']}").text, city.get(f"/office/submissions/{subs['A']}").text
    assert 'value="approved"' in mine and "重新打开" in mine
    assert 'id="not-mine"' in theirs and f"由“{XINGYANG}”审核" in theirs and 'value="approved"' not in theirs


def _latest_step_at(world, name):
    from sqlalchemy import select

    from inventory.beijing import shown
    from inventory.store.models import NodeApproval, Unit

    with world["app"].state.engine.connect() as conn:
        q = select(NodeApproval.at).join(Unit, NodeApproval.unit_id == Unit.id).where(Unit.name == name)
        return shown(conn.execute(q.order_by(NodeApproval.id.desc())).scalar())


def test_the_level_above_s_word_is_shown_on_the_office_s_pages(world):
    """After the tests above (the city sent the county's part back with a reason): the county's dashboard
    and 逐级审核 page say so, with who and when (Beijing time); then the county submits again, the city
    approves and reopens the part with a reason, and the county is told that too."""
    offices, codes = world["offices"], world["codes"]
    county, city = offices["旌阳"], offices["德阳"]
    when = _latest_step_at(world, XINGYANG)
    for path in ("/office", "/office/levels"):
        page = county.get(path).text
        banner = page[page.index('id="from-above"') :][:600]
        assert "上级退回修改" in banner and "请核对教育局的系统数。" in banner, path  # the reason ends its sentence
        assert DEYANG in banner and "德阳市项目办" in banner and f"{when}（北京时间）" in banner, path
    assert 'id="from-above"' not in city.get("/office").text  # the city's own part was not sent back
    # the county's dashboard says where its own part stands; the city's lists its counties with theirs
    assert "本级状态：" in (home := county.get("/office").text) and "退回修改" in home[home.index('id="own-state"') :][:300]
    city_home = city.get("/office").text
    parts = city_home[city_home.index('id="parts"') :]
    parts = parts[: parts.index("</table>")]
    assert "各区（县）" in city_home and "旌阳区" in parts and "罗江区" in parts and "退回修改" in parts and "免报" in parts
    assert "成都" not in parts and 'id="parts"' not in home  # a county has no level of offices below it
    from inventory.store.units import tree

    roster = tree(world["app"].state.engine)
    node = roster.get(XINGYANG)
    county.post(f"/office/levels/{codes['A']}/approve", {"reason": ""}, page="/office/levels")
    for kid in roster.children(node):
        if kid.name != A_UNIT:
            county.post(f"/office/levels/{kid.code}/exempt", {"reason": "本轮无信息系统"}, page="/office/levels")
    r = county.post(f"/office/levels/{node.code}/submit", {}, page="/office/levels")
    assert "现在是“已上报”" in r.text, r.text[r.text.find("flash") :][:400]
    assert 'id="from-above"' not in county.get("/office").text  # submitted again: the old word is done with
    assert "现在是“已通过”" in city.post(f"/office/levels/{node.code}/approve", {"reason": ""}, page="/office/levels").text
    r = city.post(f"/office/levels/{node.code}/reopen", {"reason": "旌阳区需补报<一个>系统"}, page="/office/levels")
    assert r.status_code == 200
    when = _latest_step_at(world, XINGYANG)
    for path in ("/office", "/office/levels"):
        page = county.get(path).text
        banner = page[page.index('id="from-above"') :][:600]
        assert "上级重新打开" in banner and "旌阳区需补报&lt;一个&gt;系统" in banner and f"{when}（北京时间）" in banner, path


def _card_and_children(page):
    return page[page.index('id="own"') : page.index('id="children">')], page[page.index('id="children">') :]


def test_the_levels_page_offers_only_what_can_be_done(world):
    """After the tests above (the city reopened the county's approved part; every child of the county is
    done): the county may submit; once submitted its part is locked and no step on a child is offered,
    only the withdrawal; once approved, nothing. The city, still collecting, sees its 报上级审核 disabled
    with the reason beside it and in its title."""
    county, city = world["offices"]["旌阳"], world["offices"]["德阳"]
    code = XINGYANG_CODE(world)
    card, _ = _card_and_children(county.get("/office/levels").text)
    assert 'id="submit-up"' in card and "disabled" not in card[card.index('id="submit-up"') :]
    assert "现在是“已上报”" in county.post(f"/office/levels/{code}/submit", {}, page="/office/levels").text
    card, kids = _card_and_children(county.get("/office/levels").text)
    assert 'id="locked"' in card and "已报上级审核" in card and "撤回上报" in card and 'id="submit-up"' not in card
    assert "formaction" not in kids and "已锁定" in kids
    assert "现在是“已通过”" in city.post(f"/office/levels/{code}/approve", {"reason": ""}, page="/office/levels").text
    card, kids = _card_and_children(county.get("/office/levels").text)
    assert "已经上级审核通过" in card and "撤回上报" not in card and "<button" not in card and "<button" not in kids
    card, kids = _card_and_children(city.get("/office/levels").text)
    button = card[card.index('id="submit-up"') :]
    button = button[button.index("<button") : button.index("</button>")]
    assert "disabled" in button and 'title="还不能报上级审核：' in button and 'id="submit-why"' in card
    assert "重新打开" in kids and "退回修改" in kids  # the approved county: what the city may still do


def test_a_lower_office_without_an_account_is_named_on_the_levels_page(world, roster):
    city = world["offices"]["德阳"]
    _, kids = _card_and_children(city.get("/office/levels").text)
    rows = {m.split('"')[0]: m for m in kids.split('<tr data-code="')[1:]}
    zhongjiang = roster.resolve("中江县").code
    assert "还没有项目办账号" in rows[zhongjiang] and f"/office/accounts?node={zhongjiang}" in rows[zhongjiang]
    assert "还没有项目办账号" not in rows[XINGYANG_CODE(world)]  # 旌阳区 has its office account
    chosen = city.get(f"/office/accounts?node={zhongjiang}").text
    assert f'value="{zhongjiang}" selected' in chosen  # the account form opens on that office


def test_the_query_form_keeps_what_was_typed_and_suggests_the_part_s_units_only(world):
    """核实事项 at a county: the unit box suggests its own units with a return (not a sibling's or the
    city's); a refused query comes back as typed (escaped); a unit of another part is not taken."""
    b = world["offices"]["罗江"]
    page = b.get("/office/queries").text
    box = page[page.index('<datalist id="q-units">') : page.index("</datalist>")]
    assert f'<option value="{B_UNIT}">' in box and A_UNIT not in box and C_UNIT not in box
    typed = {"unit": B_UNIT, "system": "XT-09999", "topic": "等保备案情况", "text": "请说明<系统>的备案号"}
    r = b.post("/office/queries", typed, page="/office/queries")
    assert r.status_code == 400 and 'class="flash error"' in r.text
    assert f'value="{B_UNIT}"' in r.text and 'value="XT-09999"' in r.text and 'value="等保备案情况"' in r.text
    assert "请说明&lt;系统&gt;的备案号</textarea>" in r.text
    r = b.post("/office/queries", {**typed, "unit": A_UNIT, "system": "XT-00001"}, page="/office/queries")
    assert r.status_code == 400 and "管辖范围内没有单位" in r.text
    from inventory.workflow.queries import listing

    assert listing(world["app"].state.engine) == []  # neither query was opened


def test_the_audit_log_page_speaks_chinese(world):
    """Roles by their Chinese names, requests as the page they asked for (the path kept as the cell's
    title), a new account's role in Chinese; after the tests above, which left refusals and reviews."""
    import html
    import re

    province = world["province"]
    sid = world["subs"]["A"]
    world["offices"]["罗江"].get(f"/office/submissions/{sid}")  # refused: another part's
    province.post(
        "/office/accounts",
        {"username": "德阳市审核员", "role": "reviewer", "node": roster_code(world, DEYANG), "password": "Deyang-review-2026"},
        page="/office/accounts",
    )
    page = province.get("/office/audit").text
    rows = re.findall(
        r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td><td([^>]*)>([^<]*)</td><td>([^<]*)</td></tr>",
        page,
    )
    assert rows
    roles = {html.unescape(r[1]) for r in rows}
    assert roles <= {"单位", "审核人", "管理员", "项目办", "命令行", "未登录", ""}, roles
    assert not any(re.match(r"(GET|POST) /", html.unescape(r[4])) for r in rows)
    refused = [r for r in rows if html.unescape(r[4]) == f"打开：报送 {sid} 的审核页"]
    assert refused and f'title="GET /office/submissions/{sid}"' in refused[0][3]
    assert any(html.unescape(r[5]) == f"审核人，{DEYANG}" for r in rows)


def roster_code(world, name):
    from inventory.store.units import tree

    return tree(world["app"].state.engine).get(name).code


def test_the_kind_column_shows_each_unit_s_own_kind(world, roster):
    """类别 on the units page and the dashboard's 催报名单: a department is 部门 wherever it hangs (not the
    市（州） or 区（县） it belongs to); governments and 下属单位 by their own kind."""
    import dataclasses
    import re

    city = world["offices"]["德阳"]
    page = city.get(f"/office/units?q={C_UNIT}").text
    assert re.search(rf"{C_UNIT}</td><td title=\"市直部门\">部门</td>", page), page[page.find("<table") :][:800]
    page = world["offices"]["罗江"].get(f"/office/units?q={B_UNIT}").text
    assert re.search(rf"{B_UNIT}</td><td title=\"区县部门\">部门</td>", page)
    chase = city.get("/office").text
    chase = chase[chase.index('<table id="chase">') :]
    kinds = re.findall(r'<td title="([^"]*)">([^<]*)</td>', chase)
    assert kinds and all(name == "部门" for kind, name in kinds if kind.endswith("部门")), kinds[:5]
    unit = roster.get(C_UNIT)
    assert [roster.get(n).kind_name for n in (DEYANG, XINGYANG, C_UNIT, "四川省人力资源和社会保障厅")] == [
        "市（州）",
        "区（县）",
        "部门",
        "部门",
    ]
    assert dataclasses.replace(unit, kind="下属单位").kind_name == "下属单位"


def test_exempting_a_lower_office_or_with_a_late_sounding_reason_is_confirmed_first(world, roster):
    city = world["offices"]["德阳"]
    zhongjiang = roster.resolve("中江县")
    r = city.post(f"/office/levels/{zhongjiang.code}/exempt", {"reason": "逾期未报，待补报"}, page="/office/levels")
    assert "确认同意免报" in r.text and "随它一起免报" in r.text and "继续催报" in r.text and 'name="confirmed"' in r.text
    row = city.get("/office/levels").text.split(f'<tr data-code="{zhongjiang.code}"')[1].split("</tr>")[0]
    assert "state-exempt" not in row  # nothing done before the confirmation


def test_the_province_s_chase_list_is_its_own_units_and_a_line_per_lower_part(world, roster):
    home = world["province"].get("/office").text
    parts = home[home.index('id="chase-parts"') :]
    parts = parts[: parts.index("</p>")]
    deyang = roster.get(DEYANG).code
    assert f'/office/units?part={deyang}"' in parts and "由下级项目办各自催报" in parts
    table = home[home.index('<table id="chase">') :]
    table = table[: table.index("</table>")]
    assert "德阳市" not in table and "旌阳区" not in table  # a city's units are the city's to chase
    county = world["offices"]["旌阳"].get("/office").text
    assert 'id="chase-parts"' not in county  # a county chases every unit of its own


def test_the_province_s_queue_holds_exactly_the_returns_it_decides(portal, form, roster):  # noqa: F811 (the fixture)
    """A pilot-era return of a 市(州) (the pilot round: the city reported for itself, the province decided
    it) is no one's to decide in the province-wide round; the city's own return in that round is approved
    with the city's part on 逐级审核. Neither is under 待本级审核, nor may it be approved from the queue."""
    from inventory.workflow.rounds import open_round

    app, office, units, tmp, _ = portal
    engine = app.state.engine
    city = "成都市人民政府"
    open_round(engine, "试点", "2025年试点", None, scope="pilot")
    pilot = sid_of(upload(units["成都"], make_return(tmp, form, roster, "成都", "成都-试点.xlsx")))
    assert city in _queue(office)  # the pilot round: the province decides the city's return
    open_round(engine, "全省", "2026年全省摸底", None, scope="all")
    assert city not in _queue(office)
    other = office.get("/office/submissions?state=pending&who=other").text
    assert city in other and "不在本轮审核范围" in other and 'name="sid"' not in other
    r = office.post(f"/office/submissions/{pilot}/decision", {"decision": "approved"}, page=f"/office/submissions/{pilot}")
    assert "不由本级审核" in r.text
    assert "审核记录" not in office.get(f"/office/submissions/{pilot}").text  # nothing was decided
    own = sid_of(upload(units["成都"], make_return(tmp, form, roster, "成都", "成都-全省.xlsx", seed=3)))
    assert city not in _queue(office)
    below = _queue(office, below=True)
    assert city in below and f"随“{city}”的部分报上来后" in below
    page = office.get(f"/office/submissions/{own}").text
    assert 'id="not-mine"' in page and 'value="approved"' not in page and "/office/levels" in page
    r = office.post("/office/submissions/approve", {"sid": [str(own), str(pilot)]}, page="/office/submissions")
    assert "已审核通过 0 份报送" in r.text
    home = office.get("/office").text
    assert f"/office/submissions/{own}" not in home and f"/office/submissions/{pilot}" not in home
    assert "另有 1 份由下级项目办审核" in home  # counted as the queue counts it
    assert "另有 1 份不在本级审核范围" in home and "who=other" in home  # the pilot-era return, as the third tab counts it
    assert "待下级项目办审核（1）" in office.get("/office/submissions").text


def test_a_city_reads_a_county_s_units_and_reasons_from_its_levels_row_but_a_county_not_its_sibling_s(world):
    from inventory.store.units import tree

    roster = tree(world["app"].state.engine)
    city, county = world["offices"]["德阳"], world["offices"]["罗江"]
    levels = city.get("/office/levels").text
    code = roster.get(XINGYANG).code
    assert f'/office/units?part={code}"' in levels  # the county's row leads to its units
    page = city.get(f"/office/units?part={code}").text
    assert A_UNIT in page and B_UNIT not in page and C_UNIT not in page and "只列“德阳市旌阳区人民政府”及其下级" in page
    exempt = city.get("/office/units?state=免报").text  # a state as the page names it is understood too
    assert "state-exempt" in exempt and "state-pending" not in exempt  # (the county exempted its other units above)
    assert county.get(f"/office/units?part={code}").status_code == 404  # a sibling's part is not even confirmed to exist
