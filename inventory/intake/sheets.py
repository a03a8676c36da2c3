"""The sheets of a returned workbook: raw rows through the one guarded reader, and which sheet of the
file holds which sheet of the form (a hidden original is not read when a visible copy exists).

Rows come from python-calamine over parts `safeopen` has proven sane; a parse error in any sheet
is that file's issue (FILE_CORRUPT naming the sheet), never an exception that stops a batch.
"""

from __future__ import annotations

import ctypes
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from ..form.issues import make_issue
from ..form.model import Form, Sheet
from ..template import INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET
from .headers import best_header_row, header_key, title_keys
from .records import WorkbookData
from .safeopen import ROW_LIMIT, FileProblem, SafeFile

Merges = list[tuple[tuple[int, int], tuple[int, int]]]


NEVER_READ = (LISTS_SHEET, INSTRUCTIONS_SHEET)  # our own template sheets: never data


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


BIG_SHEET = 5_000  # rows from which a parsed sheet's heap pages are handed back (a small one's are not worth a call)


def give_back_memory() -> None:
    """Return freed heap pages to the system (glibc keeps them otherwise, and Python's own object
    arenas cannot reuse them), so a big sheet's parse does not add to the peak of what follows."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class Parser:
    """calamine on a thread of its own. It parses without holding the GIL, so the workbook (shared
    strings, styles) opens while the worksheets are still being scanned, each worksheet is parsed as
    soon as its scan has proven it sane, and the reader meanwhile turns earlier sheets into columns.
    Every call into the workbook runs on this one thread. A small file (`inline`) is parsed on the
    caller's thread: there is nothing to overlap, and starting and waiting on a thread costs more."""

    def __init__(self, path: Path, inline: bool = False) -> None:
        self.inline = inline
        self.pool: Any = _Inline() if inline else ThreadPoolExecutor(1, thread_name_prefix="calamine")
        self.path = path
        self.book: Future[tuple[CalamineWorkbook, list[str], dict[str, bool]]] | None = None
        self.sheets: dict[str, Future[Any]] = {}
        self.done: set[str] = set()  # sheets whose parse was started (once each)

    def open(self) -> None:
        """The package is sane: start opening the workbook (its sheet list is read with it: once a
        sheet is being parsed, the workbook may not be touched from another thread)."""
        path = str(self.path)

        def opened() -> tuple[CalamineWorkbook, list[str], dict[str, bool]]:
            wb = CalamineWorkbook.from_path(path)
            return wb, list(wb.sheet_names), {m.name: m.visible == SheetVisibleEnum.Visible for m in wb.sheets_metadata}

        self.book = self.pool.submit(opened)

    def sheet_ok(self, name: str) -> None:
        """A worksheet's scan found nothing to fear: start parsing it (inline: when it is asked for, as
        nothing would overlap; a padded sheet is then read from its trimmed copy only)."""
        if not self.inline and self.book is not None and name not in self.done and name not in NEVER_READ:
            self.sheets[name] = self._submit(name)

    def _submit(self, name: str) -> Future[Any]:
        book = self.book
        assert book is not None
        self.done.add(name)
        return self.pool.submit(lambda: book.result()[0].get_sheet_by_name(name))

    def reopen(self, path: Path) -> None:
        """Read the other sheets from another file (the trimmed copy): sheets already being parsed
        from the original were proven sane and are kept."""
        self.path = path
        self.open()

    def contents(self) -> tuple[list[str], dict[str, bool]]:
        """The workbook's sheet names, and whether each is visible."""
        if self.book is None:
            self.open()
        assert self.book is not None
        _, names, visible = self.book.result()
        return names, visible

    def sheet(self, name: str) -> Any:
        started = self.sheets.pop(name, None)
        return (started or self._submit(name)).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Inline:
    """An executor that runs each call at once, on the caller's thread (`Parser` for a small file)."""

    def submit(self, fn: Any) -> Future[Any]:
        done: Future[Any] = Future()
        try:
            done.set_result(fn())
        except BaseException as exc:  # raised where the result is asked for, as from the thread
            done.set_exception(exc)
        return done

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def from_a1(rows: list[list[Any]], top: int, left: int) -> list[list[Any]]:
    """Rows that start at A1, so a row's index is its Excel row - 1 and a cell's its column - 1."""
    if left:
        pad = [""] * left
        rows = [pad + r for r in rows]
    if top:
        blank = [""] * (len(rows[0]) if rows else 0)
        rows = [list(blank) for _ in range(top)] + rows
    return rows


class SheetSource:
    """Each sheet's raw rows, read once on demand; what the scan found becomes issues as it is read."""

    def __init__(self, safe: SafeFile, parser: Parser, data: WorkbookData) -> None:
        self.safe, self.parser, self.data = safe, parser, data
        names, self.visible = parser.contents()
        self.names = [n for n in names if n in safe.sheet_parts]
        self.cache: dict[str, tuple[list[list[Any]], Merges]] = {}

    def prefetch(self, names: list[str]) -> None:
        """Parse these sheets, in this order, on the parser thread."""
        for name in dict.fromkeys(names):
            if name in self.names:
                self.parser.sheet_ok(name)

    def rows(self, name: str) -> list[list[Any]]:
        return self.read(name)[0]

    def read(self, name: str) -> tuple[list[list[Any]], Merges]:
        if name not in self.cache:
            try:
                sheet = self.parser.sheet(name)
                rows = sheet.to_python()  # from the first used cell: asking calamine for A1 on makes it copy the sheet
                start = sheet.start or (0, 0)
                merges = list(sheet.merged_cell_ranges or [])
            except Exception as exc:  # calamine raises its own error types for a broken sheet
                raise FileProblem(make_issue("FILE_CORRUPT", value=f"工作表“{name}”无法解析（{type(exc).__name__}）")) from exc
            del sheet
            if len(rows) > BIG_SHEET:
                give_back_memory()  # calamine's copy of the sheet is gone: let the next allocations reuse it
            self.cache[name] = (from_a1(rows, *start), merges)
        return self.cache[name]

    def drop(self, name: str) -> None:
        self.cache.pop(name, None)

    def report_scan(self, name: str, first_data_row: int) -> None:
        """What scanning found in a sheet that is read as part of the form."""
        scan, data = self.safe.scans[name], self.data
        if scan.too_many_rows:
            data.add("SHEET_TOO_MANY_ROWS", sheet=name, value=scan.row_count, expected=ROW_LIMIT)
        elif scan.far_cell:
            data.add("SHEET_STRAY_CELLS", sheet=name, value=scan.far_cell)
        for cell, formula in scan.formulas_without_value:
            row = int("".join(ch for ch in cell if ch.isdigit()))
            if row >= first_data_row:
                data.add("CELL_FORMULA", sheet=name, row=row, column=cell.rstrip("0123456789"), value=f"={formula}")


def _looks_like(source: SheetSource, name: str, spec: Sheet) -> bool:
    """A sheet whose name is the form sheet's (or a copy of it: 系统清单 (2)), or whose header row is."""
    key, own = header_key(spec.name), header_key(name)
    if own == key or own.startswith(key):
        return True
    if spec.layout != "table":
        return False
    _, hits = best_header_row(source.rows(name), title_keys(spec), spec.header_row)
    return hits >= max(3, len(spec.fields) // 3)


def choose_sheets(form: Form, source: SheetSource, data: WorkbookData) -> dict[str, str]:
    """Form sheet name -> the file's sheet that holds it. A visible sheet wins over a hidden one; two
    visible candidates are an error (which one the unit meant cannot be known)."""
    ours = {s.name for s in form.sheets} | {INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET}
    found: dict[str, str] = {}
    for spec in form.sheets:
        taken = set(found.values())
        candidates = [
            n
            for n in source.names
            if n not in taken and not n.startswith("_") and (n == spec.name or n not in ours) and _looks_like(source, n, spec)
        ]
        visible = [n for n in candidates if source.visible.get(n, True)]
        if len(visible) > 1:
            data.add("SHEET_AMBIGUOUS", expected=spec.name, value="、".join(f"“{n}”" for n in visible))
        chosen = (sorted(visible, key=lambda n: n != spec.name) or candidates or [None])[0]
        if chosen is None:
            continue
        found[spec.name] = chosen
        if not source.visible.get(chosen, True):
            data.add("SHEET_HIDDEN", sheet=chosen, expected=spec.name)
        skipped = [n for n in candidates if n != chosen and not source.visible.get(n, True)]
        if skipped and source.visible.get(chosen, True):
            data.add("SHEET_HIDDEN_SKIPPED", sheet=chosen, value="、".join(f"“{n}”" for n in skipped), expected=spec.name)
    return found
