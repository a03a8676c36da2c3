"""Rendering: one Jinja2 environment (autoescaped), the context every page shares, flash messages."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from ..beijing import shown, shown_text
from ..report.sections import STATUS_NAMES, pct, rate
from ..workflow.states import STATE_NAMES
from .security import HEADERS, csrf_token, current

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals["pct"] = pct
templates.env.globals["rate"] = rate
templates.env.globals["status_names"] = STATUS_NAMES
templates.env.globals["state_names"] = STATE_NAMES
templates.env.filters["bj"] = shown  # every instant on every page in Beijing time
templates.env.filters["bj_text"] = shown_text  # a time the workflow already gives as Beijing text (`beijing.local_text`)


def wan(amount: object) -> str:
    """An amount typed in a 万元 field that looks like 元, said both ways: 350000 -> "350000（如按元填写，即 35 万元）"."""
    try:
        value = float(str(amount).replace(",", ""))
    except (TypeError, ValueError):
        return "" if amount is None else str(amount)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if abs(value) < 1000:
        return text
    return f"{text}（如按元填写，即 {f'{value / 10000:.4f}'.rstrip('0').rstrip('.')} 万元）"


templates.env.filters["wan"] = wan


log = logging.getLogger("inventory.web")

SERVER_ERROR = (
    "服务器处理这个请求时出了错（错误编号 {ref}）。这不是您填写或操作的问题，马上重试多半还会出错："
    "请把错误编号和出错的页面告诉项目办或系统管理员，他们可以据此在服务器日志里找到原因。"
)


def incident(request: Request) -> str:
    """The exception being handled, logged with its traceback under a short number the user can quote
    to whoever runs the portal (the page itself never shows the traceback)."""
    ref = secrets.token_hex(4).upper()
    log.exception("portal error %s on %s %s", ref, request.method, request.url.path)
    return ref


def flash(request: Request, text: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"text": text, "kind": kind})


def page(request: Request, name: str, title: str, status_code: int = 200, **context: Any) -> Response:
    from ..workflow.rounds import pick

    form = request.app.state.form
    user = current(request)
    now = pick(request.app.state.engine)  # the open round's name, not the manifest's, once rounds are kept
    ctx = {
        "title": title,
        "user": user,
        "csrf": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "round_name": now["name"] if now else form.round.get("name", ""),
        "contact": form.round.get("contact", "项目办"),
        "office_node": (user.get("unit") or "全省") if user and user["role"] != "unit" else None,
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=HEADERS)


def with_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["status_name"] = STATUS_NAMES.get(r["status"], r["status"])
    return rows


def mark_late(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each submission received after the open round's deadline (Beijing time) is marked late."""
    from ..beijing import aware, day_end
    from ..form.model import live_deadline
    from ..workflow.rounds import pick

    deadline = live_deadline(pick(request.app.state.engine))
    cutoff = day_end(deadline) if deadline else None
    for r in rows:
        r["late"] = bool(cutoff and r["received_at"] and aware(dt.datetime.fromisoformat(r["received_at"])) >= cutoff)
    return rows
