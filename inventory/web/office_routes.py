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
from ..store.audit import entries
from ..store.models import ACCEPTED, Unit
from ..store.questions import answer, questions
from ..store.submissions import submission_issues, submission_systems
from ..workflow.reviews import REVIEW_NAMES, decide, history, submission_rows
from .pages import flash, page, with_names
from .reporting import REPORT_KINDS, at_role_level, original_response, report_response, reports
from .security import OFFICE, audit, checked_form, current, requires

REPORT_FORMATS = ("html", "xlsx", "json", "md")
QUEUE_STATES = (("pending", "待审"), ("returned", "退回修改"), ("approved", "已通过"), ("rejected", "校验未通过"), ("all", "全部"))
SYSTEM_KEYS = ("system_no", "system_name", "owner_unit", "status", "deploy_location", "mlps_level", "build_amount")


@requires(*OFFICE)
async def dashboard(request: Request) -> Response:
    r = reports(request)
    cov = await run_in_threadpool(r.coverage)
    summary = await run_in_threadpool(lambda: r.issues()["summary"])
    rows = with_names(submission_rows(request.app.state.engine))
    pending = [s for s in rows if s["review"] == "pending" and s["status"] == ACCEPTED]
    return page(
        request,
        "office_home.html",
        "工作台",
        t=cov["totals"],
        groups=cov["by_group"],
        chase=cov["chase"],
        days=cov["days_to_deadline"],
        pending=pending,
        findings=summary,
        smtp=bool(request.app.state.settings.smtp),
    )


@requires(*OFFICE)
async def queue(request: Request) -> Response:
    state = request.query_params.get("state", "pending")
    if state not in dict(QUEUE_STATES):
        state = "pending"
    rows = with_names(submission_rows(request.app.state.engine))
    if state != "all":
        rows = [s for s in rows if s["review"] == state and (state != "pending" or s["status"] == ACCEPTED)]
    return page(request, "queue.html", "审核队列", rows=rows, state=state, states=QUEUE_STATES)


def _submission(request: Request) -> dict[str, Any]:
    try:
        sid = int(request.path_params["sid"])
    except ValueError:
        raise HTTPException(404, "没有这份报送。") from None
    rows = submission_rows(request.app.state.engine, submission_id=sid)
    if not rows:
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
    return page(
        request,
        "review.html",
        f"审核报送 {sub['id']}",
        sub=sub,
        issues=submission_issues(engine, sub["id"]),
        findings=findings,
        decisions=decisions,
        last=decisions[0] if decisions else None,
        review_names=REVIEW_NAMES,
        systems=systems,
        system_columns=["行", *(fields.get(k, k) for k in SYSTEM_KEYS)],
    )


@requires(*OFFICE)
async def decision(request: Request) -> Response:
    sub = _submission(request)
    form = await checked_form(request)
    notes = {k.removeprefix("issue-"): str(v) for k, v in form.items() if k.startswith("issue-")}
    try:
        done = decide(
            request.app.state.engine,
            sub["id"],
            str(form.get("decision", "")),
            str(form.get("comment", "")),
            current(request)["username"],
            notes,
        )
    except UsageError as exc:
        flash(request, exc.message, "error")
        return RedirectResponse(f"/office/submissions/{sub['id']}", status_code=303)
    audit(request, f"review_{done['decision']}", target=str(sub["id"]), detail=done["comment"])
    flash(request, f"报送 {sub['id']}（{sub['unit']}）：{REVIEW_NAMES[done['decision']]}。")
    return RedirectResponse("/office/submissions", status_code=303)


@requires(*OFFICE)
async def original(request: Request) -> Response:
    return original_response(request, _submission(request))


def _units(request: Request) -> list[dict[str, Any]]:
    engine = request.app.state.engine
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Unit.name, Unit.id)).all())
    by_unit = {a["unit"]: a for a in accounts.accounts(engine) if a["role"] == "unit"}
    cov = reports(request).coverage()
    return [
        {"unit": u["unit"], "group": u["group"], "status": u["status"], "unit_id": ids.get(u["unit"]), "account": by_unit.get(u["unit"])}
        for u in cov["units"]
    ]


@requires(*OFFICE)
async def units(request: Request) -> Response:
    return page(request, "units.html", "单位与账号", units=await run_in_threadpool(_units, request), issued=None)


def _unit_name(request: Request) -> str:
    try:
        uid = int(request.path_params["uid"])
    except ValueError:
        raise HTTPException(404, "没有这个单位。") from None
    with request.app.state.engine.connect() as conn:
        name = conn.scalar(select(Unit.name).where(Unit.id == uid))
    if name is None:
        raise HTTPException(404, "没有这个单位。")
    return name


@requires(*OFFICE)
async def issue_code(request: Request) -> Response:
    name = _unit_name(request)
    await checked_form(request)
    engine, who = request.app.state.engine, current(request)["username"]
    existing = next((a for a in accounts.accounts(engine) if a["role"] == "unit" and a["unit"] == name), None)
    issued = accounts.reset_password(engine, existing["id"], who) if existing else accounts.issue_code(engine, name, who)
    audit(request, "code_issued", target=name)
    return page(request, "units.html", "单位与账号", units=await run_in_threadpool(_units, request), issued=issued)


@requires(*OFFICE)
async def revoke(request: Request) -> Response:
    await checked_form(request)
    engine, user = request.app.state.engine, current(request)
    target = next((a for a in accounts.accounts(engine) if a["id"] == request.path_params["aid"]), None)
    if target is None:
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
async def remind(request: Request) -> Response:
    from .mail import send_reminders

    await checked_form(request)
    settings = request.app.state.settings
    if not settings.smtp:
        flash(request, "没有配置邮件服务器（inventory serve --smtp 主机:端口）。", "error")
        return RedirectResponse("/office", status_code=303)
    chase = (await run_in_threadpool(reports(request).coverage))["chase"]
    sent, skipped, failed = await run_in_threadpool(send_reminders, settings.smtp, chase, request.app.state.form)
    audit(request, "reminders_sent", detail=f"sent {sent}, no e-mail {skipped}, failed {failed}")
    flash(request, f"已发送催报邮件 {sent} 封；{skipped} 个单位没有邮箱，请电话催报" + (f"；{failed} 封发送失败" if failed else "") + "。")
    return RedirectResponse("/office", status_code=303)


@requires(*OFFICE)
async def questions_page(request: Request) -> Response:
    return page(request, "questions.html", "单位提问", questions=questions(request.app.state.engine))


@requires(*OFFICE)
async def answer_question(request: Request) -> Response:
    form = await checked_form(request)
    try:
        answer(request.app.state.engine, request.path_params["qid"], str(form.get("answer", "")), current(request)["username"])
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        audit(request, "question_answered", target=str(request.path_params["qid"]))
        flash(request, "答复已保存，提问单位可以看到。")
    return RedirectResponse("/office/questions", status_code=303)


@requires("admin")
async def staff(request: Request) -> Response:
    rows = [a for a in accounts.accounts(request.app.state.engine) if a["role"] != "unit"]
    return page(request, "accounts.html", "项目办账号", staff=rows)


@requires("admin")
async def add_staff(request: Request) -> Response:
    form = await checked_form(request)
    role = str(form.get("role", ""))
    try:
        if role not in OFFICE:
            raise UsageError("角色只能是审核人或管理员。")
        made = await run_in_threadpool(
            accounts.create_account, request.app.state.engine, str(form.get("username", "")), role, None, str(form.get("password", ""))
        )
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        audit(request, "account_created", target=made["username"], detail=role)
        flash(request, f"已创建账号“{made['username']}”。")
    return RedirectResponse("/office/accounts", status_code=303)


@requires("admin")
async def audit_page(request: Request) -> Response:
    return page(request, "audit.html", "操作日志", rows=entries(request.app.state.engine))


routes = [
    Route("/office", dashboard),
    Route("/office/submissions", queue),
    Route("/office/submissions/{sid}", review),
    Route("/office/submissions/{sid}/decision", decision, methods=["POST"]),
    Route("/office/submissions/{sid}/original", original),
    Route("/office/units", units),
    Route("/office/units/{uid}/code", issue_code, methods=["POST"]),
    Route("/office/accounts/{aid:int}/revoke", revoke, methods=["POST"]),
    Route("/office/reports", reports_page),
    Route("/office/reports/unit/{uid}.html", unit_report),
    Route("/office/reports/{kind}.{fmt}", report),
    Route("/office/remind", remind, methods=["POST"]),
    Route("/office/questions", questions_page),
    Route("/office/questions/{qid:int}/answer", answer_question, methods=["POST"]),
    Route("/office/accounts", staff, methods=["GET"]),
    Route("/office/accounts", add_staff, methods=["POST"]),
    Route("/office/audit", audit_page),
]
