"""核实事项 in the portal: the office opens a query on a system's finding or field and closes it
(accepted / not accepted); the unit reads the thread and answers, naming a file of evidence it sent
if it has one. The pages call `workflow.queries`, as the CLI does."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..store import attachments
from ..workflow import queries
from .pages import flash, page
from .scoping import in_part, live_roster, office_node
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


def _units_with_returns(request: Request) -> list[str]:
    """The units of the office's part with a stored return (a query asks about one of their systems):
    what the unit box suggests, the office's part only."""
    from sqlalchemy import select

    from ..store.models import ACCEPTED, Submission, Unit
    from ..store.units import in_part as in_part_sql

    q = (
        select(Unit.name)
        .join(Submission, Submission.unit_id == Unit.id)
        .where(Submission.status == ACCEPTED, in_part_sql(live_roster(request), office_node(request)))
        .distinct()
        .order_by(Unit.name)
        .limit(5000)
    )
    with request.app.state.engine.connect() as conn:
        return list(conn.scalars(q))


def _office_view(request: Request, typed: dict[str, str] | None = None, status_code: int = 200) -> Response:
    rows = [q for q in queries.listing(request.app.state.engine) if in_part(request, q["unit"])]
    units = _units_with_returns(request)
    return page(request, "queries_office.html", "核实事项", status_code, rows=rows, typed=typed or {}, units=units)


@requires(*OFFICE)
async def office_page(request: Request) -> Response:
    return await run_in_threadpool(_office_view, request)


def _unit_of_part(request: Request, name: str) -> str:
    """The unit typed in the form, if it lies in the office's part (a name outside it is not confirmed to exist)."""
    node = office_node(request)
    try:
        unit = live_roster(request).resolve(name)
    except UsageError:
        unit = None
    if unit is None or not unit.within(node):
        raise UsageError(f"本级（{node.name}）管辖范围内没有单位“{name}”。", hint="请从单位输入框的提示中选择单位全称。")
    return unit.name


@requires(*OFFICE)
async def office_open(request: Request) -> Response:
    form = await checked_form(request, max_files=0, max_fields=6)
    typed = {k: str(form.get(k, "") or "") for k in ("unit", "system", "topic", "text")}
    try:
        unit = _unit_of_part(request, typed["unit"].strip())
        queries.open_query(
            request.app.state.engine,
            unit,
            typed["system"].strip(),
            typed["topic"].strip(),
            typed["text"],
            current(request)["username"],
            request.app.state.form,
        )
    except UsageError as exc:  # the form comes back as typed, with what to fix
        flash(request, exc.message + (f"（{exc.hint}）" if exc.hint else ""), "error")
        return await run_in_threadpool(_office_view, request, typed, 400)
    flash(request, f"已向“{unit}”提出核实事项。")
    return RedirectResponse("/office/queries", status_code=303)


@requires(*OFFICE)
async def office_close(request: Request) -> Response:
    form = await checked_form(request, max_files=0, max_fields=4)
    asked = queries.listing(request.app.state.engine, query_id=_qid(request))
    if not asked or not in_part(request, asked[0]["unit"]):
        raise HTTPException(404, "没有这个核实事项。")  # another part's: not even confirmed to exist
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
