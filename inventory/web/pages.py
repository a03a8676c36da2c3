"""Rendering: one Jinja2 environment (autoescaped), the context every page shares, flash messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from ..report.sections import STATUS_NAMES, pct
from .security import HEADERS, csrf_token, current

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals["pct"] = pct
templates.env.globals["status_names"] = STATUS_NAMES


def flash(request: Request, text: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"text": text, "kind": kind})


def page(request: Request, name: str, title: str, status_code: int = 200, **context: Any) -> Response:
    form = request.app.state.form
    ctx = {
        "title": title,
        "user": current(request),
        "csrf": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "round_name": form.round.get("name", ""),
        "contact": form.round.get("contact", "项目办"),
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code, headers=HEADERS)


def with_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["status_name"] = STATUS_NAMES.get(r["status"], r["status"])
    return rows
