"""Intake: from a returned file to a verdict, without touching the database.

Owns safe opening (bytes sniffing, zip and XML limits), reading sheets into located records,
the checks a return goes through (schema, named rules, duplicates, references, unit identity),
completeness, the `FileReport`, and the feedback workbook for the unit. It may import the base
modules, `inventory.form`, `inventory.template` (to recognise and rebuild templates) and
`inventory.kb` (to name the FAQ entry in each hint).
"""

from .result import FileReport
from .validate import Validator, expand_paths, validate_many

__all__ = ["FileReport", "Validator", "expand_paths", "validate_many"]
