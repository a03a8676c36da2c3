"""The office's page for planned projects: a short form to check one project against the inventory,
the result with its evidence, the reviewer's 预审 decision, and the project's printable report."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..form.issues import make_issue
from ..planned.fields import normalise, planned_sheet
from ..planned.reports import project_html, write_project_report
from ..planned.reviews import DECISIONS, decide, projects
from ..planned.service import check_one
from .pages import SERVER_ERROR, flash, incident, page
from .security import OFFICE, audit, checked_form, current, requires

FORM_KEYS = (
    "project_name",
    "owner_unit",
    "nature",
    "base_system",
    "functions",
    "users",
    "scope",
    "budget",
    "deploy",
    "data_needs",
    "reuse_plan",
)


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    sheet = planned_sheet()
    rows = projects(request.app.state.engine)
    return {"fields": [sheet.by_key[k] for k in FORM_KEYS], "decisions": DECISIONS, "projects": rows, **extra}


@requires(*OFFICE)
async def planned_page(request: Request) -> Response:
    return page(request, "planned.html", "拟建项目预审", **_context(request, typed={}, result=None, problems=[]))


@requires(*OFFICE)
async def planned_check(request: Request) -> Response:
    form = await checked_form(request)
    sheet = planned_sheet()
    typed = {k: str(form.get(k, "")).strip() for k in FORM_KEYS}
    typed["users"] = "、".join(str(v) for v in form.getlist("users"))
    values, found = normalise(sheet, typed)
    problems = [
        f"{sheet.by_key[key].title}：{make_issue(code, field=key, value=value, expected=expected).message}"
        for code, key, value, expected in found
    ]
    if problems:
        return page(
            request, "planned.html", "拟建项目预审", status_code=400, **_context(request, typed=typed, result=None, problems=problems)
        )
    try:
        result = await run_in_threadpool(check_one, request.app.state.engine, values, "门户")
    except Exception:  # the long form is not lost to a fault of ours: it comes back filled in, with the number to quote
        said = SERVER_ERROR.format(ref=incident(request)) + "您填写的内容都还在下面，没有保存检查结果。"
        return page(
            request, "planned.html", "拟建项目预审", status_code=500, **_context(request, typed=typed, result=None, problems=[said])
        )
    audit(request, "planned_checked", target=str(result["id"]))
    return page(request, "planned.html", "拟建项目预审", **_context(request, typed=typed, result=result, problems=[]))


@requires(*OFFICE)
async def planned_review(request: Request) -> Response:
    form = await checked_form(request)
    pid = str(request.path_params["pid"])
    reduction_text = str(form.get("reduction", "")).strip()
    try:
        reduction = float(reduction_text) if reduction_text else None
    except ValueError:
        flash(request, f"核减金额“{reduction_text}”不是数字，请填写万元数，如 120。", "error")
        return RedirectResponse("/office/planned", status_code=303)
    try:
        decide(
            request.app.state.engine, pid, str(form.get("decision", "")), str(form.get("note", "")), current(request)["username"], reduction
        )
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        audit(request, "planned_reviewed", target=pid)
        flash(request, "预审意见已保存。")
    return RedirectResponse("/office/planned", status_code=303)


def _stored(request: Request) -> dict[str, Any]:
    pid = int(request.path_params["pid"])
    row = next((p for p in projects(request.app.state.engine, every_round=True) if p["id"] == pid), None)
    if row is None or not row["result"]:
        raise HTTPException(404, "没有这个拟建项目。")
    return row


@requires(*OFFICE)
async def planned_report(request: Request) -> Response:
    row = _stored(request)
    fmt = request.path_params["fmt"]
    if fmt == "html":
        return Response(project_html(row["result"], row["review"]), media_type="text/html; charset=utf-8")
    if fmt != "xlsx":
        raise HTTPException(404, "没有这种格式。")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = write_project_report(row["result"], Path(folder) / "report.xlsx", row["review"])
        body = path.read_bytes()
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''planned-{row['id']}.xlsx"},
    )


routes = [
    Route("/office/planned", planned_page),
    Route("/office/planned/check", planned_check, methods=["POST"]),
    Route("/office/planned/{pid:int}/review", planned_review, methods=["POST"]),
    Route("/office/planned/{pid:int}/report.{fmt}", planned_report),
]
