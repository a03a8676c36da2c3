"""`inventory demo`: the whole job on the embedded default, from templates to reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .form import load_form
from .roster import load_roster
from .template import write_templates


@dataclass
class DemoResult:
    directory: Path
    templates: list[Path] = field(default_factory=list)


def run_demo(directory: Path) -> DemoResult:
    form, roster = load_form(), load_roster()
    result = DemoResult(directory=Path(directory))
    result.templates = write_templates(form, list(roster.pilots()), result.directory / "templates")
    return result
