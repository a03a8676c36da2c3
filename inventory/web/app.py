"""The portal as an ASGI application: settings in, routes, sessions, errors rendered in Chinese."""

from __future__ import annotations

import logging
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import auth_routes, evidence_routes, office_routes, query_routes, signoff_routes, unit_routes
from .config import Settings
from .limits import TOO_LARGE, BodyLimit
from .pages import page

SESSION_HOURS = 8
log = logging.getLogger("inventory.web")


def create_app(settings: Settings) -> Starlette:
    from ..form.load import load_form
    from ..form.roster import load_roster
    from ..intake.validate import Validator
    from ..store.db import open_db

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        titles = {401: "请先登录", 403: "没有权限", 404: "找不到页面", 405: "不支持的操作", 413: "文件太大"}
        said = {  # the framework's own English reasons, said in Chinese
            404: "没有这个页面，请从首页重新进入。",
            405: "这个页面不能这样打开，请从首页重新进入。",
            413: TOO_LARGE,
        }
        message = exc.detail
        if message == HTTPStatus(exc.status_code).phrase:
            message = said.get(exc.status_code, "请求没有完成，请返回首页重试。")
        return page(request, "error.html", titles.get(exc.status_code, "出错了"), status_code=exc.status_code, message=message)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("portal error on %s", request.url.path)
        return page(
            request, "error.html", "出错了", status_code=500, message="服务器处理这个请求时出错，请稍后再试；一直出错请联系项目办。"
        )

    app = Starlette(
        routes=[
            *auth_routes.routes,
            *unit_routes.routes,
            *office_routes.routes,
            *signoff_routes.routes,
            *evidence_routes.routes,
            *query_routes.routes,
            Mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"),
        ],
        middleware=[
            Middleware(BodyLimit, max_body_size=2 * settings.max_upload + (1 << 20)),  # a backstop; uploads get a clearer answer
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret(),
                session_cookie="inventory_session",
                max_age=SESSION_HOURS * 3600,
                same_site="lax",
                https_only=settings.secure_cookies,
            ),
        ],
        exception_handlers={HTTPException: http_error, 500: server_error},
    )
    state = app.state
    state.settings = settings
    state.engine = open_db(settings.db)
    state.form = load_form()
    state.roster = load_roster()
    state.validator = Validator(state.form, state.roster)
    validators = {None: state.validator}

    def validator_for(as_of: Any) -> Validator:
        if as_of not in validators:
            validators[as_of] = Validator(state.form, state.roster, as_of=as_of)
        return validators[as_of]

    state.validator_for = validator_for
    state.report_cache = {}
    state.field_titles = {f.key: f.header.lstrip("*") for s in state.form.sheets for f in s.fields}
    state.kb = _kb
    state.faq_links = _faq_links
    return app


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
