"""Assessment: what the inventory says about each system and across units.

Owns the findings (one function per kind; which systems each kind applies to, its thresholds and
its wording live in `forms/findings.json`), reading system names for their business
(`forms/names.json`), duplicates across units, and scores with a recommendation. It works on plain
`System` values, so it needs no database: it may import the base modules and `inventory.form` only.
"""

from .duplicates import duplicate_findings, duplicate_findings_beside
from .findings import SYSTEM_CHECKS, applies_to, system_findings
from .model import Finding, System, load_rules
from .scores import assess
from .vocabulary import unknown_words

__all__ = [
    "SYSTEM_CHECKS",
    "Finding",
    "System",
    "applies_to",
    "assess",
    "duplicate_findings",
    "duplicate_findings_beside",
    "load_rules",
    "system_findings",
    "unknown_words",
]
