"""The audit log on the office's pages: its own part's entries (the province's: all), in Chinese
and Beijing time, filtered by action, person, word and dates, a page at a time, exported whole."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from ..beijing import BEIJING
from ..store.audit import ACTION_NAMES, AuditFilter, count, entries, stream
from .audit_words import described, shown_detail, shown_target
from .pages import page
from .reporting import XLSX
from .scoping import under_path
from .security import audit, requires

PAGE_SIZE = 100


def _day(text: str, end: bool = False) -> dt.datetime | None:
    """A day typed in the filter (Beijing), as the instant it starts (or, `end`, ends)."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1 if end else 0), dt.time(), tzinfo=BEIJING)


def _filter(request: Request) -> tuple[AuditFilter, dict[str, str]]:
    q = request.query_params
    asked = {k: q.get(k, "").strip()[:100] for k in ("action", "actor", "q", "since", "until")}
    where = AuditFilter(
        under=under_path(request),
        action=asked["action"] if asked["action"] in ACTION_NAMES else None,
        actor=asked["actor"] or None,
        text=asked["q"] or None,
        since=_day(asked["since"]),
        until=_day(asked["until"], end=True),
    )
    return where, asked


@requires("admin")
async def audit_page(request: Request) -> Response:
    where, asked = _filter(request)
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    engine = request.app.state.engine
    total = await run_in_threadpool(count, engine, where)
    rows = await run_in_threadpool(entries, engine, PAGE_SIZE, (number - 1) * PAGE_SIZE, where)
    for r in rows:  # in Chinese; the raw target stays as the cell's title
        r["target_shown"], r["detail_shown"] = shown_target(r["target"]), shown_detail(r["detail"])
    pages = max(1, -(-total // PAGE_SIZE))
    query = urlencode({k: v for k, v in asked.items() if v})
    return page(
        request,
        "audit.html",
        "操作日志",
        rows=rows,
        total=total,
        number=min(number, pages),
        pages=pages,
        asked=asked,
        actions=ACTION_NAMES,
        query=query,
    )


@requires("admin")
async def audit_export(request: Request) -> Response:
    from urllib.parse import quote

    from ..report.audit_log import write_audit_xlsx

    where, _ = _filter(request)
    folder = Path(tempfile.mkdtemp(prefix="audit-", dir=request.app.state.settings.files))
    made = await run_in_threadpool(write_audit_xlsx, described(stream(request.app.state.engine, where)), folder / "audit.xlsx")
    audit(request, "audit_export")
    name = quote("操作日志.xlsx")
    return FileResponse(
        made,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename=\"audit.xlsx\"; filename*=UTF-8''{name}"},
        background=BackgroundTask(shutil.rmtree, folder, True),
    )


routes: list[Any] = [
    Route("/office/audit", audit_page),
    Route("/office/audit.xlsx", audit_export),
]
