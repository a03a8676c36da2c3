"""Assessment: what the inventory says about each system and across units.

Owns the findings (one function per kind, thresholds in `forms/findings.json`), duplicate detection
across units, and scores with a recommendation. It works on plain `System` values, so it needs no
database: it may import the base modules and `inventory.form` only.
"""

from .duplicates import duplicate_findings
from .findings import SYSTEM_CHECKS, system_findings
from .model import Finding, System, load_rules
from .scores import assess

__all__ = ["SYSTEM_CHECKS", "Finding", "System", "assess", "duplicate_findings", "load_rules", "system_findings"]
