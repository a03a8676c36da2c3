"""Excel templates generated from the form, working in Excel, WPS and LibreOffice (pitfalls P1–P13).

Owns everything a template is made of: the instructions sheet, the data sheets with prompts and
missing-value highlighting, dropdown lists through defined names, styles, and the `_meta` sheet that
identifies form, version and unit. It may import the base modules and `inventory.form`.
"""

from typing import TYPE_CHECKING, Any

from .names import INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET

if TYPE_CHECKING:
    from .build import build_template, template_filename, unit_template, write_templates

__all__ = [
    "INSTRUCTIONS_SHEET",
    "LISTS_SHEET",
    "META_SHEET",
    "build_template",
    "template_filename",
    "unit_template",
    "write_templates",
]


def __getattr__(name: str) -> Any:
    """The builders load openpyxl; reading a return only needs the sheet names, so they load on first use."""
    if name in ("build_template", "template_filename", "unit_template", "write_templates"):
        from . import build

        return getattr(build, name)
    raise AttributeError(name)
