"""Sign-off in the portal: the unit's responsible person signs its return (password asked again),
prints the 承诺书 with the recorded values for the seal; the office lists signatures and reopens a
signed return with a reason (voiding the signature). The pages call `workflow.signoff`, as the CLI does."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..workflow import signoff
from .pages import flash, page, templates
from .security import HEADERS, OFFICE, address, audit, checked_form, current, requires


@requires("unit")
async def unit_page(request: Request) -> Response:
    user = current(request)
    st = signoff.status(request.app.state.engine, user["unit"])
    return page(request, "signoff.html", "签署承诺书", unit=user["unit"], st=st)


@requires("unit")
async def sign(request: Request) -> Response:
    user = current(request)
    form = await checked_form(request, max_files=0, max_fields=5)
    try:
        done = await run_in_threadpool(
            signoff.sign,
            request.app.state.engine,
            user["id"],
            str(form.get("password", "")),
            str(form.get("name", "")),
            str(form.get("role", "")),
            address(request),
        )
    except UsageError as exc:
        flash(request, exc.message + (f"{exc.hint}" if exc.hint else ""), "error")
        return RedirectResponse("/unit/signoff", status_code=303)
    flash(request, f"已签署（{done['signed_at']} 北京时间）。本轮报表已锁定；请打印承诺书，盖章后按要求报送。")
    return RedirectResponse("/unit/signoff", status_code=303)


def _one(request: Request) -> dict[str, Any]:
    try:
        return signoff.signoff(request.app.state.engine, int(request.path_params["sid"]))
    except (ValueError, UsageError):
        raise HTTPException(404, "没有这条签署记录。") from None


def _letter(request: Request, s: dict[str, Any]) -> Response:
    audit(request, "signoff_letter", target=str(s["id"]))
    ctx = {"s": s, "title": "承诺书", "round_name": s["round"] or request.app.state.form.round.get("name", "")}
    return templates.TemplateResponse(request, "signoff_letter.html", ctx, headers=HEADERS)


@requires("unit")
async def unit_letter(request: Request) -> Response:
    s = _one(request)
    if s["unit"] != current(request)["unit"]:
        raise HTTPException(404, "没有这条签署记录。")  # another unit's: not even confirmed to exist
    return _letter(request, s)


@requires(*OFFICE)
async def office_list(request: Request) -> Response:
    rows = signoff.history(request.app.state.engine)
    return page(request, "signoffs.html", "签署记录", rows=rows)


@requires(*OFFICE)
async def office_letter(request: Request) -> Response:
    return _letter(request, _one(request))


@requires(*OFFICE)
async def office_void(request: Request) -> Response:
    s = _one(request)
    form = await checked_form(request, max_files=0, max_fields=3)
    try:
        signoff.reopen(request.app.state.engine, s["unit"], str(form.get("reason", "")), current(request)["username"], address(request))
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"已重新打开“{s['unit']}”的报表，签署作废；单位可以重新上传并再次签署。")
    return RedirectResponse("/office/signoffs", status_code=303)


routes = [
    Route("/unit/signoff", unit_page),
    Route("/unit/signoff", sign, methods=["POST"]),
    Route("/unit/signoff/{sid}/letter", unit_letter),
    Route("/office/signoffs", office_list),
    Route("/office/signoffs/{sid}/letter", office_letter),
    Route("/office/signoffs/{sid}/void", office_void, methods=["POST"]),
]
