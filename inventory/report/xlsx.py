"""Sections as an xlsx workbook: frozen header, filters, number formats, formula injection neutralised."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ..output import put, save_workbook
from .sections import Section

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
BAND_FILL = PatternFill("solid", fgColor="BDD7EE")


def write_xlsx(path: Path, title: str, meta: list[str], sections: list[Section]) -> Path:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "说明"
    first["A1"] = title
    first["A1"].font = Font(bold=True, size=14)
    for i, line in enumerate(meta, start=3):
        put(first.cell(row=i, column=1), line)
    first.column_dimensions["A"].width = 80
    cut: list[str] = []
    for s in sections:
        ws = wb.create_sheet(s.title[:31])
        header_row = 1
        if s.band:
            header_row = 2
            start = 0
            for i in range(1, len(s.band) + 1):
                if i == len(s.band) or s.band[i] != s.band[start]:
                    c = ws.cell(row=1, column=start + 1, value=s.band[start])
                    c.fill, c.font = BAND_FILL, Font(bold=True)
                    c.alignment = Alignment(horizontal="center")
                    if i - start > 1:
                        ws.merge_cells(start_row=1, start_column=start + 1, end_row=1, end_column=i)
                    start = i
        for ci, name in enumerate(s.columns, start=1):
            c = ws.cell(row=header_row, column=ci, value=name)
            c.font, c.fill = Font(bold=True), HEADER_FILL
            c.alignment = Alignment(wrap_text=True, vertical="center")
            if s.widths and ci <= len(s.widths):
                ws.column_dimensions[c.column_letter].width = s.widths[ci - 1]
        for ri, row in enumerate(s.rows, start=header_row + 1):
            for ci, value in enumerate(row, start=1):
                c = ws.cell(row=ri, column=ci)
                if put(c, value):
                    cut.append(f"{ws.title}!{c.coordinate}")
                if ci - 1 in s.formats:
                    c.number_format = s.formats[ci - 1]
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
        last = ws.cell(row=header_row + max(len(s.rows), 1), column=max(len(s.columns), 1)).coordinate
        ws.auto_filter.ref = f"A{header_row}:{last}"
    if cut:  # said in the file itself, where the reader looks first
        note = first.cell(row=len(meta) + 4, column=1)
        note.value = f"注意：{len(cut)} 个单元格的内容超过 Excel 单元格上限（32,767 字），已截断，完整内容请导出 json：{'、'.join(cut[:10])}"
        note.font = Font(bold=True, color="C00000")
    return save_workbook(wb, path)
