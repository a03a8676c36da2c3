"""Report formats: json, Markdown, xlsx and HTML, from one report's data.

Every report is first turned into `Section`s; each format renders sections, so the formats cannot
disagree. Values from returns are never trusted (see `inventory.output` and `html.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..form.model import Form
from ..gcpause import paused_gc
from ..output import json_bytes, json_text, write_text
from ..parallel import forked_map
from .charts import charts
from .html import ROW_LIMIT, to_html
from .layouts import report_sections
from .markdown import to_markdown
from .sections import TITLES, report_meta, round_name
from .xlsx import write_xlsx

FORMATS = ("table", "json", "md", "html", "xlsx")


def report_title(kind: str, data: dict[str, Any], form: Form) -> str:
    if kind == "unit":
        return f"{data['unit']['name']} · {round_name(data, form)}{TITLES[kind]}"
    return f"{round_name(data, form)} · {TITLES[kind]}"


def write_report(kind: str, data: dict[str, Any], fmt: str, path: Path | None, form: Form) -> str | Path:
    """Render a report; returns the text (no path) or the file written."""
    with paused_gc():  # rows of cells for 100k systems, no cycles among them
        return _write_report(kind, data, fmt, path, form)


def _write_report(kind: str, data: dict[str, Any], fmt: str, path: Path | None, form: Form) -> str | Path:
    title = report_title(kind, data, form)
    meta = report_meta(kind, data, form)
    if fmt == "json":
        if path is not None:  # 280 MB for 100k systems: written as encoded, never decoded and encoded again
            return write_text(Path(path), json_bytes(data), end=b"\n")
        text = json_text(data)
    elif fmt == "md":
        text = to_markdown(title, meta, report_sections(kind, data, form, limit=ROW_LIMIT))
    elif fmt == "html":
        text = to_html(title, meta, report_sections(kind, data, form, limit=ROW_LIMIT), charts(kind, data))
    elif fmt == "xlsx":
        target = path or Path(f"{TITLES[kind]}.xlsx")
        sections = report_sections(kind, data, form)
        notes = [t for s in sections for t in s.text if t]
        return write_xlsx(target, title, meta + (["", *notes] if notes else []), [s for s in sections if s.columns])
    else:
        raise ValueError(fmt)
    if path is None:
        return text
    return write_text(Path(path), text + "\n")


def unit_file_stem(data: dict[str, Any]) -> str:
    """A file name for a unit's report: its short name (roster names hold no path characters)."""
    name = data["unit"]["short_name"] or data["unit"]["name"]
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in name) + "-评估报告"


def write_unit_reports(reports: Any, unit: str | None, folder: Path, formats: tuple[str, ...] = ("html", "xlsx", "json")) -> list[Path]:
    """Every unit's report (or one unit's) into a folder, one file per unit and format."""
    from .unit import UnitReports

    units = UnitReports(reports)
    names = units.names(unit)
    units.prepare()  # the round's figures, computed here once; each unit's pages are then written apart

    def write(name: str) -> list[Path]:
        data = reports.masked(units.report(name)) if getattr(reports, "hidden", None) else units.report(name)
        stem = unit_file_stem(data)
        return [write_report("unit", data, fmt, Path(folder) / f"{stem}.{fmt}", reports.form) for fmt in formats]

    return [path for paths in forked_map(write, names) for path in paths]
