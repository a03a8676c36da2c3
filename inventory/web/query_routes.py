"""核实事项 in the portal: the office opens a query on a system's finding or field and closes it
(accepted / not accepted); the unit reads the thread and answers, naming a file of evidence it sent
if it has one. The pages call `workflow.queries`, as the CLI does."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..store import attachments
from ..workflow import queries
from .pages import flash, page
from .security import OFFICE, checked_form, current, requires


def _qid(request: Request) -> int:
    try:
        return int(request.path_params["qid"])
    except ValueError:
        raise HTTPException(404, "没有这个核实事项。") from None


@requires("unit")
async def unit_page(request: Request) -> Response:
    user = current(request)
    engine = request.app.state.engine
    rows = queries.listing(engine, user["unit"])
    files = attachments.listing(engine, user["unit"])
    return page(request, "queries_unit.html", "核实事项", rows=rows, files=files)


@requires("unit")
async def unit_answer(request: Request) -> Response:
    user = current(request)
    form = await checked_form(request, max_files=0, max_fields=4)
    raw = str(form.get("attachment", "") or "")
    own = {a["id"] for a in attachments.listing(request.app.state.engine, user["unit"])}
    attachment = int(raw) if raw.isdigit() and int(raw) in own else None  # only a file of its own
    try:
        queries.answer(request.app.state.engine, _qid(request), user["unit"], str(form.get("text", "")), user["username"], attachment)
    except UsageError as exc:
        if "没有编号" in exc.message:
            raise HTTPException(404, "没有这个核实事项。") from None  # another unit's: not even confirmed to exist
        flash(request, exc.message + (f"（{exc.hint}）" if exc.hint else ""), "error")
    else:
        flash(request, "已答复，等待项目办审核。")
    return RedirectResponse("/unit/queries", status_code=303)


@requires(*OFFICE)
async def office_page(request: Request) -> Response:
    rows = queries.listing(request.app.state.engine)
    return page(request, "queries_office.html", "核实事项", rows=rows)


@requires(*OFFICE)
async def office_open(request: Request) -> Response:
    form = await checked_form(request, max_files=0, max_fields=6)
    try:
        unit = request.app.state.roster.resolve(str(form.get("unit", "")).strip()).name
        queries.open_query(
            request.app.state.engine,
            unit,
            str(form.get("system", "")).strip(),
            str(form.get("topic", "")).strip(),
            str(form.get("text", "")),
            current(request)["username"],
            request.app.state.form,
        )
    except UsageError as exc:
        flash(request, exc.message + (f"（{exc.hint}）" if exc.hint else ""), "error")
    else:
        flash(request, f"已向“{unit}”提出核实事项。")
    return RedirectResponse("/office/queries", status_code=303)


@requires(*OFFICE)
async def office_close(request: Request) -> Response:
    form = await checked_form(request, max_files=0, max_fields=4)
    try:
        queries.close(
            request.app.state.engine,
            _qid(request),
            form.get("verdict") == "accepted",
            str(form.get("note", "")),
            current(request)["username"],
        )
    except UsageError as exc:
        flash(request, exc.message + (f"（{exc.hint}）" if exc.hint else ""), "error")
    else:
        flash(request, "已关闭核实事项。")
    return RedirectResponse("/office/queries", status_code=303)


routes = [
    Route("/unit/queries", unit_page),
    Route("/unit/queries/{qid}/answer", unit_answer, methods=["POST"]),
    Route("/office/queries", office_page),
    Route("/office/queries", office_open, methods=["POST"]),
    Route("/office/queries/{qid}/close", office_close, methods=["POST"]),
]
