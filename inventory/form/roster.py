"""The roster of reporting units (`forms/units.json`) and name matching against it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import SetupError, UsageError
from ..resources import data_dir
from .normalize import clean_text


@dataclass(frozen=True)
class Unit:
    name: str  # full official name
    short_name: str
    aliases: tuple[str, ...]
    kind: str
    level: str
    region_code: str
    pilot: bool
    contact_name: str = ""  # the office's contact at the unit, when the roster has one (for 催报)
    contact_phone: str = ""
    contact_email: str = ""

    @property
    def is_city(self) -> bool:
        return self.level != "省级"

    @property
    def group(self) -> str:
        """Coarse kind for coverage statistics: 省直部门 or 市（州）."""
        return "市（州）" if self.is_city else "省直部门"

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["aliases"] = list(self.aliases)
        return d


@dataclass(frozen=True)
class Match:
    unit: Unit | None
    exact: bool  # the full official name was given
    suggestions: tuple[str, ...] = ()


class Roster:
    def __init__(self, units: list[Unit]) -> None:
        self.units = units
        self._names: dict[str, Unit] = {}
        self._aliases: dict[str, Unit] = {}
        for u in units:
            self._names[clean_text(u.name)] = u
            for alias in (u.short_name, *u.aliases):
                self._aliases.setdefault(clean_text(alias), u)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.units)

    def pilots(self) -> list[Unit]:
        return [u for u in self.units if u.pilot]

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

    def suggest(self, name: str, limit: int = 3) -> tuple[str, ...]:
        choices = {u.name: f"{u.name} {u.short_name} {' '.join(u.aliases)}" for u in self.units}
        from rapidfuzz import fuzz, process  # only for the closest names to a name not on the roster

        found = process.extract(clean_text(name), choices, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=40)
        return tuple(key for _, _, key in found)

    def resolve(self, name: str) -> Unit:
        """The unit for a name given on the command line; a clear usage error if unknown."""
        m = self.match(name)
        if m.unit:
            return m.unit
        tip = f"最接近的名称：{'、'.join(m.suggestions)}。" if m.suggestions else ""
        raise UsageError(
            f"名册中没有单位“{name}”。{tip}",
            hint="可用 `inventory units list` 查看全部单位的全称和简称。",
        )


@lru_cache(maxsize=4)
def load_roster(folder: Path | None = None) -> Roster:
    path = (Path(folder) if folder else data_dir("forms")) / "units.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        units = [
            Unit(
                name=u["name"],
                short_name=u["short_name"],
                aliases=tuple(u.get("aliases", ())),
                kind=u["kind"],
                level=u["level"],
                region_code=u["region_code"],
                pilot=bool(u.get("pilot")),
                contact_name=str(u.get("contact_name") or ""),
                contact_phone=str(u.get("contact_phone") or ""),
                contact_email=str(u.get("contact_email") or ""),
            )
            for u in raw["units"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SetupError(f"单位名册 {path} 无法读取：{exc}", hint="请重新安装本工具或修正名册文件。") from exc
    names = [u.name for u in units]
    if len(names) != len(set(names)):
        raise SetupError(f"单位名册 {path} 中有重复的单位全称。")
    return Roster(units)
