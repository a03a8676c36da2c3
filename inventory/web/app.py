"""The portal as an ASGI application: settings in, routes, sessions, errors rendered in Chinese."""

from __future__ import annotations

import logging
from functools import cache
from html import escape
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import (
    account_routes,
    audit_routes,
    auth_routes,
    deadline_routes,
    evidence_routes,
    level_routes,
    office_routes,
    planned_routes,
    query_routes,
    roster_routes,
    signoff_routes,
    unit_list_routes,
    unit_routes,
)
from .config import Settings
from .limits import TOO_LARGE, BodyLimit
from .pages import SERVER_ERROR, incident, page
from .security import HEADERS, SecurityHeaders
from .uploads import UploadGate

log = logging.getLogger("inventory.web")


def create_app(settings: Settings) -> Starlette:
    from ..form.load import load_form
    from ..intake.validate import Validator
    from ..store.db import open_db
    from ..store.units import tree

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        titles = {
            401: "请先登录",
            403: "没有权限",
            404: "找不到页面",
            405: "不支持的操作",
            413: "文件太大",
            429: "请稍候",
            503: "服务器正忙",
        }
        said = {  # the framework's own English reasons, said in Chinese
            404: "没有这个页面，请从首页重新进入。",
            405: "这个页面不能这样打开，请从首页重新进入。",
            413: TOO_LARGE,
        }
        if exc.status_code in (403, 404) and request.url.path.startswith(("/office", "/unit")):
            _record_denied(request, exc.status_code)
        message = exc.detail
        if message == HTTPStatus(exc.status_code).phrase:
            message = said.get(exc.status_code, "请求没有完成，请返回首页重试。")
        return page(request, "error.html", titles.get(exc.status_code, "出错了"), status_code=exc.status_code, message=message)

    async def server_error(request: Request, exc: Exception) -> Response:
        message = SERVER_ERROR.format(ref=incident(request)) + "如果刚才在填写表单，可用浏览器的“后退”回到那一页，已填的内容可能还在。"
        try:
            return page(request, "error.html", "出错了", status_code=500, message=message)
        except Exception:  # the page itself cannot be made (the database is gone): the words still reach the user
            log.exception("portal error page on %s", request.url.path)
            body = f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>出错了</title><h1>出错了</h1><p>{escape(message)}</p></html>'
            return HTMLResponse(body, status_code=500, headers=HEADERS)

    app = Starlette(
        routes=[
            *auth_routes.routes,
            *unit_routes.routes,
            *office_routes.routes,
            *account_routes.routes,
            *planned_routes.routes,
            *unit_list_routes.routes,
            *roster_routes.routes,
            *level_routes.routes,
            *deadline_routes.routes,
            *audit_routes.routes,
            *signoff_routes.routes,
            *evidence_routes.routes,
            *query_routes.routes,
            Mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders, secure_cookies=settings.secure_cookies),  # outermost: sees every response and cookie
            Middleware(BodyLimit, max_body_size=2 * settings.max_upload + (1 << 20)),  # a backstop; uploads get a clearer answer
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret(),
                session_cookie="inventory_session",
                max_age=settings.session_hours * 3600,  # the server ends it earlier when idle or at logout
                same_site="lax",
                https_only=False,  # Secure is added by SecurityHeaders (by HTTPS, or always when set)
            ),
        ],
        exception_handlers={HTTPException: http_error, 500: server_error},
    )
    state = app.state
    state.settings = settings
    state.secret = settings.secret()
    state.uploads = UploadGate(settings.validations, settings.queue, settings.per_session)
    state.engine = open_db(settings.db)
    state.form = load_form()
    validators: dict[Any, Validator] = {}

    def validator_for(r: dict[str, Any] | None) -> Validator:
        """The validator for a round (its reference date; a template of another round is named) and the
        tree as the database holds it now (a unit an office added by its list is a unit here too)."""
        roster = tree(state.engine)  # read again only when the tree has changed
        key = ((r["key"], r["as_of"]) if r else None, id(roster))
        if key not in validators:
            if len(validators) > 16:
                validators.clear()
            validators[key] = Validator(state.form.for_round(r), roster)
        return validators[key]

    state.validator_for = validator_for
    state.report_cache = {}
    state.field_titles = {f.key: f.header.lstrip("*") for s in state.form.sheets for f in s.fields}
    state.kb = _kb
    state.faq_links = _faq_links
    if settings.warm:  # the first unit to search the FAQ should not wait for the encoder to load
        import threading

        threading.Thread(target=_warm, name="warm-faq", daemon=True).start()
    return app


def _warm() -> None:
    try:
        _kb().search("等保备案怎么填", 1)
    except Exception:  # the FAQ page says so itself when it cannot search
        log.exception("warming the FAQ search failed")


def _record_denied(request: Request, status: int) -> None:
    """A refused or unknown address inside the portal: who tried what (an office probing another
    part, a unit another unit's file) is in the audit log."""
    from .security import audit

    try:
        audit(request, "denied" if status == 403 else "not_found", target=f"{request.method} {request.url.path}"[:300])
    except Exception:  # the log never turns a refusal into a server error
        log.exception("audit of a refusal failed")


@cache
def _kb() -> Any:
    from ..kb.search import KnowledgeBase

    return KnowledgeBase.load()


@cache
def _faq_links() -> dict[str, dict[str, str]]:
    from ..kb.entries import code_links

    try:
        return {code: {"id": e.id, "question": e.question} for code, e in code_links().items()}
    except Exception:  # a broken knowledge base never stops the portal
        return {}


def app_from_env() -> Starlette:
    """For uvicorn's worker processes (`inventory serve --workers N`): settings from the environment."""
    return create_app(Settings.from_env())
