"""How a template looks: fills for required / recommended / optional headers, fonts, borders."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from ..form.model import Field

FILL_REQUIRED = PatternFill("solid", fgColor="F8CBAD")
FILL_RECOMMENDED = PatternFill("solid", fgColor="DDEBF7")
FILL_OPTIONAL = PatternFill("solid", fgColor="EDEDED")
FILL_GROUP = PatternFill("solid", fgColor="D9E1F2")
FILL_MISSING = PatternFill("solid", fgColor="FF9999", bgColor="FF9999")
FILL_TITLE = PatternFill("solid", fgColor="1F4E78")
FILL_PREFILLED = PatternFill("solid", fgColor="FFF2CC")  # a row carried over from the unit's last return
BOLD = Font(bold=True)
RED_BOLD = Font(bold=True, color="C00000")
TITLE_FONT = Font(bold=True, size=14, color="FFFFFF")
WRAP = Alignment(wrap_text=True, vertical="center")
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
THIN = Border(*(Side(style="thin", color="A6A6A6"),) * 4)


def header_fill(f: Field, conditional: bool = False) -> PatternFill:
    """Orange for a field always required, light blue for one required in some cases or recommended, grey otherwise."""
    return FILL_REQUIRED if f.required else FILL_RECOMMENDED if f.recommended or conditional else FILL_OPTIONAL
