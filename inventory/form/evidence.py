"""The kinds of evidence a unit may attach (`forms/evidence.json`): per system or per unit, which
field and value each one supports, the accepted file types and the size limit; read and checked once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SetupError
from ..resources import data_dir


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    per: str  # system | unit
    aliases: tuple[str, ...]
    field: str | None  # the system field it supports
    values: tuple[str, ...] | bool  # the values it supports (True: any filled value)

    def supports(self, system: dict[str, Any]) -> bool:
        """Whether this kind of file bears out what the system's row says."""
        if self.field is None:
            return False
        value = system.get(self.field)
        if value in (None, ""):
            return False
        return True if self.values is True else str(value) in self.values  # type: ignore[operator]


@dataclass(frozen=True)
class Evidence:
    kinds: dict[str, Kind]
    media: dict[str, str]  # sniffed type -> its name in Chinese
    max_bytes: int
    max_files: int
    folder_suffix: str
    unit_prefix: str

    def kind(self, key: str) -> Kind | None:
        return self.kinds.get(key)

    def by_name(self, name: str) -> Kind | None:
        """A kind by its key, title or one of its aliases (the CLI folder's file names)."""
        name = name.strip()
        for k in self.kinds.values():
            if name in (k.key, k.title, *k.aliases):
                return k
        return None

    def for_system(self) -> list[Kind]:
        return [k for k in self.kinds.values() if k.per == "system"]

    def for_unit(self) -> list[Kind]:
        return [k for k in self.kinds.values() if k.per == "unit"]


@lru_cache(maxsize=4)
def load_evidence(folder: Path | None = None) -> Evidence:
    path = (Path(folder) if folder else data_dir("forms")) / "evidence.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        kinds = {}
        for k in data["kinds"]:
            sup = k.get("supports") or {}
            values = sup.get("values", True)
            if k["per"] not in ("system", "unit") or not (values is True or isinstance(values, list)):
                raise ValueError(f"{k['key']} 的 per 或 supports 写错了")
            kinds[k["key"]] = Kind(
                k["key"], k["title"], k["per"], tuple(k.get("aliases", ())), sup.get("field"), values if values is True else tuple(values)
            )
        return Evidence(
            kinds,
            dict(data["media"]),
            int(data["max_mb"] * 1024 * 1024),
            int(data["max_files_per_unit"]),
            data["folder_suffix"],
            data["unit_prefix"],
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SetupError(f"证明材料配置文件 {path} 无法读取：{exc}", hint="请重新安装本工具，或修正该文件。") from exc
