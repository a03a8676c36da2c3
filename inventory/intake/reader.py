"""Read a returned workbook into located, normalised records.

Records carry their sheet, Excel row and (through the sheet's column map) column letter from the
moment they are read; nothing later recomputes positions (pitfall P14). Headers are matched by
text, so moved, renamed, missing and unknown columns are each reported and the data is still read.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ..form.issues import make_issue
from ..form.model import Form
from ..template import META_SHEET
from .records import Record, SheetData, WorkbookData
from .safeopen import FileProblem, SafeFile, open_safely
from .sheets import Parser, SheetSource, choose_sheets
from .tables import read_form, read_table

__all__ = ["Record", "SheetData", "WorkbookData", "read_workbook"]


SMALL_FILE = 256 * 1024  # bytes: a return of a few hundred systems, read faster without helper threads


def _small(path: Path) -> bool:
    try:
        return path.stat().st_size <= SMALL_FILE
    except OSError:
        return False


class _Reader:
    def __init__(self, path: Path, form: Form) -> None:
        self.path = path if isinstance(path, Path) else Path(path)  # (the caller's own object: see `validate.as_path`)
        self.form = form
        self.data = WorkbookData(path=self.path)

    def read(self) -> WorkbookData:
        data = self.data
        parser = Parser(self.path, inline=_small(self.path))
        try:
            try:
                safe = open_safely(self.path, parser.open, parser.sheet_ok)
            except FileProblem as exc:
                data.issues.append(exc.issue)
                data.fatal = True
                return data
            try:
                if safe.copy is not None:
                    parser.reopen(safe.copy)
                self._read_safe(safe, parser)
            finally:
                safe.close()
        finally:
            parser.close()
        return data

    def _read_safe(self, safe: SafeFile, parser: Parser) -> None:
        data = self.data
        try:
            data.size, data.sha256 = safe.size, safe.sha256
            try:
                source = SheetSource(safe, parser, data)
            except Exception as exc:  # calamine raises its own error types for broken parts
                raise FileProblem(make_issue("FILE_CORRUPT", value=f"无法解析工作簿（{type(exc).__name__}）")) from exc
            self._read_all(source)
            if safe.active and not data.fatal:  # macros and external links: said, not refused
                data.add("FILE_ACTIVE_CONTENT", value="、".join(safe.active))
        except FileProblem as exc:
            data.issues.append(replace(exc.issue, file=str(self.path)))
            data.fatal = True
        except Exception as exc:  # anything else is this file's problem too: a batch never stops for one file
            if os.environ.get("INVENTORY_DEBUG"):
                raise
            data.add("FILE_UNREADABLE", value=f"读取时出错（{type(exc).__name__}）")
            data.fatal = True

    def _read_all(self, source: SheetSource) -> None:
        data, form = self.data, self.form
        if META_SHEET in source.names:
            rows = source.rows(META_SHEET)
            data.meta = {str(r[0]): str(r[1]) for r in rows[:50] if len(r) > 1 and r[0] != ""}
        source.prefetch([*(s.name for s in form.sheets), *source.names])
        found = choose_sheets(form, source, data)
        self._recognise(found)
        for spec in form.sheets:
            name = found.get(spec.name)
            if name is None:
                data.add("SHEET_MISSING", expected=spec.name)
                continue
            source.report_scan(name, spec.first_data_row)
            if source.safe.scans[name].too_many_rows:  # only its head was kept: none of its rows is read,
                data.fatal = True  # and no check runs on a return that lacks them
                continue
            rows, merges = source.read(name)
            if spec.layout == "form":
                data.sheets[spec.name] = read_form(data, spec, name, rows)
            else:
                data.sheets[spec.name] = read_table(data, spec, name, rows, merges, source.safe.scans[name].booleans, self._old())
            source.drop(name)  # the raw rows are no longer needed

    def _old(self) -> tuple[dict[str, str], dict[str, dict[str, str]]] | None:
        """An accepted older version's renamed headers and options (forms/versions.json), or None."""
        version = self.data.meta.get("form_version")
        if not version or version == self.form.version or version not in self.form.accepted_versions:
            return None
        return self.form.old_headers(version), self.form.old_options(version)

    def _recognise(self, found: dict[str, str]) -> None:
        data, form = self.data, self.form
        meta = data.meta
        if meta.get("form_id"):
            if meta["form_id"] != form.id:
                data.add("FORM_OTHER", value=meta["form_id"], expected=form.id)
            elif meta.get("form_version") != form.version:
                accepted = meta.get("form_version") in form.accepted_versions
                data.add(
                    "FORM_OLD_VERSION", value=meta.get("form_version"), expected=form.version, severity="warning" if accepted else "error"
                )
        elif form.main.name in found:
            data.add("FORM_NO_META")
        if form.main.name not in found and form.unit_sheet.name not in found:
            data.add("FORM_UNKNOWN", expected="、".join(s.name for s in form.sheets))
            data.fatal = True


def read_workbook(path: Path, form: Form) -> WorkbookData:
    """Read `path` against `form`. Never raises for a bad file: problems become issues."""
    return _Reader(path if isinstance(path, Path) else Path(path), form).read()
