"""What several pages hand out: the round's report data (cached until the data changes), reports
made on request, and originals kept as received."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ..store.models import ACCEPTED, FindingReview, Round, Submission
from .security import HEADERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_KINDS = {"coverage": "报送覆盖情况（含催报名单）", "issues": "问题与评估发现", "inventory": "系统汇总清单", "brief": "领导简报"}
FILE_NAMES = {**REPORT_KINDS, "unit": "单位评估报告", "changes": "两轮变化"}


def original_response(request: Request, sub: dict[str, Any]) -> Response:
    """A submission's file as it was received (kept under its SHA-256, handed back under its own name)."""
    from starlette.exceptions import HTTPException

    from .security import audit

    path = original_path(request, sub["sha256"])
    if not path.exists():
        raise HTTPException(404, "原文件不在服务器上（可能是从命令行入库的）。")
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


def reports(request: Request) -> Any:
    """The round's report data, cached until a submission, a status or a finding review changes."""
    from ..report import Reports

    state = request.app.state
    with state.engine.connect() as conn:
        key = (
            conn.scalar(select(func.max(Submission.id))),
            conn.scalar(select(func.count()).select_from(Submission).where(Submission.status == ACCEPTED)),
            conn.scalar(select(func.max(FindingReview.id))),
            tuple(conn.execute(select(Round.id, Round.status)).all()),  # a round opened or closed
        )
    cached = state.report_cache
    if cached.get("key") != key:
        cached.clear()
        cached.update(key=key, reports=Reports(state.engine, form=state.form, roster=state.roster))
    return cached["reports"]


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
