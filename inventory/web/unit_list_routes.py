"""An office's own unit list in the portal: download the part as it stands, edit it, upload it, read
what it would change (nothing is written yet), then confirm. What `units export` and `units import
--dry-run` do on the command line, for an office that does not use one.

The uploaded list is kept under the server's files folder (our name, never the sender's) between
the preview and the confirmation, for the one office session that sent it; the confirmation applies
that very file, and only if it would still do what the preview said.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..form.roster import Unit
from ..store.unit_import import COLUMNS, MAX_ROWS, UnitImport, import_units, write_list
from .pages import flash, page
from .scoping import live_roster, office_node
from .security import audit, checked_form, requires

MAX_LIST_BYTES = 5 * 1024**2  # a list of 20,000 units is well under this
KEPT_MINUTES = 30  # how long an uploaded list waits for its confirmation
SESSION_KEY = "unit_list"
PORTAL_HINT = "改正后重新上传。上级单位可写全称、简称或节点编号；第一步下载的名单里有本级以下全部单位的全称。"


def _folder(request: Request) -> Path:
    folder = Path(request.app.state.settings.files) / "unit-lists"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget(request: Request) -> None:
    """Drop the session's pending list, and any list left waiting past its time by anyone."""
    held = request.session.pop(SESSION_KEY, None) or {}
    folder = _folder(request)
    if held.get("token"):
        (folder / f"{held['token']}.list").unlink(missing_ok=True)
    stale = dt.datetime.now().timestamp() - 2 * KEPT_MINUTES * 60
    for old in folder.glob("*.list"):
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    node = office_node(request)
    count = len(live_roster(request).subtree(node)) - 1
    return {"node": node, "count": count, "columns": [names[0] for names in COLUMNS.values()], "max_rows": MAX_ROWS, **extra}


@requires("admin")
async def list_page(request: Request) -> Response:
    return page(request, "unit_list.html", "单位名单", **_context(request, preview=None, problems=None))


@requires("admin")
async def list_download(request: Request) -> Response:
    node = office_node(request)
    roster = live_roster(request)
    with tempfile.TemporaryDirectory() as folder:
        body = (await run_in_threadpool(write_list, roster, node, Path(folder) / "list.xlsx")).read_bytes()
    audit(request, "units_exported", target=node.name)
    shown = quote(f"{node.name}-单位名单.xlsx")
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=\"units.xlsx\"; filename*=UTF-8''{shown}"},
    )


async def _received(request: Request, form: Any, path: Path) -> str | None:
    """Save the posted list to `path`; the problem in Chinese when there is none or it is too large."""
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        return "请先选择名单文件（xlsx 或 CSV）。"
    size = 0
    with open(path, "wb") as out:
        while chunk := await sent.read(1 << 20):
            size += len(chunk)
            if size > MAX_LIST_BYTES:
                return f"名单文件超过 {MAX_LIST_BYTES // 1024**2} MB，不像单位名单。请只保留名单这一张表后再上传。"
            out.write(chunk)
    return None


def _hint(exc: UsageError) -> str:
    """What to do next, as the portal says it: a hint that names a command is the command line's."""
    return exc.hint if exc.hint and "inventory " not in exc.hint else PORTAL_HINT


def _apply(request: Request, path: Path, node: Unit, replace: bool, dry_run: bool, retire: bool, name: str) -> UnitImport:
    return import_units(request.app.state.engine, path, node, replace=replace, dry_run=dry_run, retire_offices=retire, name=name or None)


@requires("admin")
async def list_preview(request: Request) -> Response:
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_LIST_BYTES + 64 * 1024:  # before anything is read
        flash(request, f"名单文件太大（上限 {MAX_LIST_BYTES // 1024**2} MB），或浏览器没有说明大小。", "error")
        return RedirectResponse("/office/units/list", status_code=303)
    form = await checked_form(request, max_files=1, max_fields=5)
    _forget(request)
    token = uuid.uuid4().hex
    path = _folder(request) / f"{token}.list"
    sent = form.get("file")
    name = sent.filename if isinstance(sent, UploadFile) and sent.filename else ""
    replace = form.get("replace") == "1"
    node = office_node(request)
    try:
        problem = await _received(request, form, path)
        if problem is not None:
            raise UsageError(problem)
        result = await run_in_threadpool(_apply, request, path, node, replace, True, False, name)
    except UsageError as exc:
        path.unlink(missing_ok=True)
        audit(request, "units_list_refused", target=node.name, detail=name)
        problems = [line for line in exc.message.splitlines() if line.strip()]
        return page(
            request, "unit_list.html", "单位名单", status_code=400, **_context(request, preview=None, problems=problems, hint=_hint(exc))
        )
    preview = result.as_dict()
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=KEPT_MINUTES)).isoformat()
    request.session[SESSION_KEY] = {"token": token, "file": name, "replace": replace, "until": until, "preview": preview}
    return page(request, "unit_list.html", "单位名单", **_context(request, preview=preview, problems=None, file=name, token=token))


@requires("admin")
async def list_confirm(request: Request) -> Response:
    form = await checked_form(request, max_fields=5)
    held = request.session.get(SESSION_KEY) or {}
    path = _folder(request) / f"{held.get('token', '')}.list"
    if (
        not held
        or form.get("token") != held.get("token")
        or held.get("until", "") < dt.datetime.now(dt.UTC).isoformat()
        or not path.is_file()
    ):
        _forget(request)
        flash(request, "这份名单的预览已过期或已经用过，名册没有改动。请重新上传名单。", "error")
        return RedirectResponse("/office/units/list", status_code=303)
    node = office_node(request)
    preview = held["preview"]
    retire = bool(preview["retired_offices"])
    if retire and form.get("retire_offices") != "1":
        flash(request, "名单会整个停用下级项目办：请勾选确认框后再导入。名册没有改动。", "error")
        return page(
            request,
            "unit_list.html",
            "单位名单",
            **_context(request, preview=preview, problems=None, file=held["file"], token=held["token"]),
        )
    try:
        again = await run_in_threadpool(_apply, request, path, node, held["replace"], True, retire, held["file"])
        if again.as_dict() != preview:  # the tree moved since the preview (another office, the CLI)
            request.session[SESSION_KEY] = {**held, "preview": again.as_dict()}
            flash(request, "预览之后名册有了变动，名单现在会做的事与刚才不同。请重新核对下面的预览。", "error")
            return page(
                request,
                "unit_list.html",
                "单位名单",
                **_context(request, preview=again.as_dict(), problems=None, file=held["file"], token=held["token"]),
            )
        done = await run_in_threadpool(_apply, request, path, node, held["replace"], False, retire, held["file"])
    except UsageError as exc:
        _forget(request)
        flash(request, f"{exc.message} {_hint(exc)}", "error")
        return RedirectResponse("/office/units/list", status_code=303)
    _forget(request)
    detail = f"新增 {len(done.added)}，修改 {len(done.changed)}，停用 {len(done.retired)}"
    audit(request, "units_import", target=node.name, detail=f"{held['file']}：{detail}")
    flash(request, f"名单已导入“{node.name}”：{detail}，未变 {done.unchanged}。新增的单位现在可以开通账号、下载模板了。")
    return RedirectResponse("/office/units", status_code=303)


routes = [
    Route("/office/units/list", list_page, methods=["GET"]),
    Route("/office/units/list", list_preview, methods=["POST"]),
    Route("/office/units/list.xlsx", list_download),
    Route("/office/units/list/confirm", list_confirm, methods=["POST"]),
]
