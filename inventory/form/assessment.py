"""The assessment's rules as data: `forms/findings.json` (finding kinds, thresholds, scoring,
recommendations) and `forms/names.json` (how system names are read), checked when loaded."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import SetupError
from ..resources import data_dir

FINDING_KEYS = ("severity", "title", "dimension", "deduct", "applies", "when", "action", "basis", "why")


def _read(folder: Path | None, name: str) -> tuple[Path, dict[str, Any]]:
    path = (Path(folder) if folder else data_dir("forms")) / name
    try:
        return path, json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SetupError(f"评估规则文件 {path} 无法读取：{exc}", hint="请重新安装本工具，或修正该文件。") from exc


@lru_cache(maxsize=4)
def load_findings(folder: Path | None = None) -> dict[str, Any]:
    """findings.json, with every finding kind complete and every `applies` naming real fields."""
    from .load import load_form

    path, data = _read(folder, "findings.json")
    fields = load_form(folder).main.by_key if folder else load_form().main.by_key
    for code, meta in data.get("findings", {}).items():
        missing = [k for k in FINDING_KEYS if k not in meta]
        if missing:
            raise SetupError(f"评估规则文件 {path.name} 中 {code} 缺少：{', '.join(missing)}")
        if meta["dimension"] not in data["dimensions"]:
            raise SetupError(f"评估规则文件 {path.name} 中 {code} 的评分维度“{meta['dimension']}”未定义")
        for key, allowed in meta["applies"].items():
            values = allowed.get("not") if isinstance(allowed, dict) else allowed
            if key not in fields or not isinstance(values, list):
                raise SetupError(f"评估规则文件 {path.name} 中 {code} 的 applies 写错了：{key}")
    return data


@lru_cache(maxsize=4)
def load_names(folder: Path | None = None) -> dict[str, Any]:
    _, data = _read(folder, "names.json")
    return data


def finding_codes() -> set[str]:
    return set(load_findings()["findings"])
