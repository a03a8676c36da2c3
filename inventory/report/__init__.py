"""Reports: what the office reads, from the database and the assessment.

Owns the report data in the contract's JSON shapes (coverage, issues and findings, the consolidated
inventory), their sections, and every output format (json, Markdown, xlsx, HTML with inline SVG).
It may import the base modules, `inventory.form`, `inventory.store` (to read) and `inventory.assess`.
"""

from .data import SCOPES
from .formats import FORMATS, write_report
from .reports import Reports

__all__ = ["FORMATS", "SCOPES", "Reports", "write_report"]
