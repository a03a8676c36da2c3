"""A unit's pages: its status and history, its template, uploading a return, its problems and
feedback, its own assessment report. Every page is about the signed-in unit only: no unit is ever
named in a URL, and a submission of another unit is answered as if it did not exist."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from io import BytesIO
from pathlib import Path, PurePath
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from ..form.issues import make_issue
from ..form.model import live_deadline
from ..intake.bounded import validate_bounded
from ..intake.safeopen import not_a_workbook
from ..store.importer import Importer
from ..store.questions import questions
from ..store.submissions import submission_issues
from ..workflow.reviews import REVIEW_NAMES, latest, review_state, submission_rows
from ..workflow.rounds import pick
from ..workflow.states import RETURN_NAMES
from .issue_view import shown_issues
from .pages import flash, mark_late, page, with_names
from .reporting import XLSX, original_path, original_response, report_response
from .scoping import live_roster, office_called
from .security import audit, checked_form, current, requires
from .uploads import SECONDS


def display_name(name: str) -> str:
    """The file's name as the unit gave it, for showing only (never used as a path)."""
    base = PurePath(name.replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    return base or "上传的文件.xlsx"


def own_submission(request: Request) -> dict[str, Any]:
    """The submission in the URL, if it is the signed-in unit's; 404 otherwise (another unit's
    submissions are not even confirmed to exist)."""
    user = current(request)
    try:
        sid = int(request.path_params["sid"])
    except ValueError:
        raise HTTPException(404, "没有这份报送。") from None
    rows = submission_rows(request.app.state.engine, submission_id=sid)
    if not rows or rows[0]["unit"] != user["unit"]:
        raise HTTPException(404, "没有这份报送。")
    return with_names(rows)[0]


@requires("unit")
async def unit_home(request: Request) -> Response:
    user = current(request)
    engine = request.app.state.engine
    history = with_names(submission_rows(engine, user["unit"]))
    round_ = pick(engine)
    key = round_["key"] if round_ else None
    this_round = [h for h in history if h["round"] == key]  # the state, the count and the decision are this round's
    current_sub = next((h for h in this_round if h["status"] == "accepted"), None) or (this_round[0] if this_round else None)
    decision = latest(engine, [current_sub["id"]]).get(current_sub["id"]) if current_sub else None
    state = review_state(current_sub["status"], decision) if current_sub else "not_submitted"
    before = next((h for h in history if h["round"] != key and h["status"] == "accepted"), None)  # last round's, for reference
    deadline = live_deadline(round_)  # the open round's, once the office has set one
    locked = _locked(engine, user["unit"])
    roster = live_roster(request)
    me = roster.get(user["unit"])
    below = roster.children(me) if me is not None else []  # 下属单位: this unit reviews them and sends its part up
    above = roster.parent_of(me) if me is not None else None
    return page(
        request,
        "unit_home.html",
        user["unit"],
        locked=locked,
        unit=user["unit"],
        history=history,
        this_round=this_round,
        round=round_,
        before=before,
        current=current_sub,
        decision=decision,
        state=state,
        state_name=REVIEW_NAMES.get(state, "未报送"),
        deadline=deadline,
        questions=questions(engine, user["unit"]),
        max_mb=round(request.app.state.settings.max_upload / 1024 / 1024),
        below=below,
        above=above,
        above_called=office_called(request, above),
    )


@requires("unit")
async def template(request: Request) -> Response:
    from ..store.submissions import last_return
    from ..template.build import template_filename, unit_template

    user = current(request)
    form, unit = request.app.state.form.for_round(pick(request.app.state.engine)), live_roster(request).get(user["unit"])
    if unit is None:  # its unit was taken off the tree since it signed in
        raise HTTPException(403, "本账号所属的单位已不在名册中，请联系上级项目办。")
    last = last_return(request.app.state.engine, unit.name)  # the unit's last accepted return, to confirm or change
    buffer = BytesIO()
    await run_in_threadpool(lambda: unit_template(form, unit, last).save(buffer))
    audit(request, "template_download")
    name = template_filename(form, unit)
    return Response(buffer.getvalue(), media_type=XLSX, headers={"Content-Disposition": _disposition(name)})


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"return.xlsx\"; filename*=UTF-8''{quote(name)}"


@requires("unit")
async def upload(request: Request) -> Response:
    settings = request.app.state.settings
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > settings.max_upload + 64 * 1024:  # checked before anything is read
        audit(request, "upload_refused", detail=f"size {length or '?'}")
        flash(
            request,
            f"文件太大（上限 {round(settings.max_upload / 1024 / 1024)} MB），或浏览器没有说明大小。请确认上传的是填好的模板。",
            "error",
        )
        return RedirectResponse("/unit", status_code=303)
    try:
        async with request.app.state.uploads.slot(str(request.session.get("sid"))):  # or 429/503 at once, nothing read
            return await _upload(request, settings)
    except HTTPException as exc:
        if exc.status_code in (429, 503):
            audit(request, "upload_refused", detail=f"busy {exc.status_code}")
        raise


async def _upload(request: Request, settings: Any) -> Response:
    form = await checked_form(request, max_files=1, max_fields=4)  # parts over 1 MB are spooled to disk, not held
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        flash(request, "请选择要上传的文件。", "error")
        return RedirectResponse("/unit", status_code=303)
    name = display_name(sent.filename)
    locked = await run_in_threadpool(_locked, request.app.state.engine, current(request)["unit"])
    if locked:  # an approved return (or a part submitted upward) takes no new upload until it is reopened
        audit(request, "upload_refused", detail=f"{name}：{locked}")
        reason = f"{locked}，不能再上传新的报表。如确需修改，请联系上级项目办重新打开或退回。"
        return page(request, "unit_refused.html", "未接收", file_name=name, reason=reason, issues=[])
    incoming = settings.files / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    path = incoming / f"{uuid.uuid4().hex}.xlsx"
    size = 0
    with open(path, "wb") as out:
        while chunk := await sent.read(1 << 20):
            size += len(chunk)
            if size > settings.max_upload:
                break
            out.write(chunk)
    if size > settings.max_upload:
        path.unlink(missing_ok=True)
        flash(request, f"文件太大（上限 {round(settings.max_upload / 1024 / 1024)} MB）。", "error")
        return RedirectResponse("/unit", status_code=303)
    wrong = not_a_workbook(path)
    if wrong:  # not a workbook at all: said at once, nothing numbered or kept
        path.unlink(missing_ok=True)
        issue = make_issue(wrong, file=name)
        audit(request, "upload_refused", detail=f"{name}：{wrong}")
        reason = f"“{name}”{issue.message}。{issue.hint or ''}只接受填好的 .xlsx 报表。"
        return page(request, "unit_refused.html", "未接收", file_name=name, reason=reason, issues=[])
    user = current(request)
    outcome = await run_in_threadpool(receive, request.app.state, path, name, user)
    said = {"refused": "未接收", **RETURN_NAMES}.get(outcome["status"], outcome["status"])  # the log is read in Chinese
    audit(request, "upload", target=str(outcome.get("submission_id") or ""), detail=f"{name}：{said}")
    if outcome["status"] == "refused":  # its problems shown as on any return's page: by system, field title and FAQ link
        issues = await run_in_threadpool(shown_issues, request, outcome, outcome["issues"]) if outcome["issues"] else []
        return page(request, "unit_refused.html", "未接收", file_name=name, reason=outcome["reason"], issues=issues)
    if outcome["status"] == "failed":
        flash(request, "数据库正忙，这份文件没有保存。请稍后再上传一次。", "error")
        return RedirectResponse("/unit", status_code=303)
    if outcome["submission_id"] is None:  # not stored (a locked return): say why, nothing to show
        flash(request, f"这份文件没有入库：{outcome.get('note') or '报表已锁定'}。需要修改的，请联系项目办重新打开。", "error")
        return RedirectResponse("/unit", status_code=303)
    if outcome["status"] == "unchanged":
        flash(request, "这个文件和之前上传的一模一样，结果见下。", "info")
    elif outcome.get("note"):  # what the comparison with its last return found (confirmed unchanged, or not confirmed)
        flash(request, outcome["note"], "info")
    return RedirectResponse(f"/unit/submissions/{outcome['submission_id']}", status_code=303)


def _locked(engine: Any, unit: str) -> str | None:
    from sqlalchemy import select

    from ..store.current import current_round_id, lock_reason
    from ..store.models import Unit

    with engine.connect() as conn:
        row = conn.execute(select(Unit.id, Unit.path).where(Unit.name == unit)).first()
        return lock_reason(conn, row.id, current_round_id(conn), row.path) if row else None


def receive(state: Any, path: Path, name: str, user: dict[str, Any]) -> dict[str, Any]:
    """Validate an upload with the CLI's validator, keep the original as received, store it as a
    submission of the signed-in unit. A return filled in for another unit is refused, not stored."""
    validator = state.validator_for(pick(state.engine))  # the open round's reference date and code
    report = validate_bounded(validator, path, seconds=SECONDS)  # in a process of its own, within time and memory bounds
    sha = (report.data.sha256 if report.data else None) or hashlib.sha256(path.read_bytes()).hexdigest()
    kept = state.settings.files / "originals" / f"{sha}.xlsx"
    kept.parent.mkdir(parents=True, exist_ok=True)
    if kept.exists():
        path.unlink()
    else:
        os.replace(path, kept)
    unit = validator.roster.get(user["unit"])  # the tree as the database holds it, as the validator reads it
    if unit is None:
        return {"status": "refused", "reason": "本账号所属的单位已不在名册中，不能上传。请联系上级项目办。", "issues": []}
    if report.unit is not None and report.unit.name != unit.name:
        issues = [dict(i.as_dict(), id=n) for n, i in enumerate(report.issues)]
        return {
            "status": "refused",
            "reason": f"这份报表的填报单位是“{report.unit.name}”，不是本单位（{unit.name}）。请上传本单位的报表；代其他单位报送的，请由该单位自己上传。",
            "issues": issues,
            "sha256": sha,
        }
    if report.unit is None:
        report.unit = unit  # an unreadable or unnamed return still belongs to who sent it
    result = Importer(state.engine, validator, operator=user["username"]).store(kept, report, name=name)
    if result.submission_id is None:  # locked meanwhile, or the database was busy: nothing stored
        if result.status == "failed":
            return {"status": "failed"}
        return {"status": "refused", "reason": f"{result.note or '没有保存'}，不能再上传新的报表。", "issues": []}
    if result.stored_as and result.stored_as != sha:  # last round's file sent again: kept under this round's key too
        again = kept.with_name(f"{result.stored_as}.xlsx")
        if not again.exists():
            os.link(kept, again)
    return {"status": result.status, "submission_id": result.submission_id, "note": result.note}


@requires("unit")
async def submission(request: Request) -> Response:
    sub = own_submission(request)
    engine = request.app.state.engine
    decision = latest(engine, [sub["id"]]).get(sub["id"])
    issues = submission_issues(engine, sub["id"])
    sub["issues_count"] = len(issues)
    issues = await run_in_threadpool(shown_issues, request, sub, issues)
    mark_late(request, [sub])
    return page(request, "unit_submission.html", f"报送 {sub['id']}", sub=sub, issues=issues, decision=decision, note=None)


@requires("unit")
async def original(request: Request) -> Response:
    return original_response(request, own_submission(request))


@requires("unit")
async def feedback(request: Request) -> Response:
    from ..intake.feedback import write_feedback

    sub = own_submission(request)
    path = original_path(request, sub["sha256"])
    if not path.exists():
        raise HTTPException(404, "原文件不在服务器上，无法生成反馈表。")
    state = request.app.state
    folder = Path(tempfile.mkdtemp(prefix="feedback-", dir=state.settings.files))
    copy = folder / "return.xlsx"  # our name: the unit's file name never becomes a path
    shutil.copyfile(path, copy)

    def make() -> Path:
        validator = state.validator_for(pick(state.engine))  # as the upload was checked: the round's date and the tree
        return write_feedback(validate_bounded(validator, copy, seconds=SECONDS), validator.form, folder / "out")

    try:
        async with state.uploads.slot(str(request.session.get("sid"))):  # validated again: the same bounds as an upload
            made = await run_in_threadpool(make)
    except BaseException:
        shutil.rmtree(folder, True)
        raise
    audit(request, "feedback_download", target=str(sub["id"]))
    shown = PurePath(display_name(sub["file_name"])).stem + "-反馈表.xlsx"
    return FileResponse(made, media_type=XLSX, filename=shown, background=BackgroundTask(shutil.rmtree, folder, True))


@requires("unit")
async def my_report(request: Request) -> Response:
    user = current(request)
    audit(request, "report_view", target="unit")
    return await report_response(request, "unit", "html", unit=user["unit"])


routes = [
    Route("/unit", unit_home),
    Route("/unit/template", template),
    Route("/unit/upload", upload, methods=["POST"]),
    Route("/unit/submissions/{sid}", submission),
    Route("/unit/submissions/{sid}/original", original),
    Route("/unit/submissions/{sid}/feedback", feedback),
    Route("/unit/report", my_report),
]
