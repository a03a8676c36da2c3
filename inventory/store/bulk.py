"""Bulk storage at the driver's speed inside the caller's transaction (still all or nothing):
COPY on PostgreSQL, executemany on SQLite, plain Core inserts elsewhere."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection

from ..form.model import Form
from .models import SYSTEM_COLUMNS, ChildRecord, SystemRecord


def store_rows(
    conn: Connection, form: Form, submission_id: int, unit_id: int | None, data: Any, keys: dict[int, str] | None = None
) -> None:
    """A return's system and child rows, in the current transaction; `keys` gives each system row its
    identity across returns (see `identity.py`)."""
    systems, children = rows_of(form, submission_id, unit_id, data, keys)
    for table, rows in ((SystemRecord.__table__, systems), (ChildRecord.__table__, children)):
        if rows:
            bulk_insert(conn, table, rows)


def rows_of(
    form: Form, submission_id: int, unit_id: int | None, data: Any, keys: dict[int, str] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A return's system rows and child rows as the tables take them."""
    main = data.sheets.get(form.main.name)
    systems = []
    if main is not None:
        for excel_row, values in main.value_rows():
            row = {c: values.get(c) for c in SYSTEM_COLUMNS}
            row.update(submission_id=submission_id, unit_id=unit_id, row=excel_row, data=values, system_key=(keys or {}).get(excel_row))
            systems.append(row)
    children = []
    for child in form.children:
        sd = data.sheets.get(child.name)
        if sd is None:
            continue
        for excel_row, values in sd.iter_values():
            children.append(
                {
                    "submission_id": submission_id,
                    "sheet": child.name,
                    "row": excel_row,
                    "system_no": values.get(child.parent_key or ""),
                    "data": values,
                }
            )
    return systems, children


def bulk_insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
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
