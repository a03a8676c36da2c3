"""Who is asking, and may they: the signed-in account (checked against the database on every
request), role and unit guards, CSRF tokens on every form, the login rate limit, security headers."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..store import accounts
from ..store.audit import failures, record

OFFICE = ("reviewer", "admin")
LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_MAX_PER_NAME = 5
LOGIN_MAX_PER_ADDRESS = 30

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def current(request: Request) -> dict[str, Any] | None:
    """The signed-in account, if its session still holds: the account is active and its password
    has not changed since (a reset signs out every other session)."""
    if "user" in request.state.__dict__:
        return request.state.user
    user = None
    sid = request.session.get("account")
    if isinstance(sid, int):
        user = accounts.account(request.app.state.engine, sid)
        if user is not None and request.session.get("pw") != user["pw"]:
            user = None
    if user is None and sid is not None:
        request.session.clear()
    request.state.user = user
    return user


def sign_in(request: Request, user: dict[str, Any]) -> None:
    request.session.clear()  # a fresh session: nothing from before signing in carries over
    request.session.update(account=user["id"], csrf=secrets.token_urlsafe(32), pw=user["pw"])
    request.state.user = user


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_origin(request: Request) -> None:
    """A form posted from another site is refused, whatever it carries."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and origin != "null" and urlsplit(origin).netloc not in (request.headers.get("host"), ""):
        raise HTTPException(403, "请求来源不符。")


async def checked_form(request: Request, **limits: Any) -> Any:
    """The posted form, after the CSRF token and origin have been checked."""
    check_origin(request)
    form = await request.form(**limits)
    token = request.session.get("csrf")
    sent = form.get("csrf")
    if not token or not isinstance(sent, str) or not secrets.compare_digest(sent, token):
        raise HTTPException(403, "页面已过期或来源不符，请刷新页面后重试。")
    return form


def login_blocked(request: Request, username: str) -> bool:
    engine = request.app.state.engine
    since = dt.datetime.now(dt.UTC) - LOGIN_WINDOW
    return (
        failures(engine, "login_failed", since, target=username.strip()) >= LOGIN_MAX_PER_NAME
        or failures(engine, "login_failed", since, address=address(request)) >= LOGIN_MAX_PER_ADDRESS
    )


def audit(request: Request, action: str, target: str | None = None, detail: str | None = None) -> None:
    user = current(request)
    record(
        request.app.state.engine,
        action,
        actor=user["username"] if user else None,
        role=user["role"] if user else None,
        address=address(request),
        target=target,
        detail=detail,
        unit=user.get("unit") if user else None,  # whose part of the tree: an office reads its own part's entries
    )


Handler = Callable[[Request], Awaitable[Response]]


def requires(*roles: str) -> Callable[[Handler], Handler]:
    """Only signed-in accounts with one of these roles; others go to the sign-in page (or get 403)."""

    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request) -> Response:
            user = current(request)
            if user is None:
                if request.method == "GET":
                    return RedirectResponse("/login", status_code=303)
                raise HTTPException(401, "请先登录。")
            if user["role"] not in roles:
                raise HTTPException(403, "没有权限访问这个页面。")
            if user["role"] == "unit" and not user.get("has_password") and request.url.path != "/password":
                return RedirectResponse("/password", status_code=303)
            return await handler(request)

        return guarded

    return wrap
