"""The office's accounts: the admin's list of project-office accounts in its part of the tree, a new
one for a node of that part, and stopping an account (a unit's, or for an admin an office's)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..store import accounts
from ..store.audit import ROLE_NAMES
from .pages import flash, page
from .scoping import in_part, live_roster, office_node, under_path
from .security import OFFICE, audit, checked_form, current, requires


@requires(*OFFICE)
async def revoke(request: Request) -> Response:
    await checked_form(request)
    engine, user = request.app.state.engine, current(request)
    target = next((a for a in accounts.accounts(engine) if a["id"] == request.path_params["aid"]), None)
    if target is None or not in_part(request, target["unit"]):  # an account of another part: as if it did not exist
        raise HTTPException(404, "没有这个账号。")
    if target["role"] != "unit" and user["role"] != "admin":
        raise HTTPException(403, "只有管理员可以停用项目办账号。")
    if target["id"] == user["id"]:
        flash(request, "不能停用自己的账号。", "error")
    else:
        accounts.revoke(engine, target["id"])
        audit(request, "account_revoked", target=target["username"])
        flash(request, f"账号“{target['username']}”已停用，其登录码作废，已登录的会话随即失效。")
    return RedirectResponse("/office/units" if target["role"] == "unit" else "/office/accounts", status_code=303)


def _staff(request: Request) -> list[dict[str, Any]]:
    """Office accounts of the admin's part: those whose node lies in it (the province's only at the root)."""
    root = under_path(request) is None
    return [
        a
        for a in accounts.accounts(request.app.state.engine)
        if a["role"] != "unit" and (root if a["unit"] is None else in_part(request, a["unit"]))
    ]


@requires("admin")
async def staff(request: Request) -> Response:
    offices = [u for u in live_roster(request).subtree(office_node(request)) if u.is_government or live_roster(request).children(u)]
    asked = request.query_params.get("node", "")  # from 逐级审核: a lower office without an account of its own
    chosen = next((u for u in offices if u.code == asked), office_node(request))
    return page(
        request, "accounts.html", "项目办账号", staff=_staff(request), offices=offices[:2000], node=office_node(request), chosen=chosen
    )


@requires("admin")
async def add_staff(request: Request) -> Response:
    form = await checked_form(request)
    role = str(form.get("role", ""))
    try:
        if role not in OFFICE:
            raise UsageError("角色只能是审核人或管理员。")
        node = office_node(request)
        chosen = str(form.get("node", "")).strip()
        if chosen and chosen != node.code:  # a node of its own part only
            wanted = live_roster(request).by_code.get(chosen)
            if wanted is None or not wanted.within(node):
                raise UsageError("只能为本级及下级单位新建项目办账号。")
            node = wanted
        unit = None if node.parent is None else node.name
        made = await run_in_threadpool(
            accounts.create_account,
            request.app.state.engine,
            str(form.get("username", "")),
            role,
            unit,
            str(form.get("password", "")),
            must_change=True,  # a password someone else chose is changed at first sign-in
        )
    except UsageError as exc:
        flash(request, exc.message, "error")
    else:
        audit(request, "account_created", target=made["username"], detail=f"{ROLE_NAMES[role]}，{node.name}")
        flash(request, f"已创建账号“{made['username']}”（{node.name}）。请把初始密码告知本人，对方第一次登录时须改成自己的密码。")
    return RedirectResponse("/office/accounts", status_code=303)


routes = [
    Route("/office/accounts/{aid:int}/revoke", revoke, methods=["POST"]),
    Route("/office/accounts", staff, methods=["GET"]),
    Route("/office/accounts", add_staff, methods=["POST"]),
]
