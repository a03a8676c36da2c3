"""Field classes and output levels (`forms/levels.json`, `x-class` on every field): 公开 < 内部 < 敏感.

Every output is produced at a level; a field classed above it is masked wherever it appears by its
key (a system's values, a report's rows, a finding's evidence), so one walk over a report's data
serves every format made from it. Counts and shares are not values of a field and stay.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SetupError, UsageError
from ..resources import data_dir


@lru_cache(maxsize=4)
def load_levels(folder: Path | None = None) -> dict[str, Any]:
    path = (Path(folder) if folder else data_dir("forms")) / "levels.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["default"] in data["levels"] and all(v in data["levels"] for v in data["roles"].values())
        return data
    except (OSError, ValueError, KeyError, AssertionError) as exc:
        raise SetupError(f"输出级别配置文件 {path} 无法读取或写错了：{exc}", hint="请重新安装本工具，或修正该文件。") from exc


def check_level(level: str | None) -> str:
    """A level as the user gave it (default: the configured one), or a clear error."""
    cfg = load_levels()
    if level is None:
        return cfg["default"]
    if level not in cfg["levels"]:
        raise UsageError(f"--level 只能是 {'、'.join(cfg['levels'])}，收到“{level}”。")
    return level


def rank(level: str) -> int:
    return load_levels()["levels"].index(level)


def role_level(role: str) -> str:
    """The highest level a portal role may see and export."""
    return load_levels()["roles"].get(role, load_levels()["levels"][0])


def field_classes(form: Any) -> dict[str, str]:
    """Field key -> its class, over every sheet; a key used in several sheets takes its highest class."""
    out: dict[str, str] = {}
    for sheet in form.sheets:
        for f in sheet.fields:
            c = f.schema.get("x-class", "内部")
            if f.key not in out or rank(c) > rank(out[f.key]):
                out[f.key] = c
    return out


def hidden_fields(form: Any, level: str) -> frozenset[str]:
    """The field keys an output at `level` must not show."""
    top = rank(level)
    return frozenset(k for k, c in field_classes(form).items() if rank(c) > top)


def mask(data: Any, hidden: frozenset[str], shown: str | None = None) -> Any:
    """A copy of `data` (dicts, lists) with every value under a hidden key masked (empty ones stay empty)."""
    if not hidden:
        return data
    shown = shown or load_levels()["mask"]

    def walk(x: Any) -> Any:
        if isinstance(x, dict):
            if x.get("field") in hidden:  # an issue or a change about a hidden field: its values are masked, and
                said = [str(x[k]) for k in SAID if x.get(k) not in (None, "")]  # so are they where a message quotes them
                x = {k: shown if k in SAID and x[k] not in (None, "") else _unsaid(v, said, shown) for k, v in x.items()}
            return {k: shown if k in hidden and _value(v) else walk(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [walk(v) for v in x]
        return x

    return walk(data)


SAID = ("value", "old", "new")  # where an issue or a change carries the field's values


def _unsaid(v: Any, said: list[str], shown: str) -> Any:
    if isinstance(v, str):
        for text in said:
            v = v.replace(text, shown)
    return v


def _value(v: Any) -> bool:
    """Whether `v` is a field's value to mask: a filled scalar or list of scalars (a multi-choice
    field), not a structure that merely shares a field's key (a finding's `evidence`)."""
    if v is None or v == "":
        return False
    if isinstance(v, list | tuple):
        return all(not isinstance(i, dict | list | tuple) for i in v)
    return not isinstance(v, dict)
