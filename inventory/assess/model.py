"""What assessment works on and produces: current systems, findings, and the rules in `forms/findings.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..resources import data_dir


@dataclass
class System:
    """One current system: its unit, where it came from, and its normalised values."""

    unit: str
    submission_id: int
    row: int
    values: dict[str, Any]
    findings: list[str] = field(default_factory=list)  # finding codes

    @property
    def name(self) -> str:
        return str(self.values.get("system_name") or "")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    unit: str | None
    system: str | None
    message: str
    evidence: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "unit": self.unit,
            "system": self.system,
            "message": self.message,
            "evidence": self.evidence,
        }


@lru_cache(maxsize=4)
def load_rules(folder: Path | None = None) -> dict[str, Any]:
    return json.loads(((Path(folder) if folder else data_dir("forms")) / "findings.json").read_text(encoding="utf-8"))
