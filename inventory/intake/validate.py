"""Validate returned workbooks: every problem in one pass, each located to its cell.

For one file: safe open and read (reader.py), then the checks in `checks.CHECKS` (per-row schema,
the form's named rules as of the reference date, duplicates, cross-sheet references, unit
identity), completeness, and the FAQ entry named in each hint. A bad file never raises: it
becomes issues.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..form.issues import Issue
from ..form.load import load_form
from ..form.model import Form
from ..form.roster import Roster, load_roster
from ..form.rules import CompiledRule, compile_rule
from ..gcpause import paused_gc
from ..kb.links import link_faq
from .checks import CHECKS, Context
from .completeness import Completeness
from .reader import read_workbook
from .result import FileReport

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".csv")


class Validator:
    """Validates files against one form, roster and reference date; reusable across a batch."""

    def __init__(self, form: Form | None = None, roster: Roster | None = None, as_of: dt.date | None = None) -> None:
        self.form = form or load_form()
        self.roster = roster or load_roster()
        self.as_of = as_of or self.form.as_of
        self.rules: list[CompiledRule] = [compile_rule(r, self.form.main.key) for r in self.form.rules]
        self.titles = {f.key: f.title for s in self.form.sheets for f in s.fields}
        self.sheet_order = {s.name: i for i, s in enumerate(self.form.sheets)}
        self.completeness = Completeness(self.form.main)

    def validate(self, path: Path) -> FileReport:
        with paused_gc():
            return self._validate(Path(path))

    def _validate(self, path: Path) -> FileReport:
        data = read_workbook(path, self.form)
        report = FileReport(path=path, data=data, form_version=data.meta.get("form_version") or None)
        issues = list(data.issues)
        if not data.fatal:
            ctx = Context(self.form, self.roster, self.as_of, self.rules, self.titles, data, report)
            for check in CHECKS:
                issues.extend(check(ctx))
            main = ctx.main
            if main is not None:
                report.systems = len(main.records)
                report.completeness, report.completeness_recommended = self.completeness(main)
        report.issues = [link_faq(i) for i in sorted(issues, key=self._order)]
        return report

    def _order(self, i: Issue) -> tuple[int, int, int, int, str]:
        col = i.column or ""
        return (0 if i.sheet is None else 1, self.sheet_order.get(i.sheet or "", 99), i.row or 0, len(col), col + i.code)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders give every workbook-like file inside (sorted, not recursive into hidden)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(
                sorted(x for x in p.iterdir() if x.is_file() and x.suffix.lower() in EXCEL_SUFFIXES and not x.name.startswith(("~$", ".")))
            )
        else:
            out.append(p)
    return out


_WORKER: Validator | None = None
MAX_WORKERS = 4


def _start_worker(as_of: dt.date | None) -> None:
    global _WORKER
    _WORKER = Validator(as_of=as_of)


def _validate_in_worker(path: Path) -> FileReport:
    assert _WORKER is not None
    return _WORKER.validate(path)


def validate_many(paths: list[Path], validator: Validator, workers: int | None = None) -> Iterator[FileReport]:
    """Reports in the order of `paths`; several files are validated in parallel processes.

    Only the shipped form is used in workers (it is what they load); a validator built on another
    form, or a single file, runs in this process.
    """
    n = min(workers or os.cpu_count() or 1, MAX_WORKERS, len(paths))  # workers=0/None: one per core
    if n < 2 or validator.form is not load_form() or validator.roster is not load_roster():
        yield from (validator.validate(p) for p in paths)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(n, initializer=_start_worker, initargs=(validator.as_of,)) as pool:
        yield from pool.map(_validate_in_worker, paths)
