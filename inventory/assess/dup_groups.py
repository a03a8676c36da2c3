"""Duplicate links made into findings: union-find groups of linked systems, each group one finding
with its members, the words they share and the reasons that linked them (duplicates.py decides the
links)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .alike import closest_clauses
from .model import Finding, System


class Groups:
    """Union-find over item ids, remembering why two items were joined."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.links: dict[int, list[dict[str, Any]]] = defaultdict(list)

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: int, b: int, why: dict[str, Any] | None = None) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb
            self.links[rb] += self.links.pop(ra, [])
        if why:
            self.links[self.find(b)].append(why)

    def join_all(self, first: int, others: list[int]) -> None:
        """`join(first, i)` for each i, in one pass (groups of thousands of alike names at 100k systems);
        the reasons end up in the same order."""
        parent, links = self.parent, self.links
        root = self.find(first)
        for i in others:
            r = self.find(i)
            if r != root:
                parent[r] = root
                if r in links or root in links:
                    links[root] = links.pop(r, []) + links.pop(root, [])
                    if not links[root]:
                        del links[root]

    def together(self, a: int, b: int) -> bool:
        """Whether a and b are already in one group (without adding either)."""
        return a in self.parent and b in self.parent and self.find(a) == self.find(b)

    def components(self) -> list[tuple[list[int], list[dict[str, Any]]]]:
        out: dict[int, list[int]] = defaultdict(list)
        for x in self.parent:
            out[self.find(x)].append(x)
        return [(sorted(members), self.links.get(root, [])) for root, members in out.items()]


def _members(systems: list[System], members: list[int]) -> list[dict[str, Any]]:
    return [
        {"单位": systems[i].unit, "所属单位": systems[i].owner, "系统名称": systems[i].name, "系统编号": systems[i].values.get("system_no")}
        for i in members[:30]
    ]


def _group(
    code: str, m: dict[str, Any], systems: list[System], members: list[int], links: list[dict[str, Any]], tag: bool = True
) -> Finding:
    owners = sorted({systems[i].owner for i in members})
    units = sorted({systems[i].unit for i in members})
    words = sorted({w for link in links for w in link.get("相同业务词", [])})
    about = f"（共同业务：{'、'.join(words[:6])}）" if words else ""
    evidence = {
        "单位数": len(units),
        "所属单位数": len(owners),
        "系统": _members(systems, members),
        "关联依据": links[:10],
    }
    for i in members if tag else ():
        systems[i].findings.append(code)
    subject = tuple(sorted(f"{systems[i].unit}/{systems[i].owner}/{systems[i].name}" for i in members))
    unit = "、".join(units[:5]) + (f" 等{len(units)}个单位" if len(units) > 5 else "")
    if len(owners) == 1:  # one owner's system listed more than once
        message = f"{m['title']}：{owners[0]}的同一系统填了 {len(members)} 行{about}"
    else:
        message = f"{m['title']}：{len(owners)} 个单位的 {len(members)} 个系统{about}"
    return Finding(code, m["severity"], unit, systems[members[0]].name, message, evidence, subject, about=[systems[i] for i in members])


def report_findings(systems, groups, vertical, provincial, meta) -> list[Finding]:  # type: ignore[no-untyped-def]
    out = []
    for members, links in groups.components():
        if len(members) < 2:
            continue
        builders = [i for i in members if i not in vertical] or sorted(members, key=lambda i: systems[i].unit not in provincial)
        for i in members:
            if i != builders[0]:
                systems[i].counted = False
        finding = _group("FIND_DUPLICATE_REPORT", meta["FIND_DUPLICATE_REPORT"], systems, members, links)
        finding.evidence["计数"] = f"汇总时只计一次：{systems[builders[0]].owner}的“{systems[builders[0]].name}”"
        out.append(finding)
    return out


def build_findings(systems, groups, meta) -> list[Finding]:  # type: ignore[no-untyped-def]
    return [
        _group("FIND_DUPLICATE_BUILD", meta["FIND_DUPLICATE_BUILD"], systems, members, links)
        for members, links in groups.components()
        if len({systems[i].owner for i in members}) > 1
    ]


def possible_findings(systems, leads, own, build, report, meta) -> list[Finding]:  # type: ignore[no-untyped-def]
    """Leads for the office to check: systems the rules did not link whose descriptions are close in
    meaning and whose names share a business word. Grouped like the duplicates; not held against
    the systems' scores until the office confirms them."""
    found = Groups()
    for ma, mb, signals in leads:
        a = [i for i in ma if i in own]
        b = [i for i in mb if i in own]
        if not a or not b or systems[a[0]].owner == systems[b[0]].owner:
            continue
        if build.together(a[0], b[0]) or report.together(a[0], b[0]):
            continue
        why = signals.pop("依据", "有相同的业务词，业务功能描述意思相近，但不足以认定")
        said = closest_clauses(str(systems[a[0]].values.get("functions") or ""), str(systems[b[0]].values.get("functions") or ""))
        more = {"相近的描述": list(said)} if said else {}
        found.join(a[0], b[0], {**signals, "依据": why, **more, "系统": [systems[a[0]].name, systems[b[0]].name]})
    m = meta["FIND_DUPLICATE_POSSIBLE"]
    return [_group("FIND_DUPLICATE_POSSIBLE", m, systems, members, links, tag=False) for members, links in found.components()]
