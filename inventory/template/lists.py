"""Dropdown lists on a hidden sheet, referenced through defined names (pitfalls P1 and P3).

Excel corrupts inline lists longer than 255 characters and drops wrongly quoted cross-sheet ranges,
so every option list lives in a column of the veryHidden `_lists` sheet and a validation refers to
it by an ASCII defined name.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName

from ..form.model import Field
from .names import LISTS_SHEET


class Lists:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ws = wb.create_sheet(LISTS_SHEET)
        self.names: dict[tuple[str, ...], str] = {}  # options -> defined name

    def name_for(self, f: Field) -> str:
        """The defined name of `f`'s options, written once per distinct list."""
        assert f.enum
        if f.enum in self.names:
            return self.names[f.enum]
        col = len(self.names) + 1
        letter = get_column_letter(col)
        self.ws.cell(row=1, column=col, value=f.key)
        for i, option in enumerate(f.enum, start=2):
            self.ws.cell(row=i, column=col, value=option)
        name = f"L_{f.key}"
        ref = f"{quote_sheetname(LISTS_SHEET)}!{absolute_coordinate(f'{letter}2:{letter}{len(f.enum) + 1}')}"
        self.wb.defined_names[name] = DefinedName(name, attr_text=ref)
        self.names[f.enum] = name
        return name

    def finish(self) -> None:
        """Hide the list sheet where users cannot unhide it, after every visible sheet."""
        self.ws.sheet_state = "veryHidden"
        self.wb.move_sheet(LISTS_SHEET, offset=len(self.wb.sheetnames))
