"""Self-reports checked against the lists the province holds: systems a list puts under a unit that
the unit did not report (漏报 candidates), systems reported on 政务云 that the tenancy list lacks,
filings reported that the filing list lacks, and amounts far from the project library's.

The lists come in as plain rows (see `inventory.store.references`); a check runs only when its list
has been loaded, so an empty list never makes every system look wrong."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..form.normalize import clean_text
from .duplicates import name_reader
from .findings import applies_to, system_subject
from .model import Finding, System

KIND_TITLES = {"cloud": "政务云租户台账", "mlps": "等保备案清单", "projects": "项目库"}


class _Index:
    """Systems by unit (the return's unit and the owner unit) and, within a unit, by number and name."""

    def __init__(self, systems: list[System], roster: Any) -> None:
        self.reader = name_reader(roster)
        self.roster = roster
        self.by_unit: dict[str, list[System]] = defaultdict(list)
        for s in systems:
            for u in {clean_text(s.unit), clean_text(s.owner)}:
                self.by_unit[u].append(s)

    def unit_of(self, text: str | None) -> str | None:
        """The roster unit a list's unit text belongs to: by name or alias, or a city by its name in front."""
        if not text:
            return None
        m = self.roster.match(text)
        if m.unit is not None:
            return m.unit.name
        key = clean_text(text)
        for u in self.roster:
            if u.is_city and key.startswith(clean_text(u.short_name)):
                return u.name
        return None

    def candidates(self, unit_text: str | None) -> list[System]:
        key = clean_text(unit_text or "")
        found = list(self.by_unit.get(key, []))
        roster_unit = self.unit_of(unit_text)
        if roster_unit and not found:
            found = self.by_unit.get(clean_text(roster_unit), [])
        return found

    def closeness(self, s: System, name: str | None, number: str | None) -> int:
        """2: the same number or the same name; 1: the same business words (prefixes, order and generic
        words aside); 0: not the same system."""
        if number and s.values.get("system_no") and str(s.values["system_no"]).strip() == number.strip():
            return 2
        if not name:
            return 0
        a, b = self.reader.read(s.name), self.reader.read(name)
        if a.full == b.full and a.tags == b.tags:  # （移动端） names another system
            return 2
        return 1 if a.words and a.words == b.words else 0

    def covers(self, rows: list[dict[str, Any]]) -> Any:
        """Whether a list speaks about a system's unit at all: a list that never names a unit (a
        partial list, another level's cloud) says nothing about that unit's systems."""
        units = {self.unit_of(r.get("unit")) for r in rows} - {None}
        texts = {clean_text(r.get("unit") or "") for r in rows}
        return lambda s: s.unit in units or clean_text(s.owner) in texts

    def matches(self, row: dict[str, Any]) -> list[System]:
        """The unit's systems a list row names: those with its number or exact name (two systems of one
        name are both named); only when there are none, those with the same business words."""
        scored = [(self.closeness(s, row.get("system_name"), row.get("system_no")), s) for s in self.candidates(row.get("unit"))]
        best = max((c for c, _ in scored), default=0)
        return [s for c, s in scored if c == best] if best else []

    def match(self, row: dict[str, Any]) -> System | None:
        found = self.matches(row)
        return found[0] if found else None


def _where(row: dict[str, Any]) -> str:
    return f"{row.get('source') or ''} 第 {row.get('row')} 行".strip()


def _num(v: Any) -> float | None:
    try:
        return float(str(v).replace(",", "")) if v not in (None, "") and not isinstance(v, bool) else None
    except ValueError:
        return None


LEVEL_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def _level(v: Any) -> int | None:
    """A protection level as a number: 第三级, 三级, 3, 3.0 and S3A3 alike; None when there is none."""
    text = clean_text(str(v or ""))
    for ch in text:
        if ch in LEVEL_DIGITS:
            return LEVEL_DIGITS[ch]
        if ch in "12345":
            return int(ch)
    return None


def _filing_no(v: Any) -> str:
    return clean_text(str(v or "")).replace(" ", "").upper()


def list_match(systems: list[System], rows: list[dict[str, Any]], roster: Any, known: list[System] | None = None) -> dict[str, Any]:
    """How a list's rows meet the units and systems: rows whose unit is a roster unit, rows naming a
    reported system (this round's, or `known` from a unit's earlier return), and the unit names that
    could not be resolved, each with how many rows carry it."""
    index, carried = _Index(systems, roster), _Index(known or [], roster)
    units = systems_hit = 0
    unresolved: dict[str, int] = {}
    for row in rows:
        if index.unit_of(row.get("unit")) is not None:
            units += 1
        else:
            text = str(row.get("unit") or "（空）")
            unresolved[text] = unresolved.get(text, 0) + 1
        if index.match(row) is not None or carried.match(row) is not None:
            systems_hit += 1
    return {
        "rows": len(rows),
        "units_matched": units,
        "systems_matched": systems_hit,
        "unresolved_units": [{"unit": k, "rows": n} for k, n in sorted(unresolved.items(), key=lambda kv: -kv[1])],
    }


def reference_findings(
    systems: list[System], refs: dict[str, list[dict[str, Any]]], rules: dict[str, Any], roster: Any, known: list[System] | None = None
) -> list[Finding]:
    """`known`: systems of units that have not returned this round, as their earlier return gave them:
    a list row naming one of them is not a 漏报 candidate."""
    meta = rules["findings"]
    t = rules["thresholds"]
    index = _Index(systems, roster)
    carried = _Index(known or [], roster)
    out: list[Finding] = []

    def system_finding(code: str, s: System, evidence: dict[str, Any]) -> None:
        m = meta[code]
        s.findings.append(code)
        out.append(Finding(code, m["severity"], s.unit, s.name, f"{s.name}：{m['title']}", evidence, system_subject(s), about=[s]))

    # 1. in a list, not reported by its unit
    missing: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, rows in refs.items():
        for row in rows:
            if index.match(row) is not None or carried.match(row) is not None:
                continue
            unit = index.unit_of(row.get("unit"))
            if unit is None or not row.get("system_name"):
                continue
            key = (unit, index.reader.read(str(row["system_name"])).full)
            entry = missing.setdefault(
                key, {"单位": unit, "系统名称": row["system_name"], "清单": [], "清单中的单位": row.get("unit"), "位置": []}
            )
            entry["清单"].append(KIND_TITLES.get(kind, kind))
            entry["位置"].append(_where(row))
    m = meta["FIND_REF_UNREPORTED"]
    for (unit, full), evidence in missing.items():
        out.append(
            Finding(
                "FIND_REF_UNREPORTED",
                m["severity"],
                unit,
                evidence["系统名称"],
                f"{evidence['系统名称']}：{m['title']}",
                evidence,
                (unit, full),
            )
        )

    # 2. reported on 政务云, not in the tenancy list
    cloud = refs.get("cloud") or []
    if cloud:
        on_list = {id(s) for row in cloud for s in index.matches(row)}
        ok, covered = applies_to(meta["FIND_REF_NOT_IN_CLOUD"]["applies"]), index.covers(cloud)
        for s in systems:
            if ok(s.values) and covered(s) and id(s) not in on_list:
                system_finding(
                    "FIND_REF_NOT_IN_CLOUD",
                    s,
                    {"部署位置": s.values.get("deploy_location"), "核对": f"{KIND_TITLES['cloud']}中该单位名下没有这个系统"},
                )

    # 3. reported 已备案, the filing number not on the filing list
    filings = refs.get("mlps") or []
    if filings:
        numbers = {clean_text(str(r.get("filing_no"))).replace(" ", "") for r in filings if r.get("filing_no")}
        listed = {id(s) for row in filings for s in index.matches(row)}
        ok, covered = applies_to(meta["FIND_REF_FILING_UNKNOWN"]["applies"]), index.covers(filings)
        for s in systems:
            no = clean_text(str(s.values.get("mlps_filing_no") or "")).replace(" ", "")
            if ok(s.values) and covered(s) and no not in numbers and id(s) not in listed:
                system_finding(
                    "FIND_REF_FILING_UNKNOWN",
                    s,
                    {"填报的备案编号": s.values.get("mlps_filing_no") or "未填写", "核对": f"{KIND_TITLES['mlps']}中没有这个编号"},
                )
        # the same system on the list (by name or number) with another number or level
        differs = meta.get("FIND_REF_FILING_DIFFERS")
        seen: set[int] = set()
        for row in filings if differs else []:
            for s in index.matches(row):
                if index.closeness(s, row.get("system_name"), row.get("system_no")) < 2:
                    continue  # only the same name or number: alike business words may be another system
                said_no, listed_no = _filing_no(s.values.get("mlps_filing_no")), _filing_no(row.get("filing_no"))
                said_level, listed_level = _level(s.values.get("mlps_level")), _level(row.get("level"))
                other_no = bool(said_no and listed_no and said_no != listed_no)
                other_level = said_level is not None and listed_level is not None and said_level != listed_level
                if (other_no or other_level) and id(s) not in seen:
                    seen.add(id(s))
                    system_finding(
                        "FIND_REF_FILING_DIFFERS",
                        s,
                        {
                            "填报的备案编号": s.values.get("mlps_filing_no") or "未填写",
                            "清单中的备案编号": row.get("filing_no") or "未列",
                            "填报的等级": s.values.get("mlps_level") or "未填写",
                            "清单中的等级": row.get("level") or "未列",
                            "清单位置": _where(row),
                        },
                    )

    # 4. an amount far from the project library's
    for row in refs.get("projects") or []:
        amount = _num(row.get("amount"))
        s = index.match(row)
        if amount is None or s is None or "FIND_AMOUNT_YUAN" in s.findings:
            continue
        built = _num(s.values.get("build_amount"))
        if built is not None and abs(built - amount) > max(t["ref_amount_ratio"] * amount, t["ref_amount_min"]):
            system_finding("FIND_REF_AMOUNT", s, {"填报建设金额（万元）": built, "项目库金额（万元）": amount, "项目库位置": _where(row)})
    return out
