"""Units and their accounts on the office's pages: the units of its part with their state and
account, found by name and state, a page at a time; login codes issued one at a time or for many
at once, shown on a page of their own (post, redirect, get: reloading shows the same codes, it never
issues new ones)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..store import accounts
from ..store.models import Unit
from ..workflow.states import STATE_NAMES
from .office_routes import _unit_name
from .pages import flash, page
from .reporting import memo
from .scoping import asked_part, in_part, live_roster
from .security import OFFICE, audit, checked_form, current, requires
from .unit_routes import display_name

PAGE_SIZE = 100
ISSUED_MINUTES = 30  # how long the page of issued codes can be reloaded


def _units(request: Request) -> list[dict[str, Any]]:
    engine = request.app.state.engine
    cov = memo(request, "coverage", lambda r: r.coverage())  # the office's part only
    with engine.connect() as conn:
        rows = {r.name: r for r in conn.execute(select(Unit.name, Unit.id, Unit.contact_name, Unit.contact_phone, Unit.contact_email))}
    by_unit = {a["unit"]: a for a in accounts.accounts(engine) if a["role"] == "unit"}
    out = []
    for u in cov["units"]:
        row = rows.get(u["unit"])
        out.append(
            {
                "unit": u["unit"],
                "kind": u["kind"],
                "kind_name": u["kind_name"],
                "state": u["state"],
                "state_name": u["state_name"],
                "reason": u["reason"],
                "short_name": u["short_name"],
                "late": u["late"],
                "unit_id": row.id if row else None,
                "account": by_unit.get(u["unit"]),
                "contact": {"name": row.contact_name, "phone": row.contact_phone, "email": row.contact_email} if row else {},
            }
        )
    return out


@requires(*OFFICE)
async def units(request: Request) -> Response:
    rows = await run_in_threadpool(_units, request)
    q, state = request.query_params.get("q", "").strip(), request.query_params.get("state", "")
    state = {name: key for key, name in STATE_NAMES.items()}.get(state, state)  # 免报 as typed, or exempt as the list sends it
    part = asked_part(request)  # a lower office's part, from 逐级审核: what its units' states and reasons are
    if part is not None:
        inside = {u.name for u in live_roster(request).subtree(part)}
        rows = [u for u in rows if u["unit"] in inside]
    if q:
        rows = [u for u in rows if q in u["unit"] or q in u["short_name"]]
    if state:
        rows = [u for u in rows if u["state"] == state]
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    number = min(number, pages)
    shown = rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return page(request, "units.html", "单位与账号", units=shown, total=len(rows), number=number, pages=pages, q=q, state=state, part=part)


def _issue(request: Request, name: str) -> dict[str, Any]:
    engine, who = request.app.state.engine, current(request)["username"]
    existing = next((a for a in accounts.accounts(engine) if a["role"] == "unit" and a["unit"] == name), None)
    issued = accounts.reset_password(engine, existing["id"], who) if existing else accounts.issue_code(engine, name, who)
    audit(request, "code_issued", target=name)
    return issued


def _keep(request: Request, issued: list[dict[str, Any]]) -> Response:
    """The codes, kept in the office's own session for the page that shows them (never re-issued on reload)."""
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=ISSUED_MINUTES)).isoformat()
    request.session["issued"] = {"until": until, "codes": [{k: i[k] for k in ("unit", "username", "code", "expires_at")} for i in issued]}
    return RedirectResponse("/office/units/issued", status_code=303)


@requires(*OFFICE)
async def issue_code(request: Request) -> Response:
    name = _unit_name(request)
    await checked_form(request)
    return _keep(request, [await run_in_threadpool(_issue, request, name)])


@requires(*OFFICE)
async def issue_codes(request: Request) -> Response:
    form = await checked_form(request)
    wanted = [int(v) for v in form.getlist("uid") if str(v).isdigit()][:500]
    with request.app.state.engine.connect() as conn:
        names = [n for (n,) in conn.execute(select(Unit.name).where(Unit.id.in_(wanted)))] if wanted else []
    names = [n for n in names if in_part(request, n)]  # another part's units are silently not there
    if not names:
        flash(request, "请先勾选要发登录码的单位。", "error")
        return RedirectResponse("/office/units", status_code=303)
    return _keep(request, [await run_in_threadpool(_issue, request, n) for n in names])


@requires(*OFFICE)
async def issued(request: Request) -> Response:
    held = request.session.get("issued") or {}
    if not held or held.get("until", "") < dt.datetime.now(dt.UTC).isoformat():
        request.session.pop("issued", None)
        flash(request, "登录码只在发出后的半小时内显示；如已遗失，请重新发登录码。", "info")
        return RedirectResponse("/office/units", status_code=303)
    base = request.app.state.settings.public_url or str(request.base_url).rstrip("/")
    return page(request, "issued.html", "已发登录码", codes=held["codes"], portal=base + "/login")


@requires(*OFFICE)
async def unit_files(request: Request) -> Response:
    """Every file a unit sent (its originals as received, each under its own name and number), as one zip."""
    import io
    import zipfile
    from urllib.parse import quote

    from ..workflow.reviews import submission_rows
    from .reporting import original_path

    name = _unit_name(request)
    rows = submission_rows(request.app.state.engine, name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for r in rows:
            path = original_path(request, r["sha256"])
            if path.exists():
                zf.write(path, f"{r['id']:05d}-{display_name(r['file_name'])}")
    audit(request, "original_download", target=name, detail=f"全部 {len(rows)} 份（zip）")
    shown = quote(f"{name}-报送文件.zip")
    headers = {"Content-Disposition": f"attachment; filename=\"files.zip\"; filename*=UTF-8''{shown}"}
    return Response(buffer.getvalue(), media_type="application/zip", headers=headers)


routes = [
    Route("/office/units", units),
    Route("/office/units/issued", issued),
    Route("/office/units/codes", issue_codes, methods=["POST"]),
    Route("/office/units/{uid}/code", issue_code, methods=["POST"]),
    Route("/office/units/{uid}/files.zip", unit_files),
]
