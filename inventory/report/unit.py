"""Each unit's own assessment report: its systems with score and recommendation, its findings by
kind with what to do and why, its returns, the duplicates it shares with other units, and a
summary written from the figures. What the office sends back to every unit after a round."""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from typing import Any

from ..assess import Finding, System
from ..beijing import iso
from ..errors import UsageError
from .coverage import share
from .data import ReportData, settled
from .inventory import inventory_report

RECOMMENDATIONS = ("保留", "整合", "迁移上云", "升级改造", "关停下线")
DUPLICATES = ("FIND_DUPLICATE_BUILD", "FIND_DUPLICATE_REPORT", "FIND_DUPLICATE_POSSIBLE")  # a lead once confirmed


class UnitReports:
    """The data every unit report draws on, computed once for the round (so `--all` costs one pass)."""

    def __init__(self, r: ReportData) -> None:
        self.r = r
        self._members: dict[int, dict[str, list[System]]] = {}

    @cached_property
    def systems(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for s in inventory_report(self.r)["systems"]:
            out.setdefault(s["unit"], []).append(s)
        return out

    @cached_property
    def findings(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for f in settled(self.r):
            for unit in self.members(f) if f.about else [f.unit]:
                out.setdefault(unit or "", []).append(f)
        return out

    def members(self, f: Finding) -> dict[str, list[System]]:
        """A finding's systems by unit, worked out once (a duplicate group can hold thousands)."""
        key = id(f)
        hit = self._members.get(key)
        if hit is None:
            hit = self._members[key] = {}
            for s in f.about:
                hit.setdefault(s.unit, []).append(s)
        return hit

    @cached_property
    def issues(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for i in self.r.latest_issues():
            out.setdefault(i["unit"], []).append(i)
        return out

    @cached_property
    def decisions(self) -> dict[str, list[dict[str, Any]]]:
        """unit -> the office's decisions on its systems that hold this round (carried from earlier ones)."""
        from ..workflow.dispositions import latest

        out: dict[str, list[dict[str, Any]]] = {}
        for d in latest(self.r.engine, self.r.round["id"] if self.r.round else None).values():
            out.setdefault(d["unit"], []).append(d)
        return out

    @cached_property
    def changes(self) -> dict[str, Any] | None:
        """The change report from the previous round to this one (None in the first round)."""
        from ..workflow.rounds import previous
        from .changes import changes_report

        before = previous(self.r.engine, self.r.round["id"]) if self.r.round else None
        if before is None:
            return None
        return changes_report(self.r.engine, before["key"], self.r.round["key"], self.r.form)

    def unit_changes(self, name: str) -> dict[str, Any] | None:
        """What changed for one unit since the previous round, and how its decisions were carried out."""
        c = self.changes
        if c is None:
            return None
        entry = next((u for u in c["units"] if u["unit"] == name), None)
        return {
            "from": c["from"]["name"],
            "entry": entry,
            "first_time": any(u["unit"] == name for u in c["first_time"]),
            "not_resubmitted": next((u["systems"] for u in c["not_resubmitted"] if u["unit"] == name), None),
            "decisions": [d for d in c["decisions"] if d["unit"] == name],
        }

    def prepare(self) -> None:
        """Everything the reports share, worked out now (then writing each unit's needs no database)."""
        _ = self.systems, self.findings, self.issues, self.r.states, self.decisions, self.changes

    def names(self, unit: str | None) -> list[str]:
        """The units asked for: one by any of its names, or every unit in scope."""
        if unit is None:
            return [name for name, st in self.r.states.items() if st.submissions]
        found = self.r.roster.resolve(unit)
        self.r.board.scope.check_visible(found)
        if found.name not in self.r.states and self.r.board.scope.is_office(found):
            raise UsageError(
                f"“{found.name}”在本轮是项目办（收集下级的报表），没有自己的报表。",
                hint=f"查看它那一部分请用 inventory report coverage --under {found.short_name}。",
            )
        if found.name not in self.r.states:
            raise UsageError(f"单位“{found.name}”不在本次统计范围内。")
        return [found.name]

    def report(self, name: str) -> dict[str, Any]:
        r, st = self.r, self.r.states[name]
        meta = r.rules["findings"]
        systems = self.systems.get(name, [])
        findings = self.findings.get(name, [])
        by_kind: dict[str, list[Finding]] = {}
        for f in findings:
            by_kind.setdefault(f.code, []).append(f)
        kinds = [
            {
                "code": code,
                "title": meta[code]["title"],
                "severity": meta[code]["severity"],
                "count": len(items),
                "action": meta[code].get("action", ""),
                "basis": meta[code].get("basis", ""),
                "items": [
                    {"id": f.id, "system": _own(f, self.members(f).get(name, [])), "message": f.message, "evidence": f.evidence}
                    | ({"review": f.review} if f.review else {})
                    for f in items
                ],
            }
            for code, items in sorted(by_kind.items(), key=lambda kv: (meta[kv[0]]["severity"] != "error", -len(kv[1]), kv[0]))
        ]
        fig = _figures(systems, findings, st.latest)
        changes = self.unit_changes(name)
        return {
            "generated_at": r.generated_at,
            "as_of": r.as_of.isoformat(),
            "round": r.round_name,
            "deadline": r.deadline.isoformat() if r.deadline else None,
            "unit": {"name": name, "short_name": st.unit.short_name, "kind": st.unit.kind, "group": st.unit.group, "pilot": st.unit.pilot},
            "status": st.status,
            "figures": fig,
            "summary": summary(st.unit.short_name, st.status, fig, r, changes),
            "decisions": self.decisions.get(name, []),
            "changes": changes,
            "submissions": [_submission(s) for s in st.submissions],
            "issues": self.issues.get(name, []),
            "systems": [_system(s, meta) for s in systems],
            "findings": kinds,
            "shared_duplicates": [_shared(f, name, self.members(f), meta) for f in findings if f.code in DUPLICATES],
            "evidence": _evidence(r, name, systems),
            "open_queries": _open_queries(r, name),
        }


def _own(f: Finding, systems: list[System]) -> str | None:
    """The finding's system as this unit knows it (`systems`: the unit's own members of a group), not the group's first."""
    mine = list(dict.fromkeys(s.name for s in systems))
    return "、".join(mine) if mine else f.system


def _system(s: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    v = s["values"]
    return {
        "system_no": v.get("system_no"),
        "system_name": v.get("system_name"),
        "owner_unit": v.get("owner_unit"),
        "status": v.get("status"),
        "deploy_location": v.get("deploy_location"),
        "mlps_level": v.get("mlps_level"),
        "score": s["score"],
        "recommendation": s["recommendation"],
        "why": s["why"],
        "findings": [meta[c]["title"] for c in s["findings"]],
        "row": s["row"],
    }


OTHERS_LISTED = 30  # systems of the other units named in a unit's report (all their units are named)


def _shared(f: Finding, name: str, by_unit: dict[str, list[System]], meta: dict[str, Any]) -> dict[str, Any]:
    other_units = sorted(u for u in by_unit if u != name)
    others = [s for u in other_units for s in by_unit[u][:OTHERS_LISTED]][:OTHERS_LISTED]
    return {
        "id": f.id,
        "code": f.code,
        "title": meta[f.code]["title"],
        "systems": [s.name for s in by_unit.get(name, [])],
        "other_units": other_units,
        "others": [{"unit": s.unit, "owner_unit": s.owner, "system_name": s.name} for s in others],
        "others_total": sum(len(by_unit[u]) for u in other_units),
        "message": f.message,
    }


def _figures(systems: list[dict[str, Any]], findings: list[Finding], latest: Any) -> dict[str, Any]:
    recs = Counter(s["recommendation"] for s in systems)
    scores = [s["score"] for s in systems]
    return {
        "systems": len(systems),
        "findings": len(findings),
        "findings_error": sum(1 for f in findings if f.severity == "error"),
        "systems_with_findings": sum(1 for s in systems if s["findings"]),
        "average_score": round(sum(scores) / len(scores), 1) if scores else None,
        "recommendations": {k: recs[k] for k in RECOMMENDATIONS if recs.get(k)},
        "shared_duplicates": sum(1 for f in findings if f.code in DUPLICATES),
        "errors": latest.errors if latest else 0,
        "warnings": latest.warnings if latest else 0,
        "completeness": share(latest.completeness or 0.0, 1) if latest else 0.0,
    }


def summary(short: str, status: str, fig: dict[str, Any], r: ReportData, changes: dict[str, Any] | None = None) -> str:
    """A paragraph the unit can read first, written from its figures only."""
    if status == "not_submitted":
        if r.deadline and r.deadline >= r.today:
            due = f"请于 {r.deadline.isoformat()} 前报送"
        elif r.deadline:
            due = f"报送截止日期 {r.deadline.isoformat()} 已过，请尽快报送"
        else:
            due = "请尽快报送"
        before = changes.get("not_resubmitted") if changes else None
        known = f"（上一轮已报送 {before} 个系统，可在上一轮报表的基础上核对修改）" if before else ""
        return f"截至 {r.today.isoformat()}，{short}尚未报送本轮摸底评估表{known}，{due}。"
    parts = []
    if status == "rejected":
        parts.append(f"{short}最近一次报送有 {fig['errors']} 处错误，未通过校验，请按问题清单修改后重新报送；以下评估以已入库的报送为准。")
    if not fig["systems"]:
        parts.append("本单位目前没有已入库的系统，暂无评估结果。")
        return "".join(parts)
    parts.append(f"{short}本轮共报送系统 {fig['systems']} 个，平均综合评分 {fig['average_score']} 分。")
    if fig["findings"]:
        parts.append(f"评估发现 {fig['findings']} 条，涉及 {fig['systems_with_findings']} 个系统")
        parts.append(f"，其中需优先处理的 {fig['findings_error']} 条。" if fig["findings_error"] else "。")
    else:
        parts.append("未发现需要处置的问题。")
    recs = [f"{k} {n} 个" for k, n in fig["recommendations"].items() if k != "保留"]
    if recs:
        parts.append(f"处置建议：{'，'.join(recs)}；其余系统建议保留。")
    if fig["shared_duplicates"]:
        parts.append(f"有 {fig['shared_duplicates']} 组系统与其他单位的系统疑似重复，请与相关单位核实是否整合或共用。")
    if fig["warnings"]:
        parts.append(f"报送中另有 {fig['warnings']} 条提醒，建议核对。")
    return "".join(parts)


def _open_queries(r: ReportData, name: str) -> list[dict[str, Any]]:
    """The office's queries still waiting on this unit (`workflow.queries`), whatever round they were opened in."""
    from ..workflow.queries import listing

    return [
        {k: q[k] for k in ("id", "system_no", "system_name", "topic", "topic_name", "state", "state_name", "opened_at")}
        | {"asked": q["thread"][0]["text"]}
        for q in listing(r.engine, name, open_only=True)
    ]


def _evidence(r: ReportData, name: str, systems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per system, the evidence its row calls for and what is attached (`assess.evidence`)."""
    from ..assess.evidence import attached_by_system, evidence_status
    from ..form.evidence import load_evidence
    from ..store.attachments import listing

    ev = load_evidence()
    attached = attached_by_system(listing(r.engine, name, r.round["id"] if r.round else None, current=False))
    out = []
    for s in systems:
        v = s["values"]
        for e in evidence_status(v, attached.get(v.get("system_no") or "", {}), ev):
            out.append({"system_no": v.get("system_no"), "system_name": v.get("system_name"), **e})
    return out


def _submission(s: Any) -> dict[str, Any]:
    return {
        "id": s.id,
        "file_name": s.file_name,
        "received_at": iso(s.received_at, "seconds"),
        "status": s.status,
        "systems": s.systems,
        "errors": s.errors,
        "warnings": s.warnings,
    }
