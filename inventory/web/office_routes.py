"""The office's pages: the dashboard (coverage, 催报名单, waiting returns, findings), the review queue
and decisions, units and their accounts, reports to download, questions, accounts and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..store import accounts
from ..store.models import ACCEPTED, SUPERSEDED, Unit
from ..store.questions import answer, questions
from ..store.submissions import submission_issues, submission_systems
from ..workflow.reviews import REVIEW_NAMES, decide, history, submission_rows
from .issue_view import shown_issues
from .pages import flash, mark_late, page, with_names
from .reporting import REPORT_KINDS, at_role_level, finding_summary, memo, original_response, report_response, reports
from .scoping import in_part, live_roster, office_node, under_path, unit_in_part
from .security import OFFICE, audit, checked_form, current, requires

REPORT_FORMATS = ("html", "xlsx", "json", "md")
QUEUE_STATES = (*REVIEW_NAMES.items(), ("all", "全部"))  # the one vocabulary of states (workflow.states)
QUEUE_PAGE = 100
SYSTEM_KEYS = ("system_no", "system_name", "owner_unit", "status", "deploy_location", "mlps_level", "build_amount")


def _dashboard(r: Any) -> dict[str, Any]:
    """The dashboard's figures from the office's report data: read once per change of the data."""
    cov = r.coverage()
    pending = [
        {
            "id": st.accepted.id,
            "unit": name,
            "received_at": st.accepted.received_at,
            "systems": st.accepted.systems,
            "warnings": st.accepted.warnings,
        }
        for name, st in r.states.items()
        if st.state == "pending" and st.accepted is not None
    ]
    pending.sort(key=lambda s: s["received_at"])  # the longest waiting first
    scope = r.board.scope  # 逐级审核: the office decides its direct reporters; the rest wait on a sub-office
    mine = [s for s in pending if (scope.reviewer(r.states[s["unit"]].unit) or scope.under).code == scope.under.code]
    below = len(pending) - len(mine)
    return {"t": cov["totals"], "groups": cov["by_group"], "chase": cov["chase"], "pending": mine, "pending_below": below}


@requires(*OFFICE)
async def dashboard(request: Request) -> Response:
    from ..workflow.rounds import pick
    from .deadline_routes import deadline_days

    data = await run_in_threadpool(memo, request, "dashboard", _dashboard)
    findings = await run_in_threadpool(finding_summary, request)  # kept across reviews: they change no finding
    now = pick(request.app.state.engine)  # the deadline is the open round's: a fresh install has none
    return page(
        request,
        "office_home.html",
        "工作台",
        **data,
        findings=findings,
        days=deadline_days(now),
        deadline=(now or {}).get("deadline"),
        node_name=office_node(request).name,
    )


@requires(*OFFICE)
async def queue(request: Request) -> Response:
    state = request.query_params.get("state", "pending")
    if state not in dict(QUEUE_STATES):
        state = "pending"
    rows = with_names(submission_rows(request.app.state.engine, under=under_path(request)))
    if state == "rejected":
        rows = [s for s in rows if s["review"] == state]
    elif state != "all":  # a unit's current return only: versions it replaced are history, shown under 全部
        rows = [s for s in rows if s["review"] == state and s["status"] == ACCEPTED]
    mine = request.query_params.get("who") != "below"
    below = 0
    if state == "pending":  # 逐级审核: this office decides its direct reporters' returns; the rest wait on a sub-office
        rows = _with_reviewer(request, rows)
        below = sum(not s["mine"] for s in rows)
        rows = [s for s in rows if s["mine"] == mine]
    q = request.query_params.get("q", "").strip()
    if q:
        rows = [s for s in rows if q in (s["unit"] or "") or q in s["file_name"]]
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    pages = max(1, -(-len(rows) // QUEUE_PAGE))
    number = min(number, pages)
    shown = mark_late(request, rows[(number - 1) * QUEUE_PAGE : number * QUEUE_PAGE])
    return page(
        request,
        "queue.html",
        "审核队列",
        rows=shown,
        state=state,
        states=QUEUE_STATES,
        q=q,
        total=len(rows),
        number=number,
        pages=pages,
        mine=mine,
        below=below,
    )


def _with_reviewer(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the office that decides it (`reviewer`) and whether that is the signed-in one (`mine`)."""
    from ..workflow.rounds import pick
    from ..workflow.scope import scope_for

    roster, node = live_roster(request), office_node(request)
    scope = scope_for(roster, pick(request.app.state.engine), node)
    out = []
    for s in rows:
        unit = roster.get(s["unit"]) if s["unit"] else None
        reviewer = scope.reviewer(unit) if unit is not None else None
        who = reviewer or roster.root
        out.append({**s, "reviewer": who.name, "mine": who.code == node.code})
    return out


def _submission(request: Request) -> dict[str, Any]:
    try:
        sid = int(request.path_params["sid"])
    except ValueError:
        raise HTTPException(404, "没有这份报送。") from None
    rows = submission_rows(request.app.state.engine, submission_id=sid, under=under_path(request))
    if not rows:  # another part's submission is not even confirmed to exist
        raise HTTPException(404, "没有这份报送。")
    return with_names(rows)[0]


@requires(*OFFICE)
async def review(request: Request) -> Response:
    sub = _submission(request)
    engine = request.app.state.engine
    decisions = history(engine, sub["id"])
    findings = None
    if sub["status"] == ACCEPTED and sub["unit"]:
        r = reports(request)
        findings = at_role_level(request, await run_in_threadpool(r.unit, sub["unit"]))["findings"]
    fields = {f.key: f.header.lstrip("*") for f in request.app.state.form.main.fields}
    stored = at_role_level(request, {"systems": submission_systems(engine, sub["id"])})["systems"]  # the role's level
    systems = [[s.get("row"), *(s.get(k) for k in SYSTEM_KEYS)] for s in stored]
    mark_late(request, [sub])
    sub = _with_reviewer(request, [sub])[0]  # who decides it: only the nearest office above
    current_id = None
    if sub["status"] == SUPERSEDED and sub["unit"]:
        current_id = next((r["id"] for r in submission_rows(engine, sub["unit"]) if r["status"] == ACCEPTED), None)
    return page(
        request,
        "review.html",
        f"审核报送 {sub['id']}",
        current_id=current_id,
        sub=sub,
        issues=await run_in_threadpool(shown_issues, request, sub, submission_issues(engine, sub["id"])),
        findings=findings,
        decisions=decisions,
        last=decisions[0] if decisions else None,
        review_names={**REVIEW_NAMES, "reopened": "重新打开"},
        systems=systems,
        system_columns=["行", *(fields.get(k, k) for k in SYSTEM_KEYS)],
    )


def _may_decide(request: Request, sub: dict[str, Any]) -> None:
    """A superseded version is history; only the unit's reviewer decides, and not while its part is frozen."""
    from ..workflow.approvals import Steps
    from ..workflow.rounds import pick

    if sub["status"] == SUPERSEDED:
        raise UsageError("这份报送已被该单位后来的报送替代，不能再审核；请审核它的当前报送。")
    roster, engine = live_roster(request), request.app.state.engine
    unit = roster.get(sub["unit"]) if sub["unit"] else None
    if unit is not None:
        Steps(engine, roster, pick(engine), office_node(request), current(request)["username"]).check_reviewer(unit)


@requires(*OFFICE)
async def decision(request: Request) -> Response:
    sub = _submission(request)
    form = await checked_form(request)
    notes = {k.removeprefix("issue-"): str(v) for k, v in form.items() if k.startswith("issue-")}
    try:
        _may_decide(request, sub)
        done = decide(
            request.app.state.engine,
            sub["id"],
            str(form.get("decision", "")),
            str(form.get("comment", "")),
            current(request)["username"],
            notes,
        )
    except UsageError as exc:
        flash(request, exc.message + (f"（{exc.hint}）" if exc.hint else ""), "error")
        return RedirectResponse(f"/office/submissions/{sub['id']}", status_code=303)
    audit(request, f"review_{done['decision']}", target=f"{sub['unit']}（报送 {sub['id']}）", detail=done["comment"])
    flash(request, f"报送 {sub['id']}（{sub['unit']}）：{REVIEW_NAMES[done['decision']]}。")
    return RedirectResponse("/office/submissions", status_code=303)


@requires(*OFFICE)
async def approve_many(request: Request) -> Response:
    """审核通过 for every ticked submission of the queue, each under the same rules as one at a time."""
    form = await checked_form(request)
    engine, who = request.app.state.engine, current(request)["username"]
    done, refused = [], []
    for value in form.getlist("sid")[:200]:
        rows = submission_rows(engine, submission_id=int(value), under=under_path(request)) if str(value).isdigit() else []
        if not rows:
            continue  # another part's submission is silently not there
        sub = rows[0]
        try:
            await run_in_threadpool(_may_decide, request, sub)
            await run_in_threadpool(decide, engine, sub["id"], "approved", None, who)
        except UsageError as exc:
            refused.append(f"{sub['id']}（{sub['unit']}）：{exc.message}")
        else:
            audit(request, "review_approved", target=f"{sub['unit']}（报送 {sub['id']}）", detail="批量")
            done.append(sub["id"])
    flash(
        request,
        f"已审核通过 {len(done)} 份报送。" + (f"未通过 {len(refused)} 份：{'；'.join(refused[:5])}" if refused else ""),
        "error" if refused else "ok",
    )
    return RedirectResponse("/office/submissions", status_code=303)


@requires(*OFFICE)
async def original(request: Request) -> Response:
    return original_response(request, _submission(request))


def _unit_name(request: Request) -> str:
    try:
        uid = int(request.path_params["uid"])
    except ValueError:
        raise HTTPException(404, "没有这个单位。") from None
    with request.app.state.engine.connect() as conn:
        name = conn.scalar(select(Unit.name).where(Unit.id == uid))
    return unit_in_part(request, name).name  # outside the office's part: as if it did not exist


@requires(*OFFICE)
async def revoke(request: Request) -> Response:
    await checked_form(request)
    engine, user = request.app.state.engine, current(request)
    target = next((a for a in accounts.accounts(engine) if a["id"] == request.path_params["aid"]), None)
    if target is None or not in_part(request, target["unit"]):  # an account of another part: as if it did not exist
        raise HTTPException(404, "没有这个账号。")
    if target["role"] != "unit" and user["role"] != "admin":
        raise HTTPException(403, "只有管理员可以停用项目办账号。")
    if target["id"] == user["id"]:
        flash(request, "不能停用自己的账号。", "error")
    else:
        accounts.revoke(engine, target["id"])
        audit(request, "account_revoked", target=target["username"])
        flash(request, f"账号“{target['username']}”已停用，其登录码作废，已登录的会话随即失效。")
    return RedirectResponse("/office/units" if target["role"] == "unit" else "/office/accounts", status_code=303)


@requires(*OFFICE)
async def reports_page(request: Request) -> Response:
    from ..workflow.rounds import rounds

    kinds = list(REPORT_KINDS.items())
    if len(rounds(request.app.state.engine)) > 1:
        kinds.append(("changes", "与上一轮相比的变化"))
    return page(request, "reports.html", "报告下载", kinds=kinds, formats=REPORT_FORMATS)


async def changes_response(request: Request, fmt: str) -> Response:
    """The change report from the round before the current one to the current one."""
    from ..report.changes import changes_report
    from ..workflow.rounds import pick, previous

    engine, form = request.app.state.engine, request.app.state.form
    now = pick(engine)
    before = previous(engine, now["id"]) if now else None
    if before is None:
        raise HTTPException(404, "只有一轮调查，还没有变化可比。")
    audit(request, "report_download", target=f"changes.{fmt}")
    data = await run_in_threadpool(changes_report, engine, before["key"], now["key"], form)
    return await report_response(request, "changes", fmt, data=data)


@requires(*OFFICE)
async def report(request: Request) -> Response:
    kind, fmt = request.path_params["kind"], request.path_params["fmt"]
    if kind == "changes" and fmt in REPORT_FORMATS:
        return await changes_response(request, fmt)
    if kind not in REPORT_KINDS or fmt not in REPORT_FORMATS:
        raise HTTPException(404, "没有这种报告。")
    audit(request, "report_download", target=f"{kind}.{fmt}")
    return await report_response(request, kind, fmt)


@requires(*OFFICE)
async def unit_report(request: Request) -> Response:
    name = _unit_name(request)
    audit(request, "report_download", target=f"unit:{name}")
    return await report_response(request, "unit", "html", unit=name)


@requires(*OFFICE)
async def questions_page(request: Request) -> Response:
    mine = [q for q in questions(request.app.state.engine) if in_part(request, q["unit"])]
    return page(request, "questions.html", "单位提问", questions=mine)


@requires(*OFFICE)
async def answer_question(request: Request) -> Response:
    form = await checked_form(request)
    asked = next((q for q in questions(request.app.state.engine) if q["id"] == request.path_params["qid"]), None)
    if asked is None or not in_part(request, asked["unit"]):
        raise HTTPException(404, "没有这个问题。")
    try:
        answer(request.app.state.engine, request.path_params["qid"], str(form.get("answer", "")), current(request)["username"])
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        audit(request, "question_answered", target=str(request.path_params["qid"]))
        flash(request, "答复已保存，提问单位可以看到。")
    return RedirectResponse("/office/questions", status_code=303)


def _staff(request: Request) -> list[dict[str, Any]]:
    """Office accounts of the admin's part: those whose node lies in it (the province's only at the root)."""
    root = under_path(request) is None
    return [
        a
        for a in accounts.accounts(request.app.state.engine)
        if a["role"] != "unit" and (root if a["unit"] is None else in_part(request, a["unit"]))
    ]


@requires("admin")
async def staff(request: Request) -> Response:
    offices = [u for u in live_roster(request).subtree(office_node(request)) if u.is_government or live_roster(request).children(u)]
    return page(request, "accounts.html", "项目办账号", staff=_staff(request), offices=offices[:2000], node=office_node(request))


@requires("admin")
async def add_staff(request: Request) -> Response:
    form = await checked_form(request)
    role = str(form.get("role", ""))
    try:
        if role not in OFFICE:
            raise UsageError("角色只能是审核人或管理员。")
        node = office_node(request)
        chosen = str(form.get("node", "")).strip()
        if chosen and chosen != node.code:  # a node of its own part only
            wanted = live_roster(request).by_code.get(chosen)
            if wanted is None or not wanted.within(node):
                raise UsageError("只能为本级及下级单位新建项目办账号。")
            node = wanted
        unit = None if node.parent is None else node.name
        made = await run_in_threadpool(
            accounts.create_account,
            request.app.state.engine,
            str(form.get("username", "")),
            role,
            unit,
            str(form.get("password", "")),
            must_change=True,  # a password someone else chose is changed at first sign-in
        )
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        audit(request, "account_created", target=made["username"], detail=f"{role}，{node.name}")
        flash(request, f"已创建账号“{made['username']}”（{node.name}）。请把初始密码告知本人，对方第一次登录时须改成自己的密码。")
    return RedirectResponse("/office/accounts", status_code=303)


routes = [
    Route("/office", dashboard),
    Route("/office/submissions", queue),
    Route("/office/submissions/approve", approve_many, methods=["POST"]),
    Route("/office/submissions/{sid}", review),
    Route("/office/submissions/{sid}/decision", decision, methods=["POST"]),
    Route("/office/submissions/{sid}/original", original),
    Route("/office/accounts/{aid:int}/revoke", revoke, methods=["POST"]),
    Route("/office/reports", reports_page),
    Route("/office/reports/unit/{uid}.html", unit_report),
    Route("/office/reports/{kind}.{fmt}", report),
    Route("/office/questions", questions_page),
    Route("/office/questions/{qid:int}/answer", answer_question, methods=["POST"]),
    Route("/office/accounts", staff, methods=["GET"]),
    Route("/office/accounts", add_staff, methods=["POST"]),
]
