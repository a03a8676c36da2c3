"""Report formats: json, Markdown, xlsx and HTML, from one report's data.

Every report is first turned into `Section`s; each format renders sections, so the formats cannot
disagree. Values from returns are never trusted (see `inventory.output` and `html.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..form.model import Form
from ..output import json_text, write_text
from .charts import charts
from .html import to_html
from .markdown import to_markdown
from .sections import TITLES, report_meta, report_sections
from .xlsx import write_xlsx

FORMATS = ("table", "json", "md", "html", "xlsx")


def write_report(kind: str, data: dict[str, Any], fmt: str, path: Path | None, form: Form) -> str | Path:
    """Render a report; returns the text (no path) or the file written."""
    title = f"{form.round.get('name', '')} · {TITLES[kind]}"
    meta = report_meta(kind, data, form)
    if fmt == "json":
        text = json_text(data)
    elif fmt == "md":
        text = to_markdown(title, meta, report_sections(kind, data, form))
    elif fmt == "html":
        text = to_html(title, meta, report_sections(kind, data, form), charts(kind, data))
    elif fmt == "xlsx":
        target = path or Path(f"{TITLES[kind]}.xlsx")
        return write_xlsx(target, title, meta, report_sections(kind, data, form))
    else:
        raise ValueError(fmt)
    if path is None:
        return text
    return write_text(Path(path), text + "\n")
