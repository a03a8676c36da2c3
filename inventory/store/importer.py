"""Import validated returns: one transaction per file, idempotent, with history.

A file is validated first, then stored whole or not at all. The same content again is
`unchanged`; a file with errors is `rejected` (its submission and issues are kept, its rows are
not); a newer accepted submission of a unit supersedes the older one, which stays in the history.
Concurrent imports are safe: the unit row is locked (PostgreSQL), `sha256` is unique and a partial
unique index allows one accepted submission per unit; a transaction that loses a race is retried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..gcpause import paused_gc
from ..intake.result import FileReport
from ..intake.validate import Validator, validate_many
from .models import ACCEPTED, REJECTED, SUPERSEDED, SYSTEM_COLUMNS, ChildRecord, IssueRecord, Submission, SystemRecord, Unit

IMPORTED, UNCHANGED = "imported", "unchanged"
RETRIES = 8


@dataclass
class ImportResult:
    path: Path
    unit: str | None
    status: str  # imported | unchanged | rejected
    submission_id: int | None
    systems: int
    errors: int
    warnings: int
    report: FileReport

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "unit": self.unit,
            "status": self.status,
            "submission_id": self.submission_id,
            "systems": self.systems,
            "errors": self.errors,
            "warnings": self.warnings,
        }


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


class Importer:
    def __init__(self, engine: Engine, validator: Validator | None = None, operator: str | None = None) -> None:
        self.engine = engine
        self.validator = validator or Validator()
        self.operator = operator

    def import_file(self, path: Path, dry_run: bool = False) -> ImportResult:
        return self.store(Path(path), self.validator.validate(Path(path)), dry_run)

    def import_files(self, paths: list[Path], dry_run: bool = False, workers: int | None = None) -> Iterator[ImportResult]:
        """Import in the order given: files are validated in parallel, stored one transaction each."""
        for path, report in zip(paths, validate_many(paths, self.validator, workers), strict=True):
            yield self.store(Path(path), report, dry_run)

    def store(self, path: Path, report: FileReport, dry_run: bool = False) -> ImportResult:
        """Store a validated file: all of it or nothing."""
        sha = (report.data.sha256 if report.data else None) or _sha256(path)
        unit_name = report.unit.name if report.unit else None
        status = REJECTED if report.errors else IMPORTED

        def result(status: str, submission_id: int | None) -> ImportResult:
            return ImportResult(path, unit_name, status, submission_id, report.systems, report.errors, report.warnings, report)

        if sha is None:  # unreadable: nothing to store
            return result(REJECTED, None)
        if dry_run:
            with self.engine.connect() as conn:
                existing = conn.scalar(select(Submission.id).where(Submission.sha256 == sha))
            return result(UNCHANGED if existing else status, None)
        for attempt in range(RETRIES):
            try:
                with self.engine.begin() as conn, paused_gc():
                    existing_id, new_id = self._store(conn, path, report, sha, status)
                return result(UNCHANGED, existing_id) if existing_id else result(status, new_id)
            except (IntegrityError, OperationalError) as exc:  # lost a race: look again
                if attempt == RETRIES - 1 or not self._retryable(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    @staticmethod
    def _retryable(exc: DBAPIError) -> bool:
        text = str(exc.orig).lower() if exc.orig else str(exc).lower()
        return isinstance(exc, IntegrityError) or any(w in text for w in ("deadlock", "locked", "serializ", "busy"))

    def _store(self, conn: Connection, path: Path, report: FileReport, sha: str, status: str) -> tuple[int | None, int | None]:
        unit_id = None
        if report.unit is not None:
            q = select(Unit.id).where(Unit.name == report.unit.name)
            if conn.dialect.name == "postgresql":
                q = q.with_for_update()
            unit_id = conn.scalar(q)
        existing = conn.scalar(select(Submission.id).where(Submission.sha256 == sha))
        if existing:
            return existing, None
        accepted = status == IMPORTED and unit_id is not None
        if accepted:
            conn.execute(update(Submission).where(Submission.unit_id == unit_id, Submission.status == ACCEPTED).values(status=SUPERSEDED))
        data = report.data
        unit_sheet = data.sheets.get(self.validator.form.unit_sheet.name) if data else None
        unit_values = {k: _json_value(v) for k, v in unit_sheet.records[0].values.items()} if unit_sheet and unit_sheet.records else None
        size = report.data.size if report.data and report.data.size else (path.stat().st_size if path.exists() else 0)
        new_id = conn.scalar(
            insert(Submission)
            .values(
                unit_id=unit_id,
                unit_written=report.unit_written,
                file_name=path.name,
                sha256=sha,
                size=size,
                form_id=self.validator.form.id,
                form_version=report.form_version,
                received_at=dt.datetime.now(dt.UTC),
                operator=self.operator,
                status=ACCEPTED if accepted else REJECTED,
                systems=report.systems,
                errors=report.errors,
                warnings=report.warnings,
                as_of=self.validator.as_of,
                unit_values=unit_values,
                completeness=report.completeness,
                completeness_recommended=report.completeness_recommended,
            )
            .returning(Submission.id)
        )
        issues = [
            {
                "submission_id": new_id,
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
            for i in report.issues
        ]
        if issues:
            conn.execute(insert(IssueRecord), issues)
        if accepted and data is not None:
            self._store_rows(conn, new_id, unit_id, data)
        return None, new_id

    def _store_rows(self, conn: Connection, submission_id: int, unit_id: int | None, data: Any) -> None:
        form = self.validator.form
        main = data.sheets.get(form.main.name)
        systems = []
        if main is not None:
            for rec in main.records:
                values = rec.values
                row = {c: values.get(c) for c in SYSTEM_COLUMNS}
                row.update(submission_id=submission_id, unit_id=unit_id, row=rec.row, data=values)
                systems.append(row)
        children = []
        for child in form.children:
            sd = data.sheets.get(child.name)
            if sd is None:
                continue
            for rec in sd.records:
                children.append(
                    {
                        "submission_id": submission_id,
                        "sheet": child.name,
                        "row": rec.row,
                        "system_no": rec.values.get(child.parent_key or ""),
                        "data": rec.values,
                    }
                )
        for table, rows in ((SystemRecord.__table__, systems), (ChildRecord.__table__, children)):
            if not rows:
                continue
            _bulk_insert(conn, table, rows)


def _bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Many rows at the driver's speed, inside the current transaction (still all or nothing):
    COPY on PostgreSQL, executemany on SQLite, plain Core inserts elsewhere."""
    dialect = conn.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        conn.execute(table.insert(), rows)
        return
    columns = [c.name for c in table.columns if c.name != "id"]
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    values = ([orjson.dumps(row[c]).decode() if c in json_columns else row[c] for c in columns] for row in rows)
    raw = conn.connection.driver_connection
    assert raw is not None
    quoted = ", ".join(f'"{c}"' for c in columns)
    if dialect == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    else:
        raw.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join('?' * len(columns))})", values)
