"""Who is asking, and may they: the signed-in account (its session held in the database and checked
on every request), role and unit guards, CSRF tokens on every form, the sign-in limits, security
headers on every response."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..store import accounts, sessions, throttle
from ..store.audit import record

OFFICE = ("reviewer", "admin")
LOGIN_WINDOW = dt.timedelta(minutes=15)
# Attempts are counted before the password is checked (atomically, in the database) and given back
# when they succeed, so only failures hold a key back. The keys are chosen so that nobody can lock
# another person out: a browser that has signed in to an account before has a bucket of its own.
LOGIN_MAX_PER_NAME = 5  # one name from one source, a browser new to it
LOGIN_MAX_KNOWN = 10  # one name from one source, a browser that signed in to it before
LOGIN_MAX_NAME_ALL = 20  # one name from all sources, browsers new to it (guessing spread over many addresses)
LOGIN_MAX_PER_ADDRESS = 50  # one source, all names (spraying one password over many names)
CODE_MAX_PER_ADDRESS = 20  # wrong one-time codes from one source (a code has 59 random bits)
KNOWN_COOKIE = "inventory_known"
BLOCKED = "这个账号从本机登录失败的次数过多，请 15 分钟后再试；忘记密码请联系项目办重置。"

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
    """The signed-in account, if its session still holds: the session is live in the database (not
    ended by logout, not idle too long, not past its lifetime), the account is active and its
    password has not changed since (a change ends every other session)."""
    if "user" in request.state.__dict__:
        return request.state.user
    user = None
    token = request.session.get("sid")
    settings = request.app.state.settings
    if token is not None:
        engine = request.app.state.engine
        held = sessions.holder(engine, token, settings.session_idle, settings.session_lifetime)
        user = accounts.account(engine, held) if held is not None else None
        if user is not None and request.session.get("pw") != user["pw"]:
            user = None
        if user is None:
            request.session.clear()
    days = settings.password_days
    if (
        user is not None
        and days
        and user["password_set_at"]
        and dt.datetime.now(dt.UTC) - user["password_set_at"] > dt.timedelta(days=days)
    ):
        user = {**user, "must_change": True, "expired": True}
    request.state.user = user
    return user


def sign_in(request: Request, user: dict[str, Any]) -> None:
    """A new session for the account: the old one (if any) ends, a new token is issued (the id
    changes at sign-in), nothing from before signing in carries over."""
    engine = request.app.state.engine
    sessions.end(engine, request.session.get("sid"))
    request.session.clear()
    token = sessions.start(engine, user["id"], address(request))
    request.session.update(sid=token, csrf=secrets.token_urlsafe(32), pw=user["pw"])
    request.state.user = user


def sign_out(request: Request) -> None:
    sessions.end(request.app.state.engine, request.session.get("sid"))
    request.session.clear()
    request.state.user = None


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


HASHING = threading.BoundedSemaphore(4)  # argon2id takes 64 MB a hash: at most 4 at once per process (256 MB)


async def hashing(work: Callable[..., Any], *args: Any) -> Any:
    """Run a password check or hash on a worker thread once a hashing slot is free (waiting on the
    event loop, not on a thread, so that uploads and pages keep their threads)."""
    import asyncio

    from starlette.concurrency import run_in_threadpool

    while not HASHING.acquire(blocking=False):
        await asyncio.sleep(0.02)
    try:
        return await run_in_threadpool(work, *args)
    finally:
        HASHING.release()


def _tag(request: Request, name: str) -> str:
    key = request.app.state.secret.encode()
    return hmac.new(key, f"known|{name}".encode(), hashlib.sha256).hexdigest()[:32]


def known(request: Request, name: str) -> bool:
    """Has this browser signed in to `name` before (it holds the server's tag for that name)?"""
    return _tag(request, name) in request.cookies.get(KNOWN_COOKIE, "").split(".")


def remember(request: Request, response: Response, name: str) -> None:
    """Tag this browser as one that signed in to `name` (kept 180 days, up to 5 names)."""
    tags = [t for t in request.cookies.get(KNOWN_COOKIE, "").split(".") if t and t != _tag(request, name)]
    response.set_cookie(KNOWN_COOKIE, ".".join([_tag(request, name), *tags[:4]]), max_age=180 * 86400, httponly=True, samesite="lax")


Key = tuple[str, int, bool]  # (key, limit, counted before the check: True; only failures counted: False)


def password_keys(request: Request, username: str) -> list[Key]:
    """The keys a password attempt is counted under. A name's own keys are counted before the
    password is checked (parallel guesses cannot overtake the count); a source's key counts only
    failures, so that many units signing in at once through one NAT address are never held back."""
    name, source = username.strip().lower()[:100], address(request)
    if known(request, name):
        return [(f"pw-known|{name}|{source}", LOGIN_MAX_KNOWN, True)]
    return [
        (f"pw-src|{source}", LOGIN_MAX_PER_ADDRESS, False),
        (f"pw-name|{name}", LOGIN_MAX_NAME_ALL, True),
        (f"pw|{name}|{source}", LOGIN_MAX_PER_NAME, True),
    ]


def code_keys(request: Request) -> list[Key]:
    """Wrong codes per source only (a code's 59 random bits make guessing hopeless anyway)."""
    return [(f"code-src|{address(request)}", CODE_MAX_PER_ADDRESS, False)]


def take_attempt(request: Request, keys: list[Key]) -> bool:
    """Count one attempt under every key counted before the check; False (nothing counted) when any
    key has reached its limit in this window."""
    engine = request.app.state.engine
    taken = []
    for key, limit, before in keys:
        if not before:
            if throttle.counted(engine, key, LOGIN_WINDOW) >= limit:
                break
            continue
        if not throttle.take(engine, key, limit, LOGIN_WINDOW):
            break
        taken.append(key)
    else:
        return True
    for k in taken:
        throttle.give_back(engine, k)
    return False


def attempt_failed(request: Request, keys: list[Key]) -> None:
    """A failure: counted now under the keys that count only failures."""
    engine = request.app.state.engine
    for key, _, before in keys:
        if not before:
            throttle.take(engine, key, 1 << 30, LOGIN_WINDOW)


def attempt_succeeded(request: Request, keys: list[Key]) -> None:
    """A success: the attempt is given back on the keys counted before the check; the name's own
    key (the last) starts over."""
    engine = request.app.state.engine
    for key, _, before in keys[:-1]:
        if before:
            throttle.give_back(engine, key)
    key, _, before = keys[-1]
    if before:
        throttle.clear(engine, key)


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
            if (not user.get("has_password") or user.get("must_change")) and request.url.path != "/password":
                return RedirectResponse("/password", status_code=303)  # a first, forced or expired password comes first
            return await handler(request)

        return guarded

    return wrap


class SecurityHeaders:
    """Every response, downloads and error pages included: the headers above (a response's own CSP
    wins), `Secure` on cookies and HSTS when the request came by HTTPS (as the reverse proxy says in
    X-Forwarded-Proto) or when the settings say cookies are always secure."""

    def __init__(self, app: Any, secure_cookies: bool | None = None, hsts: int = 31536000) -> None:
        self.app = app
        self.secure_cookies = secure_cookies
        self.hsts = hsts

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        secure = self.secure_cookies if self.secure_cookies is not None else https

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                for name, value in HEADERS.items():
                    if name.lower().encode() not in have:
                        headers.append((name.lower().encode(), value.encode()))
                if https and self.hsts:
                    headers.append((b"strict-transport-security", f"max-age={self.hsts}".encode()))
                if secure:
                    headers = [
                        (k, v + b"; secure") if k.lower() == b"set-cookie" and b"secure" not in v.lower() else (k, v) for k, v in headers
                    ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
