"""What several pages hand out: the round's report data (cached until the data changes), reports
made on request, and originals kept as received."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import func, select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..intake.active import active_content, clean_copy
from ..report.names import FILE_NAMES
from ..store.models import ACCEPTED, FindingReview, Round, Submission
from .security import HEADERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def original_response(request: Request, sub: dict[str, Any]) -> Response:
    """A submission's file as it was received (kept under its SHA-256, handed back under its own name)."""
    from starlette.exceptions import HTTPException

    from .security import audit

    path = original_path(request, sub["sha256"])
    if not path.exists():
        raise HTTPException(404, "原文件不在服务器上（可能是从命令行入库的）。")
    if active_content(path):  # macros or external links: never handed out live, a copy without them instead
        clean = path.with_name(f"{sub['sha256']}.clean.xlsx")
        if not clean.exists():
            made = clean_copy(path, path.with_name(f"{sub['sha256']}.{os.getpid()}.part"))
            os.replace(made, clean)
        audit(request, "original_download", target=str(sub["id"]), detail="去除宏和外部链接后的副本")
        return FileResponse(clean, media_type=XLSX, filename=f"{PurePath(sub['file_name']).stem}（已去除宏和外部链接）.xlsx")
    audit(request, "original_download", target=str(sub["id"]))
    return FileResponse(path, media_type=XLSX, filename=sub["file_name"])


def at_role_level(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """A report as the signed-in role may see it: fields classed above the role's level masked
    (`forms/levels.json`: a reviewer 内部, an admin 敏感; a unit its own data whole)."""
    from ..form.levels import hidden_fields, mask, role_level
    from .security import current

    user = current(request)
    return mask(data, hidden_fields(request.app.state.form, role_level(user["role"] if user else "")))


def original_path(request: Request, sha: str) -> Path:
    return request.app.state.settings.files / "originals" / f"{sha}.xlsx"


def data_key(engine: Any, reviews: bool) -> tuple[Any, ...]:
    """What the report data depends on: submissions, finding reviews, the tree, the rounds; with
    `reviews`, also the decisions on returns and the approval steps (they change states, not findings)."""
    from ..store.models import Decision, NodeApproval
    from ..store.units import get_setting

    with engine.connect() as conn:
        key = (
            conn.scalar(select(func.max(Submission.id))),
            conn.scalar(select(func.count()).select_from(Submission).where(Submission.status == ACCEPTED)),
            conn.scalar(select(func.max(FindingReview.id))),
            get_setting(conn, "units_version"),
            tuple(conn.execute(select(Round.id, Round.status, Round.deadline)).all()),  # a round opened, closed or moved
        )
        if reviews:
            key += (conn.scalar(select(func.max(Decision.id))), conn.scalar(select(func.max(NodeApproval.id))))
    return key


def finding_summary(request: Request) -> Any:
    """The findings by kind for the office's part: kept across reviews and approval steps, which
    change no finding (the province's findings take seconds to make; a review should not redo them)."""
    from .scoping import office_node

    state = request.app.state
    key = (data_key(state.engine, reviews=False), office_node(request).code)
    held = getattr(state, "finding_summaries", None)
    if held is None:
        held = state.finding_summaries = {}
    if key not in held:
        summary = reports(request).issues()["summary"]
        if len(held) > 32:
            held.clear()
        held[key] = summary
    return held[key]


def reports(request: Request) -> Any:
    """The round's report data for the signed-in office's part of the tree, cached until a
    submission, a review, an approval step, the tree or a finding review changes."""
    from ..report import Reports
    from .scoping import live_roster, office_node

    state = request.app.state
    node = office_node(request)
    key = data_key(state.engine, reviews=True)
    cached = state.report_cache
    if cached.get("key") != key:
        cached.clear()
        cached["key"] = key
    if node.code not in cached:
        cached[node.code] = Reports(state.engine, form=state.form, roster=live_roster(request), under=node)
    return cached[node.code]


def memo(request: Request, name: str, make: Any) -> Any:
    """What a page derives from the office's report data, made once until the data changes (the cache
    is cleared with the report data itself)."""
    from .scoping import office_node

    r = reports(request)  # first: a change of the data clears the cache
    key = ("memo", office_node(request).code, name)
    cached = request.app.state.report_cache
    if key not in cached:
        cached[key] = make(r)
    return cached[key]


async def report_response(request: Request, kind: str, fmt: str, unit: str | None = None, data: dict[str, Any] | None = None) -> Response:
    """A report, made now from the current data: html shown in the browser (its own script allowed
    by hash, nothing else), the other formats downloaded."""
    from ..report.formats import write_report
    from ..report.html import script

    form = request.app.state.form
    if data is None:
        r = reports(request)
        data = await run_in_threadpool(r.unit, unit) if kind == "unit" else await run_in_threadpool(getattr(r, kind))
    data = at_role_level(request, data)
    if fmt == "html":
        text = await run_in_threadpool(write_report, kind, data, "html", None, form)
        csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {script()[1]}; frame-ancestors 'none'"
        return Response(text, media_type="text/html; charset=utf-8", headers={**HEADERS, "Content-Security-Policy": csp})
    folder = Path(tempfile.mkdtemp(prefix="report-", dir=request.app.state.settings.files))
    made = Path(await run_in_threadpool(write_report, kind, data, fmt, folder / f"report.{fmt}", form))
    media = {"xlsx": XLSX, "json": "application/json", "md": "text/markdown; charset=utf-8"}[fmt]
    return FileResponse(
        made, media_type=media, filename=f"{FILE_NAMES.get(kind, kind)}.{fmt}", background=BackgroundTask(shutil.rmtree, folder, True)
    )
