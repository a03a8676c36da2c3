"""Which part of the tree an office account sees: the node its account carries (the root when it
carries none). Every office page reads and acts inside that node's subtree; a unit, submission,
account or question outside it is answered as if it did not exist (404)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..form.roster import GOVERNMENTS, Roster, Unit
from ..store.units import tree
from .security import current


def live_roster(request: Request) -> Roster:
    """The tree as the database holds it (an office's own imported list included)."""
    return tree(request.app.state.engine)


def office_called(request: Request, office: Unit | None) -> str:
    """An office as the units it reviews are told to reach it: a 市(州)'s or 区(县)'s 项目办, a department
    by its short name (for its 下属单位), the province by the round's contact."""
    if office is None or office.parent is None:
        return str(request.app.state.form.round.get("contact", "项目办"))
    return f"{office.short_name}项目办" if office.kind in GOVERNMENTS else office.short_name


def asked_part(request: Request) -> Unit | None:
    """The lower part asked for (`?part=` a node's code, from the dashboard's and 逐级审核's links),
    found by the tree rather than by name; outside the office's part it is not found."""
    code = request.query_params.get("part", "").strip()
    if not code:
        return None
    unit = live_roster(request).by_code.get(code)
    if unit is None or not unit.within(office_node(request)):
        raise HTTPException(404, "没有这个单位")
    return unit


def office_node(request: Request) -> Unit:
    """The signed-in office's node: its account's unit, else the root (the province's office)."""
    roster = live_roster(request)
    user = current(request) or {}
    name = user.get("unit")
    node = roster.get(name) if name else None
    if name and node is None:  # its node was retired from the tree: it sees nothing rather than everything
        raise HTTPException(403, "本账号所属的单位已不在名册中，请联系上级项目办。")
    return node or roster.root


def under_path(request: Request) -> str | None:
    """The node's path for filtering by prefix; None at the root (everything, unmatched units included)."""
    node = office_node(request)
    return None if node.parent is None else node.path


def in_part(request: Request, name: str | None) -> bool:
    """Whether a unit (by name) lies in the office's part; a unit not on the roster only for the root."""
    node = office_node(request)
    if node.parent is None:
        return True
    unit = live_roster(request).get(name) if name else None
    return unit is not None and unit.within(node)


def unit_in_part(request: Request, name: str | None, what: str = "没有这个单位。") -> Unit:
    """The unit, if the office may see it; 404 otherwise."""
    unit = live_roster(request).get(name) if name else None
    if unit is None or not unit.within(office_node(request)):
        raise HTTPException(404, what)
    return unit


def node_context(request: Request) -> dict[str, Any]:
    """What every office page shows about whose part it is."""
    node = office_node(request)
    return {"node": node, "node_root": node.parent is None}
