"""Evidence in the portal: the unit uploads files beside its return (per system or for the unit),
sees the office's check, removes its own while the return is open; the office lists every unit's
files, marks each checked or not matching, and downloads a unit's files as one zip. Files are served
only as downloads (attachment, octet-stream, nosniff, no-store, a sandboxing CSP): a browser never
renders one. The pages call `store.attachments`, as the CLI does."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from ..beijing import shown as beijing
from ..errors import UsageError
from ..form.evidence import load_evidence
from ..form.issues import make_issue
from ..store import attachments
from ..store.current import current_round_id, lock_reason
from ..store.models import Unit
from .pages import flash, page
from .security import HEADERS, OFFICE, audit, checked_form, current, requires

DOWNLOAD = {
    **HEADERS,
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _disposition(name: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for a in rows:
        a["uploaded"] = beijing(a["uploaded_at"])
        a["checked"] = beijing(a["checked_at"])
    return rows


def _state(request: Request, unit: str) -> dict[str, Any]:
    engine = request.app.state.engine
    with engine.connect() as conn:
        uid = conn.scalar(select(Unit.id).where(Unit.name == unit))
        rid = current_round_id(conn)
        return {"systems": attachments.current_systems(conn, uid, rid), "locked": lock_reason(conn, uid, rid)}


@requires("unit")
async def unit_page(request: Request) -> Response:
    user = current(request)
    ev = load_evidence()
    rows = _shown(attachments.listing(request.app.state.engine, user["unit"]))
    return page(
        request,
        "evidence.html",
        "证明材料",
        rows=rows,
        kinds=ev.for_system(),
        unit_kinds=ev.for_unit(),
        media=", ".join(ev.media.values()),
        max_mb=round(ev.max_bytes / 1024 / 1024),
        **_state(request, user["unit"]),
    )


@requires("unit")
async def upload(request: Request) -> Response:
    ev = load_evidence()
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > ev.max_bytes + 64 * 1024:  # before anything is read
        audit(request, "attachment_refused", detail=f"size {length or '?'}")
        flash(request, f"文件太大（上限 {round(ev.max_bytes / 1024 / 1024)} MB），或浏览器没有说明大小。", "error")
        return RedirectResponse("/unit/evidence", status_code=303)
    form = await checked_form(request, max_files=1, max_fields=5)
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        flash(request, "请选择要上传的文件。", "error")
        return RedirectResponse("/unit/evidence", status_code=303)
    settings = request.app.state.settings
    incoming = settings.files / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / f"{uuid.uuid4().hex}.part"  # our name: the sender's never becomes a path
    size = 0
    try:
        with open(path, "wb") as out:
            while chunk := await sent.read(1 << 20):
                size += len(chunk)
                if size > ev.max_bytes:
                    break
                out.write(chunk)
        user = current(request)
        kind, system = str(form.get("kind", "")), str(form.get("system", ""))
        if size > ev.max_bytes:
            row, issue = (
                None,
                make_issue(
                    "ATTACH_TOO_LARGE",
                    file=sent.filename,
                    value=f"超过 {size // 1024 // 1024} MB",
                    expected=f"{round(ev.max_bytes / 1024 / 1024)} MB",
                ),
            )
        else:
            row, issue = await run_in_threadpool(
                attachments.add, request.app.state.engine, settings.files, user["unit"], kind, path, sent.filename, user["username"], system
            )
    finally:
        path.unlink(missing_ok=True)
    if issue is not None:
        audit(request, "attachment_refused", detail=f"{issue.code} {issue.file}")
        flash(request, f"“{issue.file}”{issue.message}。{issue.hint}", "error")
    else:
        flash(request, f"已保存：{row['system_no'] or '单位'} · {row['kind_title']} · {row['file_name']}")
    return RedirectResponse("/unit/evidence", status_code=303)


def _one(request: Request) -> dict[str, Any]:
    try:
        return attachments.attachment(request.app.state.engine, int(request.path_params["aid"]))
    except (ValueError, UsageError):
        raise HTTPException(404, "没有这份证明材料。") from None


def _own(request: Request) -> dict[str, Any]:
    a = _one(request)
    if a["unit"] != current(request)["unit"] or a["removed"]:
        raise HTTPException(404, "没有这份证明材料。")  # another unit's: not even confirmed to exist
    return a


def _download(request: Request, a: dict[str, Any]) -> Response:
    path = attachments.stored_path(request.app.state.settings.files, a["sha256"])
    if not path.exists():
        raise HTTPException(404, "文件不在服务器上。")
    audit(request, "attachment_download", target=str(a["id"]))
    name = attachments.archive_name(a)
    headers = {**DOWNLOAD, "Content-Disposition": _disposition(name, f"evidence-{a['id']}.bin")}
    return FileResponse(path, media_type="application/octet-stream", headers=headers)


@requires("unit")
async def unit_download(request: Request) -> Response:
    return _download(request, _own(request))


@requires("unit")
async def unit_remove(request: Request) -> Response:
    a = _own(request)
    await checked_form(request, max_files=0, max_fields=2)
    try:
        attachments.remove(request.app.state.engine, a["id"], a["unit"], current(request)["username"])
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"已删除：{a['file_name']}")
    return RedirectResponse("/unit/evidence", status_code=303)


@requires(*OFFICE)
async def office_page(request: Request) -> Response:
    rows = _shown(attachments.listing(request.app.state.engine))
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for a in rows:
        by_unit.setdefault(a["unit"], []).append(a)
    engine = request.app.state.engine
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Unit.name, Unit.id).where(Unit.name.in_(list(by_unit)))).all())
    return page(request, "evidence_office.html", "证明材料核验", by_unit=by_unit, ids=ids)


@requires(*OFFICE)
async def office_download(request: Request) -> Response:
    return _download(request, _one(request))


@requires(*OFFICE)
async def office_check(request: Request) -> Response:
    a = _one(request)
    form = await checked_form(request, max_files=0, max_fields=4)
    try:
        attachments.check(
            request.app.state.engine, a["id"], str(form.get("state", "")), str(form.get("note", "")), current(request)["username"]
        )
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"已记录核验：{a['unit']} · {a['file_name']}")
    return RedirectResponse("/office/evidence", status_code=303)


@requires(*OFFICE)
async def office_zip(request: Request) -> Response:
    engine = request.app.state.engine
    try:
        uid = int(request.path_params["uid"])
    except ValueError:
        raise HTTPException(404, "没有这个单位。") from None
    with engine.connect() as conn:
        name = conn.scalar(select(Unit.name).where(Unit.id == uid))
    if name is None:
        raise HTTPException(404, "没有这个单位。")
    folder = Path(tempfile.mkdtemp(prefix="evidence-", dir=request.app.state.settings.files))
    out = folder / "evidence.zip"
    count = await run_in_threadpool(attachments.write_zip, engine, request.app.state.settings.files, name, out)
    audit(request, "attachment_zip", target=name, detail=f"{count} 个文件")
    headers = {**DOWNLOAD, "Content-Disposition": _disposition(f"{name}-证明材料.zip", "evidence.zip")}
    return FileResponse(out, media_type="application/zip", headers=headers, background=BackgroundTask(shutil.rmtree, folder, True))


routes = [
    Route("/unit/evidence", unit_page),
    Route("/unit/evidence", upload, methods=["POST"]),
    Route("/unit/evidence/{aid}/download", unit_download),
    Route("/unit/evidence/{aid}/remove", unit_remove, methods=["POST"]),
    Route("/office/evidence", office_page),
    Route("/office/evidence/{aid}/download", office_download),
    Route("/office/evidence/{aid}/check", office_check, methods=["POST"]),
    Route("/office/evidence/unit/{uid}.zip", office_zip),
]
