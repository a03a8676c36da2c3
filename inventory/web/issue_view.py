"""Problems as a page shows them: each beside the system it concerns (系统编号, 系统名称), its field's
title, an amount also in 万元, and its FAQ entry as a link (not the entry's internal id in the text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request

from ..kb.links import faq_note
from .reporting import original_path

_held: dict[str, dict[tuple[str, int], tuple[str | None, str | None]]] = {}


def _systems(path: str, form: Any) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    """Read once per original (named by its SHA-256, so what is held never goes stale)."""
    from ..intake.located import row_systems

    if path not in _held:
        try:
            found = row_systems(Path(path), form)
        except Exception:  # a file that cannot be read again: the cell alone locates its problems
            found = {}
        if len(_held) > 64:
            _held.clear()
        _held[path] = found
    return _held[path]


def shown_issues(request: Request, sub: dict[str, Any], issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    state = request.app.state
    path = original_path(request, sub["sha256"])
    systems = _systems(str(path), state.form) if path.exists() and any(i.get("row") for i in issues) else {}
    links, titles = state.faq_links(), state.field_titles
    amounts = {f.key for s in state.form.sheets for f in s.fields if f.type == "amount"}
    for i in issues:
        i["system_no"], i["system_name"] = systems.get((i.get("sheet") or "", i.get("row") or 0), (None, None))
        i["faq"] = links.get(i["code"])
        i["field_title"] = titles.get(i["field"])
        note = faq_note(i["code"])
        if i["faq"] and note and i.get("hint"):
            i["hint"] = i["hint"].replace(note, "").strip()  # the page links the entry itself
        i["amount"] = i["field"] in amounts
    return issues
