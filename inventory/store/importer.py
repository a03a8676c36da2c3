"""Import validated returns: each file all or nothing, idempotent, with history.

A file is validated first, then stored whole or not at all. The same content again is
`unchanged`; a file with errors is `rejected` (its submission and issues are kept, its rows are
not); a newer accepted submission of a unit supersedes the older one, which stays in the history.
Concurrent imports are safe: the unit row is locked (PostgreSQL), `sha256` is unique and a partial
unique index allows one accepted submission per unit; a transaction that loses a race is retried.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..form.issues import ERROR, Issue, make_issue
from ..gcpause import paused_gc
from ..intake.result import FileReport, for_office
from ..intake.validate import Validator, validate_many
from .bulk import store_rows
from .chunk import ChunkFacts, take_current, unit_and_lock
from .content import content_key, round_key
from .current import RoundState, round_state
from .db import explain
from .identity import day_of, mark_issues, match_systems
from .models import ACCEPTED, REJECTED, SUPERSEDED, IssueRecord, Submission

IMPORTED, UNCHANGED, FAILED = "imported", "unchanged", "failed"
DRIVERS = ("sqlite3", "psycopg", "psycopg2")  # the modules whose own errors bulk storage may raise
RETRIES = 8
CHUNK = 50  # files stored in one transaction by import_files


REFUSALS = ("UNIT_OUTSIDE", "RETURN_LOCKED")  # a return refused for where it stands, not for what it holds


@dataclass
class ImportResult:
    path: Path
    unit: str | None
    status: str  # imported | unchanged | rejected | failed (the database could not take it; nothing stored)
    submission_id: int | None
    systems: int
    errors: int
    warnings: int
    report: FileReport
    current: bool = False  # it is now the unit's current return
    note: str | None = None  # why it is not current, or why it failed
    stored_as: str | None = None  # the submission's content key (the file's sha256, or its key in a later round)

    @property
    def locked(self) -> bool:
        """Refused because the unit's return is approved and locked (not for anything in the file)."""
        return any(i.code == "RETURN_LOCKED" for i in self.report.issues)

    @property
    def file_errors(self) -> int:
        """Errors in the file itself: a refusal for where it stands (another office's, locked) is not its fault."""
        return self.errors - sum(1 for i in self.report.issues if i.code in REFUSALS and i.severity == ERROR)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "unit": self.unit,
            "status": self.status,
            "submission_id": self.submission_id,
            "systems": self.systems,
            "errors": self.errors,
            "warnings": self.warnings,
            "current": self.current,
            "note": self.note,
        }


@dataclass
class _Stored:
    id: int | None  # None: refused, nothing stored
    status: str
    current: bool
    note: str | None
    found: list[Issue] = field(default_factory=list)  # warnings from the comparison with the previous return
    key: str | None = None  # the content key it is stored under


_UNCHANGED_NOTES = {
    REJECTED: "同一文件已导入过，当时因有错误被退回",
    SUPERSEDED: "同一文件已导入过，现已不是当前报送；如要以它为准，请用 inventory submissions use",
}


def _database_errors() -> tuple[type[BaseException], ...]:
    """What the database or its driver raises (bulk storage talks to the driver itself)."""
    return (DBAPIError, *(module.Error for name in DRIVERS if (module := sys.modules.get(name)) is not None))


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1024**2), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool, list)) or value is None:
        return value
    return str(value)


def _issue_rows(submission_id: int, issues: list[Issue]) -> list[dict[str, Any]]:
    return [
        {
            "submission_id": submission_id,
            "code": i.code,
            "severity": i.severity,
            "sheet": i.sheet,
            "row": i.row,
            "column": i.column,
            "field": i.field,
            "message": i.message,
            "value": None if i.value is None else str(i.value),
            "hint": i.hint,
        }
        for i in issues
    ]


def _busy(exc: DBAPIError) -> bool:
    """The database stayed locked past the wait (another import holds it)."""
    text = str(exc.orig).lower() if exc.orig else str(exc).lower()
    return isinstance(exc, OperationalError) and any(w in text for w in ("database is locked", "lock timeout", "canceling statement"))


def _retryable(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower() if exc.orig else str(exc).lower()
    return isinstance(exc, IntegrityError) or any(w in text for w in ("deadlock", "locked", "serializ", "busy"))


def _outside(report: FileReport) -> str | None:
    """Why nothing of the report is stored when its unit is another office's (None when it is not):
    the return is that office's to import, and a row here would stand in that unit's history."""
    issue = report.elsewhere
    return None if issue is None else f"{issue.message}，未写入数据库；{issue.hint}"


def _result(
    path: Path,
    report: FileReport,
    unit_name: str | None,
    status: str,
    submission_id: int | None,
    current: bool = False,
    note: str | None = None,
    stored: _Stored | None = None,
) -> ImportResult:
    found = stored.found if stored is not None else None
    full = replace(report, issues=[*report.issues, *found]) if found else report
    key = stored.key if stored is not None else None
    return ImportResult(path, unit_name, status, submission_id, full.systems, full.errors, full.warnings, full, current, note, key)


def _prepare(path: Path, report: FileReport, office: Any, roster: Any = None) -> tuple[FileReport, str | None, str, str | None]:
    """The report as it will be stored (with UNIT_OUTSIDE when the unit is outside the importing office's
    part), the content's sha256 (None: unreadable), the status it earns and the unit's name."""
    sha = (report.data.sha256 if report.data else None) or _sha256(path)
    unit_name = report.unit.name if report.unit else None
    report = for_office(report, office, path.name, roster)
    return report, sha, (REJECTED if report.errors else IMPORTED), unit_name


def _in_closed_round(state: RoundState, note: str | None) -> str | None:
    """A return stored between `round close` and `round open` lands in the closed round: said, never silent."""
    if state.closed is None:
        return note
    said = f"当前没有开放的调查轮次，这份报表归入最近的轮次“{state.closed}”（已关闭）；开始新一轮请先运行 inventory round open"
    return f"{said}；{note}" if note else said


class Importer:
    """Stores returns into `engine`. `under`: the office importing; a return of a unit outside its part
    of the tree is refused (a county office cannot file a return for a unit of another county)."""

    def __init__(
        self, engine: Engine, validator: Validator | None = None, operator: str | None = None, under: Any = None, received_at: Any = None
    ) -> None:
        from .units import tree

        self.engine = engine
        self.validator = validator or Validator(roster=tree(engine))
        self.operator = operator
        self.under = under
        self.received_at = received_at  # when the office received the files (a batch imported days later), else now

    def import_file(self, path: Path, dry_run: bool = False) -> ImportResult:
        return self.store(Path(path), self.validator.validate(Path(path)), dry_run)

    def import_files(
        self, paths: list[Path], dry_run: bool = False, workers: int | None = None, chunk: int = CHUNK
    ) -> Iterator[ImportResult]:
        """Import in the order given: files are validated in parallel and stored `chunk` at a time in
        one transaction (one commit instead of one per file). When a chunk's transaction fails, its
        files are stored again one transaction each, so each file is still all or nothing."""
        pending: list[tuple[Path, FileReport]] = []
        with paused_gc():  # thousands of reports arrive here: the collector runs once a chunk, not every few hundred objects
            for path, report in zip(paths, validate_many(paths, self.validator, workers), strict=True):
                if dry_run:
                    yield self.store(Path(path), report, dry_run)
                    continue
                pending.append((Path(path), report))
                if len(pending) >= chunk:
                    yield from _store_chunk(self, pending)
                    pending = []
                    gc.collect(1)
            yield from _store_chunk(self, pending)
        gc.collect(1)

    def store(self, path: Path, report: FileReport, dry_run: bool = False, name: str | None = None) -> ImportResult:
        """Store a validated file: all of it or nothing. A database that stays busy fails this file
        (status `failed`, nothing stored) and the batch goes on. `name` is the file's name as the
        unit gave it, when it is kept under another (an upload to the portal)."""
        report, sha, status, unit_name = _prepare(path, report, self.under, self.validator.roster)
        if sha is None or _outside(report):  # unreadable, or another office's unit: nothing to store
            return _result(path, report, unit_name, REJECTED, None, note=_outside(report))
        if dry_run:  # the real thing in a transaction that is rolled back: the same answer, nothing kept
            with self.engine.connect() as conn, paused_gc():
                trans = conn.begin()
                try:
                    stored = self._store(conn, path, report, sha, status, name)
                finally:
                    trans.rollback()
            note = stored.note and stored.note.split("；如确要")[0]
            return _result(path, report, unit_name, stored.status, None, stored.current, note, stored)
        for attempt in range(RETRIES):
            try:
                with self.engine.begin() as conn, paused_gc():
                    stored = self._store(conn, path, report, sha, status, name)
                return _result(path, report, unit_name, stored.status, stored.id, stored.current, stored.note, stored)
            except (IntegrityError, OperationalError) as exc:  # lost a race: look again
                if _busy(exc):
                    return _result(path, report, unit_name, FAILED, None, note=explain(exc).message)
                if attempt == RETRIES - 1 or not _retryable(exc):
                    raise explain(exc, _url(self.engine)) from exc
                time.sleep(0.05 * (attempt + 1))
            except _database_errors() as exc:  # the database cannot take it (disk full, connection lost): nothing was kept
                raise explain(exc, _url(self.engine)) from exc
        raise AssertionError("unreachable")

    def _store(
        self,
        conn: Connection,
        path: Path,
        report: FileReport,
        sha: str,
        status: str,
        name: str | None = None,
        state: RoundState | None = None,
        facts: ChunkFacts | None = None,
    ) -> _Stored:
        state = state or round_state(conn)
        round_id = state.id
        unit_id, locked = unit_and_lock(conn, report, status == IMPORTED, state, facts)
        if locked:  # nothing is stored: the office reopens the return (or the part) first
            return _Stored(None, REJECTED, False, locked, [make_issue("RETURN_LOCKED", file=path.name, value=locked)])
        existing, key = content_key(conn, facts, sha, round_id, status == IMPORTED and unit_id is not None)
        if existing:
            return _Stored(existing.id, UNCHANGED, existing.status == ACCEPTED, _UNCHANGED_NOTES.get(existing.status))
        data = report.data
        unit_sheet = data.sheets.get(self.validator.form.unit_sheet.name) if data else None
        unit_values = {k: _json_value(v) for k, v in unit_sheet.records[0].values.items()} if unit_sheet and unit_sheet.records else None
        filled_on = day_of((unit_values or {}).get("fill_date"))
        accepted = status == IMPORTED and unit_id is not None
        row_status, current, note = (ACCEPTED if accepted else REJECTED), False, None
        matched = None
        if accepted and data is not None:  # before anything changes: compared with the unit's previous return
            main = data.sheets.get(self.validator.form.main.name)
            rows = main.value_rows() if main is not None else []
            known = facts.previous.get(unit_id, (None, [])) if facts is not None else None
            matched = match_systems(conn, unit_id, rows, self.validator.form.change_mark, filled_on, round_id, known)
        if accepted:
            row_status, current, note = take_current(conn, unit_id, round_id, filled_on, facts)
        found = mark_issues(self.validator.form, report, matched) if matched else []
        size = report.data.size if report.data and report.data.size else (path.stat().st_size if path.exists() else 0)
        row = dict(
            unit_id=unit_id,
            unit_written=report.unit_written,
            file_name=name or path.name,
            sha256=key,
            size=size,
            form_id=self.validator.form.id,
            form_version=report.form_version,
            round_id=round_id,
            received_at=self.received_at or dt.datetime.now(dt.UTC),
            operator=self.operator,
            status=row_status,
            systems=report.systems,
            errors=report.errors,
            warnings=report.warnings + len(found),
            as_of=self.validator.as_of,
            unit_values=unit_values,
            completeness=report.completeness,
            completeness_recommended=report.completeness_recommended,
            filled_on=filled_on,
        )
        new_id = facts.add_submission(row) if facts is not None else conn.scalar(insert(Submission).values(**row).returning(Submission.id))
        issues = _issue_rows(new_id, [*report.issues, *found])
        if facts is not None:  # written with the chunk's
            facts.issues += issues
        elif issues:
            conn.execute(insert(IssueRecord), issues)
        if accepted and data is not None:  # an older return keeps its rows too, so the office can make it current
            if facts is not None:
                facts.add_rows(self.validator.form, new_id, unit_id, data, matched.keys if matched else None)
            else:
                self._store_rows(conn, new_id, unit_id, data, matched.keys if matched else None)
        if note:
            note += f"；如确要以它为准，请运行 inventory submissions use {new_id}"
        elif matched is not None:
            note = matched.note()
        return _Stored(new_id, status, current, _in_closed_round(state, note), found, key)

    def _store_rows(self, conn: Connection, submission_id: int, unit_id: int | None, data: Any, keys: dict[int, str] | None = None) -> None:
        store_rows(conn, self.validator.form, submission_id, unit_id, data, keys)


def _store_chunk(imp: Importer, items: list[tuple[Path, FileReport]]) -> Iterator[ImportResult]:
    """Several files in one transaction; when it fails, each again in its own (see `import_files`)."""
    if len(items) <= 1:
        yield from (imp.store(path, report) for path, report in items)
        return
    prepared = [(path, *_prepare(path, report, imp.under, imp.validator.roster)) for path, report in items]
    prepared = [(path, report, None if _outside(report) else sha, status, unit) for path, report, sha, status, unit in prepared]
    try:
        with imp.engine.begin() as conn, paused_gc():
            state = round_state(conn)  # once for the chunk: one transaction, one view of the round
            units = [report.unit.name if report.unit else None for _, report, sha, _, _ in prepared if sha is not None]
            keys = [k for _, _, sha, _, _ in prepared if sha is not None for k in (sha, round_key(sha, state.id))]
            facts = ChunkFacts.read(conn, units, keys, state.id)  # None: files share a unit or bytes, asked one by one
            done = [
                (
                    path,
                    report,
                    unit_name,
                    imp._store(conn, path, report, sha, status, state=state, facts=facts) if sha is not None else None,
                )
                for path, report, sha, status, unit_name in prepared
            ]
            if facts is not None:
                facts.write(conn)
    except (IntegrityError, OperationalError, *_database_errors()):  # one at a time: the guarantees of `store`
        yield from (imp.store(path, report) for path, report in items)
        return
    for path, report, unit_name, stored in done:
        if stored is None:
            yield _result(path, report, unit_name, REJECTED, None, note=_outside(report))
        else:
            yield _result(path, report, unit_name, stored.status, stored.id, stored.current, stored.note, stored)
