"""Which of a system's self-reports its evidence bears out: for each kind of evidence that supports
a value the row gives (已备案 → 等保备案证明, 省级政务云 → 上云证明 ...), whether a file of that kind is
attached and what the office found. A report never loses a system for missing evidence: "未附" is
said plainly, as the truth it is."""

from __future__ import annotations

from typing import Any

from ..form.evidence import Evidence

STATES = {"missing": "未附", "attached": "有佐证（待核验）", "checked": "有佐证（已核验）", "mismatch": "材料与所报不符"}


def evidence_status(values: dict[str, Any], attached: dict[str, str | None], ev: Evidence) -> list[dict[str, str]]:
    """For each kind the row calls for: {kind, title, field, value, state, state_name}. `attached`:
    kind -> the office's check of the system's file of that kind (None: not checked yet); the worst
    check wins when there are several."""
    out = []
    for k in ev.for_system():
        if not k.supports(values):
            continue
        state = "missing" if k.key not in attached else (attached[k.key] or "attached")
        out.append(
            {
                "kind": k.key,
                "title": k.title,
                "field": k.field or "",
                "value": str(values.get(k.field or "", "")),
                "state": state,
                "state_name": STATES[state],
            }
        )
    return out


def attached_by_system(rows: list[dict[str, Any]]) -> dict[str, dict[str, str | None]]:
    """系统编号 -> kind -> the check that counts (mismatch over unchecked over checked)."""
    rank = {"mismatch": 0, None: 1, "checked": 2}
    out: dict[str, dict[str, str | None]] = {}
    for a in rows:
        if not a["system_no"]:
            continue
        kinds = out.setdefault(a["system_no"], {})
        if a["kind"] not in kinds or rank[a["check_state"]] < rank[kinds[a["kind"]]]:
            kinds[a["kind"]] = a["check_state"]
    return out
