"""Sections as Markdown tables."""

from __future__ import annotations

from typing import Any

from ..output import markdown_text
from .sections import Section, cell_text

ROW_LIMIT = 3000


def to_markdown(title: str, meta: list[str], sections: list[Section], limit: int = ROW_LIMIT) -> str:
    def row_text(s: Section, row: list[Any]) -> str:
        return " | ".join(markdown_text(cell_text(v, s.formats.get(i))) for i, v in enumerate(row))

    out = [f"# {markdown_text(title)}", "", *[f"- {markdown_text(m)}" for m in meta], ""]
    for s in sections:
        out += [f"## {s.title}", ""]
        out += [line for t in s.text if t for line in (markdown_text(t), "")]
        if not s.columns or (not s.rows and s.text):  # a text says there is nothing to list
            continue
        out += ["| " + " | ".join(s.columns) + " |", "|" + "---|" * len(s.columns)]
        out += ["| " + row_text(s, row) + " |" for row in s.rows[:limit]]
        if s.size > limit:
            out.append(f"\n（共 {s.size} 行，此处只列前 {limit} 行；完整数据请导出 xlsx 或 json。）")
        out.append("")
    return "\n".join(out)
