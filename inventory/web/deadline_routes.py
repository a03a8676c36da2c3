"""Deadline week on the office's pages: the round and its deadline (shown to every office, set by the
province's admin), the 催报 list with a preview of every message before anything is sent (by e-mail,
or ready to paste into 企业微信/钉钉/短信), and each unit's contact, editable where it is listed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..beijing import today
from ..errors import UsageError
from ..form.model import live_deadline
from ..form.normalize import as_day
from ..report.reminders import reminder
from ..store.units import set_contact
from ..workflow.rounds import closed_by_opening, open_round, pick, reopen_round, set_deadline
from .pages import flash, page
from .reporting import memo, reports
from .scoping import live_roster, office_called, under_path, unit_in_part
from .security import OFFICE, audit, checked_form, current, requires

REMIND_PAGE = 100


def _date(text: str, what: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    day = as_day(text)
    if day is None:
        raise UsageError(f"{what}“{text}”格式不对，请写成 YYYY-MM-DD，如 2026-06-30。")
    return day


def deadline_days(round_: dict[str, Any] | None) -> int | None:
    """Days left to the open round's deadline (negative: past it); None when no open round sets one."""
    deadline = live_deadline(round_)
    if deadline is None or round_ is None or round_.get("status") != "open":
        return None
    return (deadline - today()).days


@requires(*OFFICE)
async def round_page(request: Request) -> Response:
    return _round_view(request)


def _round_view(request: Request, typed: dict[str, str] | None = None) -> Response:
    from ..workflow.rounds import rounds

    engine = request.app.state.engine
    now = pick(engine)
    root = under_path(request) is None and current(request)["role"] == "admin"
    live = live_deadline(now) is not None  # a carried-over date before the round opened counts as unset, as everywhere
    return page(
        request,
        "round.html",
        "轮次与截止日期",
        status_code=400 if typed else 200,
        now=now,
        all_rounds=rounds(engine),
        days=deadline_days(now),
        may_set=root,
        live=live,
        typed=typed or {},
        closing=closed_by_opening(engine) if root else None,
    )


async def _province_form(request: Request) -> tuple[Any, Any]:
    """The posted form and the database, for the province's office only: rounds are set at the top."""
    if under_path(request) is not None:
        raise HTTPException(403, "轮次和截止日期由省级项目办设置。")
    return await checked_form(request), request.app.state.engine


@requires("admin")
async def round_set(request: Request) -> Response:
    form, engine = await _province_form(request)
    typed = {k: str(form.get(k, "")).strip() for k in ("key", "name", "as_of", "deadline")}
    opening = pick(engine) is None or bool(form.get("new"))
    try:
        deadline = _date(typed["deadline"], "报送截止日期")
        if opening:
            as_of = _date(typed["as_of"], "数据统计截止日期")
            closing = closed_by_opening(engine)
            if closing is not None and form.get("confirmed") != "1":  # what closes is said first
                return _confirm(request, closing, typed)
            made = open_round(
                engine, typed["key"], typed["name"] or "摸底评估", as_of, deadline, "all", request.app.state.form.version, force=True
            )
        else:
            made = set_deadline(engine, deadline)
    except UsageError as exc:
        if opening:  # what was typed stays in the form, beside what is wrong with it
            flash(request, exc.message, "error")
            return _round_view(request, typed)
        flash(request, exc.message, "error")
    else:
        audit(request, "round_set", target=made["name"], detail=f"报送截止 {made['deadline'] or '未设'}")
        closed = made.get("closed")
        ended = f"原来的轮次“{closed['name']}”已关闭（开错了可在下面的“全部轮次”里重新打开它）。" if closed else ""
        flash(request, f"已保存：{made['name']}，报送截止日期 {made['deadline'] or '未设置'}。{ended}")
    return RedirectResponse("/office/round", status_code=303)


def _confirm(request: Request, now: dict[str, Any], typed: dict[str, str]) -> Response:
    """Before a new round closes the open one: how far the open one has come, and what closing it means."""
    cov = memo(request, "coverage", lambda r: r.coverage())
    return page(request, "round_confirm.html", "确认开启新一轮", now=now, typed=typed, days=deadline_days(now), totals=cov["totals"])


@requires("admin")
async def round_reopen(request: Request) -> Response:
    form, engine = await _province_form(request)
    try:
        made = reopen_round(engine, str(form.get("key", "")), force=form.get("confirmed") == "1")
    except UsageError as exc:
        flash(request, f"{exc.message}{'（勾选确认后再点一次）' if exc.hint and '--force' in exc.hint else ''}", "error")
    else:
        audit(request, "round_set", target=made["name"], detail="重新打开")
        closed = made.get("closed")
        flash(request, f"已重新打开“{made['name']}”：此后上传和入库的报表归入这一轮。" + (f"“{closed['name']}”已关闭。" if closed else ""))
    return RedirectResponse("/office/round", status_code=303)


def _messages(request: Request) -> list[dict[str, Any]]:
    from ..store.accounts import accounts

    r = reports(request)
    cov = memo(request, "coverage", lambda r: r.coverage())
    engine = request.app.state.engine
    now = pick(engine)
    settings, roster = request.app.state.settings, live_roster(request)

    def office(name: str | None) -> str:  # the office the unit answers to: its reviewer, not whoever sends the reminder
        return office_called(request, roster.get(name) if name else None)

    signed = {a["unit"] for a in accounts(engine) if a["role"] == "unit" and a["active"]}
    base = settings.public_url or str(request.base_url).rstrip("/")
    deadline = now["deadline"] if now and deadline_days(now) is not None else None
    name = now["name"] if now else r.round_name
    return [
        dict(reminder(c, name, deadline, base + "/login", office(c.get("reviewer")), c["unit"] in signed), late=c["late"], state=c["state"])
        for c in cov["chase"]
    ]


@requires(*OFFICE)
async def remind_preview(request: Request) -> Response:
    messages = await run_in_threadpool(_messages, request)
    q = request.query_params.get("q", "").strip()
    if q:
        messages = [m for m in messages if q in m["unit"]]
    total = len(messages)
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    pages = max(1, -(-total // REMIND_PAGE))
    number = min(number, pages)
    messages = messages[(number - 1) * REMIND_PAGE : number * REMIND_PAGE]
    audit(request, "reminders_previewed", detail=f"{total} 个单位")
    from ..store.units import unit_ids

    with request.app.state.engine.connect() as conn:
        ids = unit_ids(conn, [m["unit"] for m in messages])
    return page(
        request,
        "remind.html",
        "催报",
        messages=messages,
        smtp=bool(request.app.state.settings.smtp),
        q=q,
        unit_ids=ids,
        total=total,
        number=number,
        pages=pages,
    )


@requires(*OFFICE)
async def remind(request: Request) -> Response:
    from .mail import send_reminders

    form = await checked_form(request)
    settings = request.app.state.settings
    if not settings.smtp:
        flash(request, "没有配置邮件服务器（inventory serve --smtp 主机:端口），请复制每个单位的催报消息发送。", "error")
        return RedirectResponse("/office/remind", status_code=303)
    chosen = set(form.getlist("unit"))
    messages = [m for m in await run_in_threadpool(_messages, request) if m["unit"] in chosen]  # only what was previewed and ticked
    if not messages:
        flash(request, "请先勾选要发催报邮件的单位。", "error")
        return RedirectResponse("/office/remind", status_code=303)
    try:
        sent, skipped, failed = await run_in_threadpool(send_reminders, settings, messages)
    except OSError as exc:
        flash(request, f"连接邮件服务器失败：{exc}。请检查 --smtp、--smtp-tls 和账号设置。", "error")
        return RedirectResponse("/office/remind", status_code=303)
    audit(
        request,
        "reminders_sent",
        detail=f"发送 {sent} 封，无邮箱 {skipped} 个，失败 {failed} 封：{'、'.join(m['unit'] for m in messages)[:1500]}",
    )
    flash(request, f"已发送催报邮件 {sent} 封；{skipped} 个单位没有邮箱，请电话催报" + (f"；{failed} 封发送失败" if failed else "") + "。")
    return RedirectResponse("/office/remind", status_code=303)


@requires(*OFFICE)
async def contact(request: Request) -> Response:
    from sqlalchemy import select

    from ..store.models import Unit

    try:
        uid = int(request.path_params["uid"])
    except ValueError:
        raise HTTPException(404, "没有这个单位。") from None
    with request.app.state.engine.connect() as conn:
        name = conn.scalar(select(Unit.name).where(Unit.id == uid))
    unit = unit_in_part(request, name)
    form = await checked_form(request)
    values = [str(form.get(k, "")).strip()[:200] or None for k in ("name", "phone", "email")]
    if values[2] and "@" not in values[2]:
        flash(request, f"邮箱“{values[2]}”格式不对。", "error")
    else:
        await run_in_threadpool(set_contact, request.app.state.engine, unit.name, *values)
        audit(request, "contact_set", target=unit.name, detail="，".join(v or "" for v in values))
        flash(request, f"已保存 {unit.name} 的联系人。")
    back = str(form.get("back", "/office/units"))
    return RedirectResponse(back if back in ("/office/units", "/office/remind") else "/office/units", status_code=303)


routes = [
    Route("/office/round", round_page, methods=["GET"]),
    Route("/office/round", round_set, methods=["POST"]),
    Route("/office/round/reopen", round_reopen, methods=["POST"]),
    Route("/office/remind", remind_preview, methods=["GET"]),
    Route("/office/remind", remind, methods=["POST"]),
    Route("/office/units/{uid}/contact", contact, methods=["POST"]),
]
