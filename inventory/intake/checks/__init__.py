"""The checks a return goes through, in order; each is a function from a `Context` to issues.

Add a check by writing a function `check_x(ctx) -> Iterable[Issue]` in its own module and listing
it in `CHECKS`. Each check is testable alone with a `Context` built from a read workbook.
"""

from .context import Check, Context
from .duplicates import check_duplicates
from .named_rules import check_named_rules
from .references import check_references
from .schema import check_schema
from .unit import check_unit

CHECKS: tuple[Check, ...] = (check_schema, check_named_rules, check_duplicates, check_references, check_unit)

__all__ = ["CHECKS", "Check", "Context"]
