"""Signing in and out, passwords, the FAQ, questions to the office: pages every role shares."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..store import accounts, passwords
from ..store.questions import ask
from .pages import flash, page
from .security import (
    BLOCKED,
    OFFICE,
    attempt_failed,
    attempt_succeeded,
    audit,
    checked_form,
    code_keys,
    current,
    hashing,
    password_keys,
    remember,
    requires,
    sign_in,
    sign_out,
    take_attempt,
)


async def home(request: Request) -> Response:
    user = current(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/unit" if user["role"] == "unit" else "/office", status_code=303)


async def login_page(request: Request) -> Response:
    return page(request, "login.html", "登录")


async def login(request: Request) -> Response:
    form = await checked_form(request)
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    engine = request.app.state.engine
    keys = password_keys(request, username)
    if not await run_in_threadpool(take_attempt, request, keys):  # counted before the password is checked
        audit(request, "login_blocked", target=username[:100])
        flash(request, BLOCKED, "error")
        return RedirectResponse("/login", status_code=303)
    user = await hashing(accounts.authenticate, engine, username, password)
    if user is None:  # the same answer, after the same work, whether or not the name exists
        await run_in_threadpool(attempt_failed, request, keys)
        audit(request, "login_failed", target=username[:100])
        flash(request, "用户名或密码不对。", "error")
        return RedirectResponse("/login", status_code=303)
    await run_in_threadpool(attempt_succeeded, request, keys)
    sign_in(request, user)
    audit(request, "login", target=username)
    response = RedirectResponse("/", status_code=303)
    remember(request, response, username.strip().lower())
    return response


async def login_code(request: Request) -> Response:
    form = await checked_form(request)
    code = str(form.get("code", ""))[:40]
    keys = code_keys(request)  # per source only: nobody's wrong codes can stop another unit signing in
    if not await run_in_threadpool(take_attempt, request, keys):
        audit(request, "login_blocked", target="（登录码）")
        flash(request, "从本机输错登录码的次数过多，请 15 分钟后再试，或请项目办核对登录码。", "error")
        return RedirectResponse("/login", status_code=303)
    user = await run_in_threadpool(accounts.redeem_code, request.app.state.engine, code)
    if user is None:
        await run_in_threadpool(attempt_failed, request, keys)
        audit(request, "login_failed", target="（登录码）")
        flash(request, "登录码不对、已用过或已过期。请向项目办索取新的登录码。", "error")
        return RedirectResponse("/login", status_code=303)
    sign_in(request, user)
    request.session["by_code"] = True  # the office's one-time code vouches for the unit: it may set a password without the old one
    audit(request, "login_code", target=user["username"])
    flash(request, f"登录成功。您的用户名是“{user['username']}”，请记下；先设置密码，以后用用户名和密码登录。", "info")
    response = RedirectResponse("/password", status_code=303)
    remember(request, response, user["username"].strip().lower())
    return response


async def logout(request: Request) -> Response:
    await checked_form(request)
    audit(request, "logout")
    sign_out(request)  # the session ends in the database: a copied cookie no longer works
    return RedirectResponse("/login", status_code=303)


@requires("unit", *OFFICE)
async def password_page(request: Request) -> Response:
    user = current(request)
    why = (
        "密码已到期，请设置新密码。"
        if user.get("expired")
        else ("首次登录，请先把初始密码改成只有您知道的密码。" if user.get("must_change") else "")
    )
    return page(
        request,
        "password.html",
        "设置密码",
        min_length=accounts.MIN_PASSWORD,
        rule=passwords.RULE,
        why=why,
        ask_old=_asks_old(request, user),
    )


def _asks_old(request: Request, user: dict[str, Any]) -> bool:
    """Whether setting a password needs the current one: not for a first password, nor right after
    signing in with a login code (a unit that forgot its password is given a new code)."""
    return bool(user["has_password"]) and not request.session.get("by_code")


@requires("unit", *OFFICE)
async def password(request: Request) -> Response:
    form = await checked_form(request)
    user = current(request)
    engine = request.app.state.engine
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    if _asks_old(request, user) and await hashing(accounts.authenticate, engine, user["username"], str(form.get("old", ""))) is None:
        flash(request, "当前密码不对。", "error")
        return RedirectResponse("/password", status_code=303)
    if new != again:
        flash(request, "两次输入的新密码不一样。", "error")
        return RedirectResponse("/password", status_code=303)
    try:
        await hashing(accounts.set_password, engine, user["id"], new)
    except UsageError as exc:
        flash(request, exc.message, "error")
        return RedirectResponse("/password", status_code=303)
    sign_in(request, accounts.account(engine, user["id"]))  # this session stays; every other one ends
    audit(request, "password_set")
    flash(request, "密码已保存。")
    return RedirectResponse("/", status_code=303)


@requires("unit", *OFFICE)
async def faq(request: Request) -> Response:
    q = request.query_params.get("q", "").strip()[:200]
    hits, maybe, no_answer = [], [], ""
    if q:
        result = await run_in_threadpool(request.app.state.kb().search, q, 5)
        hits = [{"id": h.entry.id, "question": h.entry.question, "snippet": h.snippet} for h in result.results]
        maybe = [{"id": h.entry.id, "question": h.entry.question} for h in result.suggestions]
        no_answer = result.message or ""
    return page(request, "faq.html", "常见问题", q=q, hits=hits, maybe=maybe, no_answer=no_answer)


@requires("unit", *OFFICE)
async def faq_entry(request: Request) -> Response:
    entry = request.app.state.kb().get(request.path_params["entry"])
    if entry is None:
        raise HTTPException(404, "没有这个条目。")
    return page(request, "faq_entry.html", entry.question, entry=entry, paragraphs=[p for p in entry.answer.split("\n") if p.strip()])


@requires("unit")
async def question(request: Request) -> Response:
    form = await checked_form(request)
    user = current(request)
    try:
        qid = ask(request.app.state.engine, user["unit"], user["username"], str(form.get("question", "")))
    except UsageError as exc:
        flash(request, exc.message, "error")
        return RedirectResponse("/faq", status_code=303)
    audit(request, "question", target=str(qid))
    flash(request, "问题已提交，项目办答复后会显示在本单位页面。")
    return RedirectResponse("/unit", status_code=303)


routes = [
    Route("/", home),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/login/code", login_code, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/password", password_page, methods=["GET"]),
    Route("/password", password, methods=["POST"]),
    Route("/faq", faq),
    Route("/faq/{entry}", faq_entry),
    Route("/questions", question, methods=["POST"]),
]
