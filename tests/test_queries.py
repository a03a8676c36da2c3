"""核实事项 on SQLite and PostgreSQL: the office opens a query on a system's field or finding, the unit
answers (with a file of evidence), the office closes it; the thread and state stay with the system
across a resubmission and a new round, and the unit's report lists what is still open."""

from __future__ import annotations

import json

import test_portal
from conftest import run_cli
from test_portal import make_return, upload

portal = test_portal.portal

PDF = b"%PDF-1.7\n%%EOF\n"


def report_queries(db):
    return json.loads(run_cli("report", "unit", "--unit", "人社厅", "--json", "--db", db).stdout)["open_queries"]


def test_a_query_is_answered_follows_the_system_and_is_closed(portal, form, roster):
    app, office, units, tmp, _ = portal
    hr, cd = units["人社厅"], units["成都"]
    db = app.state.settings.db
    upload(hr, make_return(tmp, form, roster, "人社厅", "hr.xlsx"))
    # a topic that is neither a field nor a finding, or a system the return lacks, is said plainly
    r = office.post("/office/queries", {"unit": "人社厅", "system": "XT-00001", "topic": "nonsense", "text": "x"}, page="/office/queries")
    assert "也不是系统清单的字段" in r.text
    r = office.post("/office/queries", {"unit": "人社厅", "system": "XT-00001", "topic": "备案", "text": "x"}, page="/office/queries")
    assert "是不是：" in r.text  # a part of a name: the names it could be are offered
    r = office.post(
        "/office/queries", {"unit": "人社厅", "system": "XT-09999", "topic": "mlps_filing", "text": "x"}, page="/office/queries"
    )
    assert "没有系统编号" in r.text
    r = office.post(
        "/office/queries",
        {"unit": "人社厅", "system": "XT-00001", "topic": form.main.by_key["mlps_filing"].title, "text": "请提供备案证明"},
        page="/office/queries",
    )
    assert "已向“四川省人力资源和社会保障厅”提出核实事项" in r.text
    opened = report_queries(db)
    assert [(q["system_no"], q["topic"], q["state"]) for q in opened] == [
        ("XT-00001", "mlps_filing", "open")
    ]  # named in Chinese, kept by key
    assert opened[0]["topic_name"] == form.main.by_key["mlps_filing"].title
    qid = opened[0]["id"]
    # the unit answers with a file it sent; another unit cannot
    hr.post(
        "/unit/evidence",
        {"kind": "mlps_filing", "system": "XT-00001"},
        files={"file": ("证明.pdf", PDF, "application/pdf")},
        page="/unit/evidence",
    )
    aid = json.loads(run_cli("evidence", "list", "--json", "--db", db).stdout)[0]["id"]
    assert cd.post(f"/unit/queries/{qid}/answer", {"text": "冒名"}, page="/unit").status_code == 404
    r = hr.post(f"/unit/queries/{qid}/answer", {"text": "备案证明已上传", "attachment": str(aid)}, page="/unit/queries")
    assert "已答复" in r.text and "备案证明已上传" in r.text and f"附证明材料 {aid}" in r.text
    import re

    assert re.search(r"<li>\d{4}-\d\d-\d\d \d\d:\d\d 单位", r.text)  # the thread's times read as Beijing time is written
    # a resubmission and a new round: the thread stays with the system
    upload(hr, make_return(tmp, form, roster, "人社厅", "hr2.xlsx", seed=2))
    assert run_cli("round", "open", "2026", "--name", "2026年度更新", "--as-of", "2026-06-30", "--db", db).returncode == 0
    upload(hr, make_return(tmp, form, roster, "人社厅", "hr3.xlsx", seed=3))
    still = report_queries(db)
    assert [(q["id"], q["state"]) for q in still] == [(qid, "answered")]
    assert "请提供备案证明" in hr.get("/unit/queries").text
    md = run_cli("report", "unit", "--unit", "人社厅", "--format", "md", "--db", db).stdout
    assert "## 待核实事项" in md and "请提供备案证明" in md
    # closing: not accepted needs a reason; accepted leaves nothing open
    assert "不采纳时请写明理由" in office.post(f"/office/queries/{qid}/close", {"verdict": "rejected"}, page="/office/queries").text
    office.post(f"/office/queries/{qid}/close", {"verdict": "accepted"}, page="/office/queries")
    assert report_queries(db) == []
    listed = json.loads(run_cli("query", "list", "--unit", "人社厅", "--json", "--db", db).stdout)
    assert listed[0]["state"] == "accepted" and [m["side"] for m in listed[0]["thread"]] == ["office", "unit"]
    assert "已采纳" in hr.get("/unit/queries").text and "<textarea" not in hr.get("/unit/queries").text.split("</h1>")[1]


def test_the_cli_opens_and_closes_queries(portal, form, roster):
    app, _office, units, tmp, _ = portal
    db = app.state.settings.db
    upload(units["人社厅"], make_return(tmp, form, roster, "人社厅", "hr.xlsx"))
    r = run_cli(
        "query",
        "open",
        "--unit",
        "人社厅",
        "--system",
        "XT-00002",
        "--about",
        "非涉密系统未部署在政务云",
        "--text",
        "为何未上云",
        "--json",
        "--db",
        db,
    )
    assert r.returncode == 0, r.stderr
    qid = json.loads(r.stdout)["id"]
    assert run_cli("query", "close", str(qid), "--reject", "--db", db).returncode == 2  # a reason is required
    assert run_cli("query", "close", str(qid), "--reject", "--note", "理由不充分", "--db", db).returncode == 0
    shown = run_cli("query", "list", "--db", db, env={"COLUMNS": "200"}).stdout
    assert "未采纳" in shown and "理由不充分" in shown and "为何未上云" in shown and "非涉密系统未部署在政务云" in shown
    cd = units["成都"]
    for path in ("/office/queries",):
        assert cd.get(path).status_code == 403
    assert cd.post("/office/queries", {"unit": "x"}, page="/unit").status_code == 403
