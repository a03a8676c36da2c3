"""The form: what the survey asks, and the vocabulary every later stage speaks.

Owns `forms/` (sheet schemas, named rules, the unit roster) loaded into `Form`/`Sheet`/`Field`,
the normalisers that turn typed cells into canonical values, the compiled named rules, and the one
`Issue` type with its code catalogue. It is the bottom of the package: it imports only the base
modules (`inventory.errors`, `inventory.resources`), never another subpackage.
"""

from .issues import Issue, make_issue
from .load import load_form, schema_description
from .model import Field, Form, SchemaRule, Sheet
from .roster import Roster, Unit, load_roster

__all__ = [
    "Field",
    "Form",
    "Issue",
    "Roster",
    "SchemaRule",
    "Sheet",
    "Unit",
    "load_form",
    "load_roster",
    "make_issue",
    "schema_description",
]
