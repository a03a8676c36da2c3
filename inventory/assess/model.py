"""What assessment works on and produces: current systems and findings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson

from ..form.assessment import load_findings


@dataclass
class System:
    """One current system: its unit, where it came from, and its normalised values."""

    unit: str
    submission_id: int
    row: int
    values: dict[str, Any]
    findings: list[str] = field(default_factory=list)  # finding codes
    counted: bool = True  # False for a copy of a system another unit reports (counted once)
    key: str = ""  # the system's identity across returns and rounds
    name: str = field(init=False)
    owner: str = field(init=False)  # the unit that owns it (a department of a city's return), else the return's unit

    def __post_init__(self) -> None:
        self.name = str(self.values.get("system_name") or "")
        self.owner = str(self.values.get("owner_unit") or self.unit)


@dataclass
class Finding:
    code: str
    severity: str
    unit: str | None
    system: str | None
    message: str
    evidence: dict[str, Any]
    subject: tuple[str, ...] = ()  # what the finding is about, for its id
    review: dict[str, Any] | None = None  # the office's review, when it still holds
    about: list[System] = field(default_factory=list, repr=False, compare=False)  # the systems it concerns

    @cached_property
    def id(self) -> str:
        """Stable across re-submissions: the kind and what it is about (not the evidence)."""
        return hashlib.sha1("|".join((self.code, *self.subject)).encode()).hexdigest()[:12]

    @property
    def fingerprint(self) -> str:
        """Changes when the evidence changes: a review applies only to the evidence it saw. The scores
        that linked a duplicate group move with everyone else's names, so only its members count."""
        stable = {k: v for k, v in self.evidence.items() if k != "关联依据"}
        return hashlib.sha1(orjson.dumps(stable, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]

    def as_dict(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "code": self.code,
            "severity": self.severity,
            "unit": self.unit,
            "system": self.system,
            "message": self.message,
            "evidence": self.evidence,
        }
        if self.review:
            out["review"] = self.review
        return out


def load_rules() -> dict[str, Any]:
    return load_findings()
