"""The office's pages: the dashboard (coverage, 催报名单, waiting returns, findings), the review queue
and decisions, reports to download and questions (accounts: `account_routes`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..report.coverage import chased_below, parts_below
from ..report.names import REPORT_KINDS
from ..store.models import ACCEPTED, SUPERSEDED, Unit
from ..store.questions import answer, questions
from ..store.submissions import submission_issues, submission_systems
from ..workflow.approvals import BELOW, MINE, NOT_EXPECTED, OTHER, return_deciders
from ..workflow.reviews import REVIEW_NAMES, changes, decide, history, previous_return, submission_rows
from .issue_view import shown_issues
from .pages import flash, mark_late, page, with_names
from .reporting import at_role_level, finding_summary, memo, original_response, report_response, reports
from .scoping import asked_part, in_part, live_roster, office_node, under_path, unit_in_part
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
        for name, st in r.states.items()  # a return waiting: a reporter's, or an office's own (its return_state)
        if (st.return_state if st.office else st.state) == "pending" and st.accepted is not None
    ]
    pending.sort(key=lambda s: s["received_at"])  # the longest waiting first
    deciders = return_deciders(r.board)  # 逐级审核: as the queue groups them (mine | below | other)
    mine = [s for s in pending if deciders[s["id"]][0] == MINE]
    below = sum(deciders[s["id"]][0] == BELOW for s in pending)
    own = r.board.statuses.get(r.under.name)  # the level above's word on this office's part, when it sent it back
    parts = [  # lower offices' parts submitted up to this office: waiting for it as much as a unit's return
        st
        for k in r.board.scope.children(r.under)
        if (st := r.board.statuses.get(k.name)) is not None and st.office and st.state == "submitted"
    ]
    above = r.board.scope.reviewer(r.under)
    return {
        "t": cov["totals"],
        "groups": cov["by_level"],
        "parts": parts_below(cov, r.under),  # each 市(州) or 区(县) in the office's part, with its office's state
        "own": own if above is not None else None,  # (the province's own state has no one above to show it to)
        "chase": cov["chase"],
        "chase_own": [c for c in cov["chase"] if c["reviewer"] == r.under.name],  # the office chases these itself
        "chase_below": chased_below(r, cov["chase"]),
        "pending": mine,
        "parts_waiting": parts,
        "pending_below": below,
        "from_above": own.from_above if own else None,
        "above": above.name if above else None,
    }


@requires(*OFFICE)
async def dashboard(request: Request) -> Response:
    from ..workflow.rounds import pick
    from .deadline_routes import deadline_days

    data = await run_in_threadpool(memo, request, "dashboard", _dashboard)
    others = await run_in_threadpool(memo, request, "pending_other", lambda r: _pending_other(request))
    findings = await run_in_threadpool(finding_summary, request)  # kept across reviews: they change no finding
    now = pick(request.app.state.engine)  # the deadline is the open round's: a fresh install has none
    return page(
        request,
        "office_home.html",
        "工作台",
        **data,
        findings=findings,
        pending_other=others,
        days=deadline_days(now),
        deadline=(now or {}).get("deadline"),
        node_name=office_node(request).name,
    )


@requires(*OFFICE)
async def queue(request: Request) -> Response:
    state = request.query_params.get("state", "pending")
    if state not in dict(QUEUE_STATES):
        state = "pending"
    part = asked_part(request)
    rows = with_names(submission_rows(request.app.state.engine, under=part.path if part else under_path(request)))
    if state == "rejected":
        rows = [s for s in rows if s["review"] == state]
    elif state != "all":  # a unit's current return only: versions it replaced are history, shown under 全部
        rows = _current(rows, state)
    who = request.query_params.get("who")
    who = who if who in (BELOW, OTHER) else MINE
    counts = {}
    if state == "pending":  # 逐级审核: this office decides its direct reporters' returns; the rest wait on a sub-office
        rows = await run_in_threadpool(_with_reviewer, request, rows)
        counts = {g: sum(s["group"] == g for s in rows) for g in (MINE, BELOW, OTHER)}
        rows = [s for s in rows if s["group"] == who]
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
        who=who,
        mine=who == MINE,
        counts=counts,
        part=part,
    )


def _pending_other(request: Request) -> int:
    """Waiting returns no office of this part decides (other rounds', units the round does not expect):
    the queue's third tab, counted the same way."""
    waiting = _current(submission_rows(request.app.state.engine, under=under_path(request)), "pending")
    return sum(s["group"] == OTHER for s in _with_reviewer(request, waiting))


def _current(rows: list[dict[str, Any]], state: str) -> list[dict[str, Any]]:
    """The units' current returns in review state `state` (the versions they replaced are history)."""
    return [s for s in rows if s["review"] == state and s["status"] == ACCEPTED]


def _deciders(request: Request) -> dict[int, tuple[str, str | None, str]]:
    return memo(request, "deciders", lambda r: return_deciders(r.board))  # type: ignore[no-any-return]


def _with_reviewer(request: Request, rows: list[dict[str, Any]], deciders: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    """Each row with who decides it, by the rule the workflow applies (`workflow.approvals.return_deciders`,
    the same as the dashboard's): its `group` (mine | below | other), the deciding office (`reviewer`),
    whether that is the signed-in one (`mine`) and a line saying so (`note`)."""
    deciders = _deciders(request) if deciders is None else deciders
    out = []
    for s in rows:
        group, reviewer, note = deciders.get(s["id"], (OTHER, None, NOT_EXPECTED))
        out.append({**s, "group": group, "reviewer": reviewer, "mine": group == MINE, "note": note})
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
    form = request.app.state.form
    fields = {f.key: f.header.lstrip("*") for f in form.main.fields if f.key != form.change_mark}  # the unit's mark is no change
    stored = at_role_level(request, {"systems": submission_systems(engine, sub["id"])})["systems"]  # the role's level
    before = await run_in_threadpool(previous_return, engine, sub) if sub["unit"] else None
    if before is not None:  # what changed, field by field, at the reader's level (a hidden field is in neither side)
        earlier = at_role_level(request, {"systems": submission_systems(engine, before["id"])})["systems"]
        if earlier:  # a return that failed validation keeps no rows: nothing to compare with
            before["changes"] = changes(earlier, stored, fields)
    findings, findings_why = None, "这份报送不是该单位的当前报送，评估发现按当前报送计算。"
    if sub["status"] == ACCEPTED and sub["unit"]:
        r = reports(request)
        try:
            findings = at_role_level(request, await run_in_threadpool(r.unit, sub["unit"]))["findings"]
        except UsageError as exc:  # e.g. a 市(州) that collects in this round: its report is its part's
            findings_why = exc.message
    systems = [[s.get("row"), *(s.get(k) for k in SYSTEM_KEYS)] for s in stored]
    mark_late(request, [sub])
    sub = (await run_in_threadpool(_with_reviewer, request, [sub]))[0]  # who decides it: only the nearest office above
    current_id = None
    if sub["status"] == SUPERSEDED and sub["unit"]:
        current_id = next((r["id"] for r in submission_rows(engine, sub["unit"]) if r["status"] == ACCEPTED), None)
    return page(
        request,
        "review.html",
        f"审核报送 {sub['id']}",
        current_id=current_id,
        sub=sub,
        before=before,
        issues=await run_in_threadpool(shown_issues, request, sub, submission_issues(engine, sub["id"])),
        findings=findings,
        findings_why=findings_why,
        decisions=decisions,
        last=decisions[0] if decisions else None,
        review_names={**REVIEW_NAMES, "reopened": "重新打开"},
        systems=systems,
        system_columns=["行", *(fields.get(k, k) for k in SYSTEM_KEYS)],
    )


def _may_decide(request: Request, sub: dict[str, Any], deciders: dict[int, Any] | None = None) -> None:
    """A superseded version is history; only the unit's reviewer decides, and not while its part is frozen."""
    from ..workflow.approvals import Steps
    from ..workflow.rounds import pick

    if sub["status"] == SUPERSEDED:
        raise UsageError("这份报送已被该单位后来的报送替代，不能再审核；请审核它的当前报送。")
    said = _with_reviewer(request, [sub], deciders)[0]
    if not said["mine"]:
        raise UsageError(
            f"报送 {sub['id']}（{sub['unit'] or '未识别单位'}）不由本级审核：{said['note']}。", hint="逐级审核：每一级只审核直接下级。"
        )
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
    deciders = await run_in_threadpool(_deciders, request)  # read once: a decision moves no return between groups
    for value in form.getlist("sid")[:200]:
        rows = submission_rows(engine, submission_id=int(value), under=under_path(request)) if str(value).isdigit() else []
        if not rows:
            continue  # another part's submission is silently not there
        sub = rows[0]
        try:
            await run_in_threadpool(_may_decide, request, sub, deciders)
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
    node = office_node(request)
    part = None if node.parent is None else {u.name for u in live_roster(request).subtree(node)}  # the office's part only
    data = await run_in_threadpool(changes_report, engine, before["key"], now["key"], form, None, part)
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


routes = [
    Route("/office", dashboard),
    Route("/office/submissions", queue),
    Route("/office/submissions/approve", approve_many, methods=["POST"]),
    Route("/office/submissions/{sid}", review),
    Route("/office/submissions/{sid}/decision", decision, methods=["POST"]),
    Route("/office/submissions/{sid}/original", original),
    Route("/office/reports", reports_page),
    Route("/office/reports/unit/{uid}.html", unit_report),
    Route("/office/reports/{kind}.{fmt}", report),
    Route("/office/questions", questions_page),
    Route("/office/questions/{qid:int}/answer", answer_question, methods=["POST"]),
]
