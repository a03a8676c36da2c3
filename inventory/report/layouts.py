"""Which sections each report is made of (every format renders these)."""

from __future__ import annotations

from typing import Any

from ..form.assessment import load_findings
from ..form.model import Form
from .brief_sections import brief_sections
from .changes_sections import changes_sections
from .issues_sections import issues_sections
from .sections import Section, coverage_sections, inventory_sections
from .unit_sections import unit_sections


def report_sections(kind: str, data: dict[str, Any], form: Form, limit: int | None = None) -> list[Section]:
    """A report's sections; `limit` caps the long lists for a page that shows only so many rows."""
    if kind == "coverage":
        return coverage_sections(data)
    if kind == "issues":
        return issues_sections(data, load_findings()["findings"], limit)
    if kind == "unit":
        return unit_sections(data)
    if kind == "brief":
        return brief_sections(data)
    if kind == "changes":
        return changes_sections(data)
    return inventory_sections(data, form, limit)
