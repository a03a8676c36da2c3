"""Approval up the tree on the office's pages: the office's own state and its direct children's,
and the steps the library takes (approve a child's return or part, send it back or exempt it with a
reason, include it again, reopen it, submit the office's own part upward once every child is done).
Each step is `workflow.approvals.Steps`, the same as `inventory review ...`."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import UsageError
from ..store import accounts
from ..workflow.approvals import ACTIONS, Steps, exemption_warning, waiting_for, whole_part_note
from ..workflow.rounds import pick
from ..workflow.states import STATE_HELP, Board
from .pages import flash, page
from .scoping import live_roster, office_node
from .security import OFFICE, address, checked_form, current, requires


@requires(*OFFICE)
async def levels(request: Request) -> Response:
    engine, roster, node = request.app.state.engine, live_roster(request), office_node(request)
    round_ = pick(engine)

    def read() -> dict[str, Any]:
        board = Board(engine, roster, round_, node)
        statuses = board.statuses
        own = statuses.get(node.name)
        steps = Steps(engine, roster, round_, node)
        children = [statuses[k.name] for k in board.scope.children(node) if k.name in statuses]
        staffed = {a["unit"] for a in accounts.accounts(engine) if a["role"] in OFFICE and a["active"]}
        return {
            "own": own,
            "children": children,
            "unstaffed": {c.unit.code for c in children if c.office and c.unit.name not in staffed},  # nobody there to review its part
            "above": board.scope.reviewer(node),
            "locked": steps.frozen(node),  # nothing in the part may change: no step is offered on it
            "locked_above": steps.frozen_above(node),  # the level above is frozen: no withdrawal
            "waiting": waiting_for(board, own) if own is not None and own.office and not own.complete else None,
        }

    seen = await run_in_threadpool(read)
    own, above = seen["own"], seen["above"]
    return page(
        request,
        "levels.html",
        "逐级审核",
        own=own,
        children=seen["children"],
        unstaffed=seen["unstaffed"],
        locked=seen["locked"],
        locked_above=seen["locked_above"],
        waiting=seen["waiting"],
        node=node,
        parent=roster.parent_of(node),
        round=round_,
        actions=ACTIONS,
        state_help=STATE_HELP,
        from_above=own.from_above if own else None,  # the level above's word when it sent the part back or reopened it
        above=above.name if above else None,
        on_levels=True,
    )


def _steps(request: Request, engine: Any, roster: Any, node: Any) -> Steps:
    """The signed-in office's steps, logged with its account, role and address as every portal action is."""
    user = current(request)
    return Steps(engine, roster, pick(engine), node, user["username"], role=user["role"], address=address(request))


@requires(*OFFICE)
async def step(request: Request) -> Response:
    action = request.path_params["action"]
    roster, node = live_roster(request), office_node(request)
    target = roster.by_code.get(request.path_params["code"])
    if target is None or not target.within(node) or action not in ACTIONS:
        raise HTTPException(404, "没有这个单位。")  # another part's unit is not even confirmed to exist
    form = await checked_form(request)
    reason = str(form.get("reason", ""))
    if action == "exempt" and target.code != node.code and reason.strip() and (said := _before_exempting(roster, [target], reason)):
        return page(request, "exempt_confirm.html", "确认同意免报", units=[target], reason=reason, node=node, on_levels=True, said=said)
    engine = request.app.state.engine
    steps = _steps(request, engine, roster, node)

    def take() -> object:
        if action == "submit":
            if target.code != node.code:
                raise UsageError("只能把本级的部分报上级审核。")
            return steps.submit()
        if target.code == node.code and action != "reopen":
            raise UsageError("本级的部分由上级项目办审核。")
        return {
            "approve": lambda: steps.approve(target, reason.strip() or None),
            "return": lambda: steps.send_back(target, reason),
            "exempt": lambda: steps.exempt(target, reason),
            "include": lambda: steps.include(target),
            "reopen": lambda: steps.reopen(target, reason),
        }[action]()

    try:
        st = await run_in_threadpool(take)
    except UsageError as exc:
        flash(request, exc.message + (f"（{exc.hint}）" if exc.hint else ""), "error")
    else:
        flash(request, f"{target.name}：{ACTIONS[action]}，现在是“{st.state_name}”。")  # type: ignore[attr-defined]

    return RedirectResponse("/office/levels", status_code=303)


def _before_exempting(roster: Any, targets: list[Any], reason: str) -> list[str]:
    """What the office should read before an exemption takes effect: an office's whole part goes with
    it; a reason that reads like a late unit. Empty when there is nothing to ask."""
    said = [note for t in targets if (note := whole_part_note(roster, t))]
    if warned := exemption_warning(reason):
        said.append(warned)
    return said


@requires(*OFFICE)
async def exempt_many(request: Request) -> Response:
    """Several direct children exempted with one reason (a county's offices without systems). The
    first post shows what is about to be exempted; the confirmed one takes the steps, each the same
    step as alone: one that may not take it is named with why, the others are done."""
    roster, node = live_roster(request), office_node(request)
    form = await checked_form(request)
    reason = str(form.get("reason", ""))
    targets = [roster.by_code.get(str(code)) for code in form.getlist("unit")]
    if any(t is None or not t.within(node) for t in targets):
        raise HTTPException(404, "没有这个单位。")
    if not targets:
        flash(request, "请先勾选要同意免报的单位。", "error")
        return RedirectResponse("/office/levels", status_code=303)
    if not reason.strip():  # said once, not once per ticked unit
        flash(request, f"免报须写明理由：勾选的 {len(targets)} 个单位都没有改动，请填写理由后重新勾选提交。", "error")
        return RedirectResponse("/office/levels", status_code=303)
    if form.get("confirmed") != "1":  # nothing changes until the office has seen the list
        said = _before_exempting(roster, targets, reason)
        return page(request, "exempt_confirm.html", "确认同意免报", units=targets, reason=reason, node=node, on_levels=True, said=said)
    steps = _steps(request, request.app.state.engine, roster, node)

    def take() -> tuple[list[str], list[str]]:
        done, refused = [], []
        for target in targets:
            try:
                steps.exempt(target, reason)
                done.append(target.name)
            except UsageError as exc:
                refused.append(f"{target.name}（{exc.message}）")
        return done, refused

    done, refused = await run_in_threadpool(take)
    if done:
        flash(request, f"已同意免报 {len(done)} 个：{'、'.join(done)}。")
    if refused:
        flash(request, f"未办 {len(refused)} 个：{'；'.join(refused)}", "error")
    return RedirectResponse("/office/levels", status_code=303)


routes = [
    Route("/office/levels", levels),
    Route("/office/levels/exempt-many", exempt_many, methods=["POST"]),
    Route("/office/levels/{code}/{action}", step, methods=["POST"]),
]
