"""Who reports in a round and who collects: the round's part of the tree, seen from one office.

A round takes in the whole tree (`all`) or the pilot units (`pilot`: each pilot unit alone, a 市(州)
reporting for its whole city as in the 2025 pilot). Within it:
- an **office** is a node with children in the round (the root always): it collects, reviews and
  approves its children's returns and submits its own part upward;
- a **reporter** is a node expected to send a return: every department and 下属单位, and a
  government node (省, 市(州), 区(县)) only when it has no children in the round;
- each reporter's and each office's **reviewer** is the nearest office above it.
A department with 下属单位 is both: it reports its own systems and collects its 下属单位'.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..errors import UsageError
from ..form.roster import Roster, Unit

SCOPES = ("all", "pilot")


@dataclass
class Scope:
    roster: Roster
    kind: str = "all"  # the round's scope: all | pilot
    under: Unit | None = None  # the office looking (None: the root)
    exempt: set[str] = field(default_factory=set)  # codes of units exempted from reporting in the round

    def __post_init__(self) -> None:
        if self.kind not in SCOPES:
            raise UsageError(f"范围只能是 {'、'.join(SCOPES)}。")
        if self.under is None:
            self.under = self.roster.root

    @cached_property
    def members(self) -> Container[str]:
        """Codes of the units the round takes in."""
        if self.kind == "pilot":
            return {self.roster.root.code, *(u.code for u in self.roster.pilots())}
        return self.roster.by_code  # the whole tree: nothing to build

    @cached_property
    def _kids(self) -> dict[str, list[Unit]]:
        """In-round children of each in-round node of a pilot round (a pilot unit hangs under the root)."""
        out: dict[str, list[Unit]] = {}
        for u in self.roster:
            if u.code in self.members and u.parent is not None:
                out.setdefault(self.reviewer_code(u), []).append(u)
        return out

    def _children(self, code: str) -> list[Unit]:
        if self.kind == "all":  # every node is in the round: its children are the tree's
            return self.roster._children.get(code, [])
        return self._kids.get(code, [])

    def reviewer_code(self, unit: Unit) -> str:
        """The nearest office above `unit` in the round."""
        code = unit.parent
        while code is not None and code not in self.members:
            code = self.roster.by_code[code].parent
        return code or self.roster.root.code

    def reviewer(self, unit: Unit) -> Unit | None:
        return None if unit.parent is None else self.roster.by_code[self.reviewer_code(unit)]

    def children(self, node: Unit) -> list[Unit]:
        return list(self._children(node.code))

    def is_office(self, unit: Unit) -> bool:
        return unit.parent is None or bool(self._children(unit.code))

    def is_reporter(self, unit: Unit) -> bool:
        return unit.parent is not None and unit.code in self.members and (not unit.is_government or not self._children(unit.code))

    def visible(self, unit: Unit) -> bool:
        """Whether the office looking may see `unit` (its own node and everything below)."""
        assert self.under is not None
        return unit.within(self.under)

    @cached_property
    def units(self) -> list[Unit]:
        """The round's units in the looking office's part of the tree, in tree order."""
        assert self.under is not None
        return [u for u in self.roster.subtree(self.under) if u.code in self.members]

    @cached_property
    def reporters(self) -> list[Unit]:
        """Units expected to send a return (exempted ones included: they are counted apart)."""
        return [u for u in self.units if self.is_reporter(u)]

    @cached_property
    def offices(self) -> list[Unit]:
        return [u for u in self.units if self.is_office(u)]

    def check_visible(self, unit: Unit) -> None:
        if not self.visible(unit):
            assert self.under is not None
            raise UsageError(f"“{unit.name}”不在“{self.under.name}”的管辖范围内。", hint="只能查看和处理本级及下级单位。")


def scope_for(roster: Roster, round_: dict[str, Any] | None, under: Unit | None = None, exempt: Iterable[str] = ()) -> Scope:
    return Scope(roster, (round_ or {}).get("scope") or "all", under, set(exempt))
