"""The roster of reporting units as a tree, and name matching against it.

The default tree comes from `forms/`: the province at the root (`units.json`), the provincial
units and the 21 市(州) under it; under each 市(州) its typical 市直部门 and its 区(县)
(`departments.json`, `divisions.json`), under each 区(县) its typical departments. An office
replaces or extends its part of the tree with an import, kept in the database
(`inventory.store.units`); both build the same `Roster`.

Every node has a stable `code` (a division code for the province, a 市(州) or a 区(县); the parent's
code and a number for a department or a 下属单位) and a `path` of codes from the root, so "is this
unit in that office's part of the tree" is a prefix test.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from ..errors import SetupError, UsageError
from ..resources import data_dir
from .normalize import clean_text

PROVINCE, CITY, COUNTY = "省", "市（州）", "区（县）"
GOVERNMENTS = (PROVINCE, CITY, COUNTY)  # nodes that stand for a government: offices, not reporters, once they have children
SUBORDINATE, DEPARTMENT = "下属单位", "部门"  # a unit under a department (imports' default kind); any other kind in forms/
LEVEL_NAMES = {PROVINCE: "省级", CITY: "市（州）级", COUNTY: "县（市、区）级"}


@dataclass(
    slots=True, eq=False
)  # built 6,000 at a time: plain slots (a frozen dataclass costs 3x); never mutated after the roster is built
class Unit:
    name: str  # full official name
    short_name: str
    aliases: tuple[str, ...]
    kind: str
    level: str
    region_code: str  # the 市(州) it belongs to (510000 for provincial units): the unit sheet's 所属地区
    pilot: bool
    contact_name: str = ""  # the office's contact at the unit, when the roster has one (for 催报)
    contact_phone: str = ""
    contact_email: str = ""
    code: str = ""  # the node's stable code
    parent: str | None = None  # the parent node's code; None at the root
    path: str = ""  # codes from the root, each followed by "/": a subtree is a prefix

    @property
    def is_city(self) -> bool:
        return self.level != "省级"

    @property
    def is_government(self) -> bool:
        return self.kind in GOVERNMENTS

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    @property
    def kind_name(self) -> str:
        """The unit's own kind in a word, as the pages show it: 省, 市（州）, 区（县）, 下属单位, or 部门 for
        every department's kind in forms/ (省政府组成部门, 市直部门, 区县部门 …), wherever it hangs."""
        return self.kind if self.kind in (*GOVERNMENTS, SUBORDINATE) else DEPARTMENT

    @property
    def group(self) -> str:
        """Coarse kind for coverage statistics: 省直部门, 市（州） or 区（县）."""
        if self.level == "县（市、区）级":
            return COUNTY
        return "市（州）" if self.is_city else "省直部门"

    def within(self, node: Unit) -> bool:
        """Whether this unit is `node` or below it."""
        return self.path.startswith(node.path)

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["aliases"] = list(self.aliases)
        d["depth"] = self.depth
        return d


@dataclass(frozen=True)
class Match:
    unit: Unit | None
    exact: bool  # the full official name was given
    suggestions: tuple[str, ...] = ()


class Roster:
    """The units, in tree order (each parent before its children)."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self.units = _with_paths(list(units))
        self.by_code = {u.code: u for u in self.units}
        self._children: dict[str | None, list[Unit]] = {}
        for u in self.units:
            self._children.setdefault(u.parent, []).append(u)

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    @property
    def root(self) -> Unit:
        return self.units[0]

    def pilots(self) -> list[Unit]:
        return [u for u in self.units if u.pilot]

    def children(self, unit: Unit) -> list[Unit]:
        return list(self._children.get(unit.code, ()))

    def parent_of(self, unit: Unit) -> Unit | None:
        return self.by_code.get(unit.parent) if unit.parent else None

    def ancestors(self, unit: Unit) -> list[Unit]:
        """From the root down to the unit's parent."""
        out, node = [], self.parent_of(unit)
        while node is not None:
            out.append(node)
            node = self.parent_of(node)
        return out[::-1]

    def subtree(self, node: Unit) -> list[Unit]:
        """The node and everything below it, in tree order: a range of the paths sorted (a subtree's
        paths share its prefix), so a small part of a national tree costs its own size."""
        paths, order = self._by_path
        lo, hi = bisect_left(paths, node.path), bisect_left(paths, node.path + "\uffff")
        return [self.units[i] for i in sorted(order[lo:hi])]

    @cached_property
    def _by_path(self) -> tuple[list[str], list[int]]:
        order = sorted(range(len(self.units)), key=lambda i: self.units[i].path)
        return [self.units[i].path for i in order], order

    @cached_property
    def city_of(self) -> dict[str, Unit]:
        """Each unit's 市(州) node (for units at or below one), by code."""
        out = {}
        for u in self.units:
            parent = self.by_code.get(u.parent) if u.parent else None
            if u.kind == CITY:
                out[u.code] = u
            elif parent is not None and parent.code in out:
                out[u.code] = out[parent.code]
        return out

    @cached_property
    def _names(self) -> dict[str, Unit]:
        return {clean_text(u.name): u for u in self.units}

    @cached_property
    def _aliases(self) -> dict[str, Unit]:
        out: dict[str, Unit] = {}
        seen: dict[str, int] = {}
        for u in self.units:
            for alias in {clean_text(a) for a in (u.short_name, *u.aliases)}:
                seen[alias] = seen.get(alias, 0) + 1
                out.setdefault(alias, u)
        names = self._names
        for alias, n in seen.items():  # a short name two units go by names neither
            if n > 1 and alias not in names:
                del out[alias]
        return out

    def get(self, name: str) -> Unit | None:
        return self._names.get(clean_text(name))

    def match(self, name: str) -> Match:
        """Resolve a name as a user typed it: full name, short name or alias; else suggestions."""
        key = clean_text(name)
        if key in self._names:
            return Match(self._names[key], exact=True)
        if key in self._aliases:
            return Match(self._aliases[key], exact=False)
        return Match(None, exact=False, suggestions=self.suggest(name))

    def suggest(self, name: str, limit: int = 3, among: list[Unit] | None = None) -> tuple[str, ...]:
        choices = {u.name: f"{u.name} {u.short_name} {' '.join(u.aliases)}" for u in (self.units if among is None else among)}
        from rapidfuzz import fuzz, process  # only for the closest names to a name not on the roster

        found = process.extract(clean_text(name), choices, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=40)
        return tuple(key for _, _, key in found)

    def typed_name(self, unit: Unit) -> str:
        """The shortest name that finds the unit again on the command line."""
        return unit.short_name if self.match(unit.short_name).unit is unit else unit.name

    def resolve(self, name: str, within: Unit | None = None) -> Unit:
        """The unit for a name (or node code) given on the command line; a clear usage error if unknown.
        `within` (an office's node, from `--under`): its part of the tree is searched first, so a short
        name or a part of one full name there (信访局, 教育 under 绵竹市) is its own unit rather than one
        elsewhere that goes by the same short name; a full name is that unit wherever it is."""
        key = clean_text(name)
        if name.strip() in self.by_code:
            return self.by_code[name.strip()]
        if key in self._names:
            return self._names[key]
        part = self.subtree(within) if within is not None else None
        if part is not None and len(key) >= 2:
            if (alias := self._aliases.get(key)) is not None and alias.within(within):
                return alias
            inside = _narrowed(key, [u for u in part if _holds(u, key)], nearest=True)
            if len(inside) == 1:
                return inside[0]
            if len(inside) > 1:
                raise UsageError(
                    f"“{within.name}”及其下级中有 {len(inside)} 个单位的名称含“{name}”：{_listed(inside)}。", hint="请写单位全称或简称。"
                )
        m = self.match(name)
        if m.unit:
            return m.unit
        ending = [u for u in self.units if u.name.endswith(key)] if len(key) >= 4 else []
        if len(ending) == 1:  # the end of one full name only: 旌阳区公安局 for 德阳市旌阳区公安局
            return ending[0]
        if part is None and len(key) >= 2:
            found = _narrowed(key, [u for u in self.units if _holds(u, key)], nearest=False)
            if len(found) == 1:  # a part of one unit's name only (科技城), or of one government's (涪城 for 涪城区)
                return found[0]
            if len(found) > 1:
                raise UsageError(
                    f"名册中有 {len(found)} 个单位的名称含“{name}”：{_listed(found)}。",
                    hint="请写单位全称；只在本级范围内找，请加 --under 本级（如 --under 德阳市）。",
                )
        near = (self.suggest(name, among=part) if part is not None else ()) or m.suggestions
        where = f"“{within.name}”及其下级中" if within is not None else "名册中"
        tip = f"最接近的名称：{'、'.join(near)}。" if near else ""
        raise UsageError(
            f"{where}没有单位“{name}”。{tip}",
            hint=f"可用 `inventory units list{' --under ' + self.typed_name(within) if within is not None else ''}` 查看单位的全称和简称。",
        )


def _narrowed(key: str, found: list[Unit], nearest: bool) -> list[Unit]:
    """The units a part of a name most likely means: those whose short name holds it (民政 is not in
    人民政府's short name), then a government among them (涪城 for 涪城区, not its departments), then,
    under an office (`nearest`), the one nearest to it (公安 under 绵阳市 is 市公安局, not a county's)."""
    for narrower in (
        lambda us: [u for u in us if any(k in clean_text(u.short_name) for k in _spellings(key))],
        lambda us: [u for u in us if u.kind in GOVERNMENTS],
        lambda us: [u for u in us if u.path.count("/") == min(v.path.count("/") for v in us)] if nearest else us,
    ):
        if len(found) <= 1:
            break
        found = narrower(found) or found
    return found


def _holds(unit: Unit, key: str) -> bool:
    """Whether a part of a name typed on the command line is in the unit's full or short name, as typed
    or with a department's usual abbreviation spelled out (人社 is 人力资源和社会保障); 民政 is not
    found in the 人民政府 every government's name holds."""
    names = f"{unit.name}|{clean_text(unit.short_name)}"
    names = names if "政府" in key else names.replace("人民政府", "|")
    return any(k in names for k in _spellings(key))


@lru_cache(maxsize=4096)
def _spellings(key: str) -> tuple[str, ...]:
    """`key` as typed, and with each abbreviation of `forms/departments.json` spelled out."""
    words = _abbreviations()
    if not words:
        return (key,)
    spelled = re.sub("|".join(map(re.escape, sorted(words, key=len, reverse=True))), lambda m: words[m.group(0)], key)
    return (key,) if spelled == key else (key, spelled)


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, str]:
    raw = json.loads((data_dir("forms") / "departments.json").read_text(encoding="utf-8"))
    return dict(raw.get("abbreviations") or {})


def _listed(units: list[Unit], most: int = 5) -> str:
    return "、".join(u.name for u in units[:most]) + (f"等（共 {len(units)} 个）" if len(units) > most else "")


def _with_paths(units: list[Unit]) -> list[Unit]:
    """The units in tree order with their paths; a setup error for a duplicate code or name, an
    unknown parent or a cycle (these come from `forms/`; an office's import is checked before)."""
    by_code: dict[str, Unit] = {}
    for u in units:
        if not u.code or u.code in by_code:
            raise SetupError(f"单位名册中的节点编号“{u.code}”为空或重复（{u.name}）。")
        by_code[u.code] = u
    if len({u.name for u in units}) != len(units):
        raise SetupError("单位名册中有重复的单位全称。")
    roots = [u for u in units if u.parent is None]
    if len(roots) != 1:
        raise SetupError(f"单位名册须有且只有一个根节点，现在有 {len(roots)} 个。")
    kids: dict[str, list[Unit]] = {}
    for u in units:
        if u.parent is not None:
            if u.parent not in by_code:
                raise SetupError(f"单位名册中“{u.name}”的上级节点“{u.parent}”不存在。")
            kids.setdefault(u.parent, []).append(u)
    out: list[Unit] = []
    stack = [(roots[0], "")]
    while stack:
        u, above = stack.pop()
        u.path = f"{above}{u.code}/"
        out.append(u)
        stack.extend((k, u.path) for k in reversed(kids.get(u.code, ())))
    if len(out) != len(units):
        lost = sorted({u.name for u in units} - {u.name for u in out})
        raise SetupError(f"单位名册中有循环的上下级关系：{'、'.join(lost[:5])}。")
    return out


def unit_from(raw: dict[str, object]) -> Unit:
    """A unit from its JSON form (forms/units.json, or a row of the units table)."""
    return Unit(
        name=str(raw["name"]),
        short_name=str(raw.get("short_name") or raw["name"]),
        aliases=tuple(str(a) for a in (raw.get("aliases") or ())),  # type: ignore[union-attr]
        kind=str(raw["kind"]),
        level=str(raw["level"]),
        region_code=str(raw["region_code"]),
        pilot=bool(raw.get("pilot")),
        contact_name=str(raw.get("contact_name") or ""),
        contact_phone=str(raw.get("contact_phone") or ""),
        contact_email=str(raw.get("contact_email") or ""),
        code=str(raw["code"]),
        parent=str(raw["parent"]) if raw.get("parent") else None,
    )


def default_units(folder: Path | None = None) -> list[Unit]:
    """The default tree from `forms/`: the listed units, then each 市(州)'s departments and 区(县), then
    each 区(县)'s departments."""
    base = Path(folder) if folder else data_dir("forms")
    path = base / "units.json"
    try:
        units = [unit_from(u) for u in json.loads(path.read_text(encoding="utf-8"))["units"]]
        divisions = json.loads((base / "divisions.json").read_text(encoding="utf-8"))["cities"]
        departments = json.loads((base / "departments.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SetupError(f"单位名册 {path.parent} 无法读取：{exc}", hint="请重新安装本工具或修正名册文件。") from exc
    listed = {u.code: u for u in units}
    names = [c["name"] for city in divisions for c in city["counties"]]
    shared = {n for n in names if names.count(n) > 1}  # 市中区 is in 内江 and in 乐山
    for city in divisions:
        node = listed.get(city["code"])
        if node is None:
            continue
        prefix = city["name"] if city["kind"] == "地级市" else city["short"]  # 凉山州教育局
        full = city["name"]
        units += _departments(departments["city"], node, prefix, full, "市（州）级")
        for county in city["counties"]:
            own = f"{city['name']}{county['name']}" if county["kind"] == "市辖区" else county["name"]
            cnode = Unit(
                name=f"{own}人民政府",
                short_name=f"{city['short']}{county['name']}" if county["name"] in shared else county["name"],
                aliases=(own, f"{city['name']}{county['name']}", f"{county['name']}人民政府", f"{county['name']}政府"),
                kind=COUNTY,
                level="县（市、区）级",
                region_code=node.region_code,
                pilot=False,
                code=county["code"],
                parent=node.code,
            )
            units.append(cnode)
            units += _departments(departments["county"], cnode, own, f"{city['name']}{county['name']}", "县（市、区）级")
    return units


def _departments(entries: list[dict[str, str]], parent: Unit, prefix: str, full: str, level: str) -> list[Unit]:
    out = []
    for e in entries:
        name = e["name"].replace("{city}", prefix).replace("{county}", prefix)
        alias = e["name"].replace("{city}", full).replace("{county}", full)
        out.append(
            Unit(
                name=name,
                short_name=name,
                aliases=(alias,) if alias != name else (),
                kind=e["kind"],
                level=level,
                region_code=parent.region_code,
                pilot=False,
                code=f"{parent.code}-{e['code']}",
                parent=parent.code,
            )
        )
    return out


@lru_cache(maxsize=4)
def load_roster(folder: Path | None = None) -> Roster:
    """The default tree from `forms/` (a database may hold an office's own version: store.units)."""
    return Roster(default_units(folder))
