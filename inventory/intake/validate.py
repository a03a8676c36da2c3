"""Validate returned workbooks: every problem in one pass, each located to its cell.

For one file: safe open and read (reader.py), then the checks in `checks.CHECKS` (per-row schema,
the form's named rules as of the reference date, duplicates, cross-sheet references, unit
identity), completeness, and the FAQ entry named in each hint. A bad file never raises: it
becomes issues.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from ..form.issues import Issue, make_issue
from ..form.load import load_form
from ..form.model import Form
from ..form.roster import Roster, load_roster
from ..form.rules import CompiledRule, compile_rule
from ..gcpause import paused_gc, settled_heap
from ..kb.links import link_faq
from .checks import CHECKS, Context
from .completeness import Completeness
from .reader import read_workbook
from .result import FileReport

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".csv")


class Validator:
    """Validates files against one form, roster and reference date; reusable across a batch."""

    def __init__(self, form: Form | None = None, roster: Roster | None = None, as_of: dt.date | None = None) -> None:
        """A form deployed for a round (`Form.for_round`) checks as of that round's date and names a
        template made for another round (FORM_OLD_ROUND)."""
        self.form = form or load_form()
        self.roster = roster or load_roster()
        self.as_of = as_of or self.form.as_of
        self.round_key = self.form.round.get("key")
        self.rules: list[CompiledRule] = [compile_rule(r, self.form.main.key) for r in self.form.rules]
        self.titles = {f.key: f.title for s in self.form.sheets for f in s.fields}
        self.sheet_order = {s.name: i for i, s in enumerate(self.form.sheets)}
        self.completeness = Completeness(self.form.main)

    def validate(self, path: Path) -> FileReport:
        with paused_gc():
            return self._validate(as_path(path))

    def _validate(self, path: Path) -> FileReport:
        data = read_workbook(path, self.form)
        report = FileReport(path=path, data=data, form_version=data.meta.get("form_version") or None)
        issues = list(data.issues)
        made_for = data.meta.get("round")
        if self.round_key and made_for and made_for != self.round_key:  # the same form, another year: read, and said
            issues.append(make_issue("FORM_OLD_ROUND", file=str(path), value=made_for, expected=self.round_key))
        if not data.fatal:
            ctx = Context(self.form, self.roster, self.as_of, self.rules, self.titles, data, report)
            for check in CHECKS:
                issues.extend(check(ctx))
            main = ctx.main
            if main is not None:
                report.systems = len(main)
                report.completeness, report.completeness_recommended = self.completeness(main)
        report.issues = [link_faq(i) for i in sorted(issues, key=self._order)]
        return report

    def _order(self, i: Issue) -> tuple[int, int, int, int, str]:
        col = i.column or ""
        return (0 if i.sheet is None else 1, self.sheet_order.get(i.sheet or "", 99), i.row or 0, len(col), col + i.code)


def as_path(path: Path | str) -> Path:
    """`path` as a Path: the same object when it is one already (a report and its data then share it,
    and it crosses from a worker once, not twice)."""
    return path if isinstance(path, Path) else Path(path)


def natural_key(path: Path) -> list[Any]:
    """Order names as people number them: 第2次 before 第10次."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders give every workbook-like file inside, in natural order (not hidden, not
    recursive). A link that leads nowhere (or round in a loop) is kept: reading it says so, and the
    batch goes on."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = [
                x
                for x in p.iterdir()
                if (x.is_file() or (x.is_symlink() and not x.exists()))
                and x.suffix.lower() in EXCEL_SUFFIXES
                and not x.name.startswith(("~$", "."))
            ]
            out.extend(sorted(found, key=natural_key))
        else:
            out.append(p)
    return out


_WORKER: Validator | None = None
MAX_WORKERS = 4
WORKER_MEMORY = 6 * 1024**3  # address space a worker may use; a runaway reader fails there, not the machine


def _start_worker() -> None:
    """In each worker: die with the parent (a killed batch leaves nothing behind), bounded memory, the
    collector only over what the worker makes."""
    import ctypes
    import resource
    import signal

    gc.freeze()  # the parent's heap, inherited: never collected here (nor its pages copied by the collector's visits)
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the parent still waits for its workers
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    limit = int(os.environ.get("INVENTORY_WORKER_MEMORY", WORKER_MEMORY))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _validate_in_worker(path: Path) -> FileReport:
    assert _WORKER is not None
    report = _WORKER.validate(path)
    if report.data is not None:
        report.data.detach()  # the form's compiled parts stay here; the parent attaches its own
    return report


def _crashed(path: Path) -> FileReport:
    report = FileReport(path=Path(path))
    report.issues = [link_faq(make_issue("FILE_CRASHED", file=str(path)))]
    return report


def validate_many(paths: list[Path], validator: Validator, workers: int | None = None) -> Iterator[FileReport]:
    """Reports in the order of `paths`. Several files are validated in parallel worker processes
    (forked, so any validator works); a worker that dies on a file costs only that file: it is
    reported as FILE_CRASHED and the rest of the batch goes on. Nothing of a report is kept here once
    the caller has it, so a batch's memory is what the caller keeps."""
    paths = [Path(p) for p in paths]
    n = min(workers or os.cpu_count() or 1, MAX_WORKERS, len(paths))  # workers=0/None: one per core
    with settled_heap():  # thousands of reports made here: the collector would walk the whole heap again and again
        if n < 2 or multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
            yield from (validator.validate(p) for p in paths)
            return
        global _WORKER
        _WORKER = validator
        yield from _in_workers(paths, validator, n)


def _in_workers(paths: list[Path], validator: Validator, n: int) -> Iterator[FileReport]:
    done: dict[int, FileReport] = {}
    crashed: list[int] = []
    with _pool(n) as pool:
        futures = deque((batch, pool.submit(_validate_batch, [paths[i] for i in batch])) for batch in _batches(paths, n))
        while futures:
            batch, future = futures.popleft()  # let go of it: a future keeps its result (every report of the batch)
            try:
                done.update(zip(batch, future.result(), strict=True))
            except BrokenProcessPool:
                crashed.extend(batch)  # a worker died: on a file of this batch, or of another running beside it
            del future
            if not crashed:
                yield from (_attached(done.pop(i), validator) for i in batch)
    for i in crashed:  # alone in a fresh worker each, so a crash names its own file
        if i not in done:
            with _pool(1) as alone:
                try:
                    done[i] = alone.submit(_validate_in_worker, paths[i]).result()
                except BrokenProcessPool:
                    done[i] = _crashed(paths[i])
    for i in sorted(done):
        yield _attached(done[i], validator)


BATCH_FILES = 8  # small files handed to a worker together: one task each costs more than validating it
BATCH_BYTES = 1024**2  # a batch stops growing here (a big file goes alone: its report is big too)


def _batches(paths: list[Path], workers: int) -> list[list[int]]:
    """Indexes of `paths` in consecutive batches, small enough that every worker gets several."""
    most = max(1, min(BATCH_FILES, len(paths) // (workers * 4)))
    out: list[list[int]] = []
    size = 0
    for i, p in enumerate(paths):
        try:
            bytes_ = p.stat().st_size
        except OSError:  # missing or a loop: its own reading says so
            bytes_ = 0
        if not out or len(out[-1]) >= most or size + bytes_ > BATCH_BYTES:
            out.append([])
            size = 0
        out[-1].append(i)
        size += bytes_
    return out


def _validate_batch(paths: list[Path]) -> list[FileReport]:
    return [_validate_in_worker(p) for p in paths]


def _pool(n: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker)


def _attached(report: FileReport, validator: Validator) -> FileReport:
    if report.data is not None:
        report.data.attach(validator.form)
    return report
