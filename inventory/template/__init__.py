"""Excel templates generated from the form, working in Excel, WPS and LibreOffice (pitfalls P1–P13).

Owns everything a template is made of: the instructions sheet, the data sheets with prompts and
missing-value highlighting, dropdown lists through defined names, styles, and the `_meta` sheet that
identifies form, version and unit. It may import the base modules and `inventory.form`.
"""

from .build import build_template, template_filename, write_templates
from .instructions import INSTRUCTIONS_SHEET
from .lists import LISTS_SHEET
from .sheets import META_SHEET

__all__ = ["INSTRUCTIONS_SHEET", "LISTS_SHEET", "META_SHEET", "build_template", "template_filename", "write_templates"]
