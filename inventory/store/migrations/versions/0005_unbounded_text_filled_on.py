"""Unbounded text where a file's content lands; each return's own 填报日期; completeness filled in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Columns that hold what a returned file says (unit names, sheet names, file names, versions) become
TEXT, so nothing a validated file contains can fail to store. `filled_on` records the return's own
填报日期, which decides which of a unit's returns is current. Databases created at revision 0001 or
0002 never had completeness: it is computed here from the stored rows (rejected returns, whose rows
are not kept, stay unknown).
"""

import contextlib
import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXT_COLUMNS = {
    "submissions": ["unit_written", "file_name", "form_version", "operator"],
    "system_records": [
        "owner_unit",
        "system_no",
        "system_name",
        "category",
        "build_mode",
        "status",
        "deploy_location",
        "scope",
        "mlps_level",
        "golive_date",
    ],
    "child_records": ["sheet", "system_no"],
    "issues": ["sheet", "column"],
    "finding_reviews": ["operator"],
}


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":  # SQLite never enforced the lengths; changing a type there
        for table, columns in TEXT_COLUMNS.items():  # would rebuild the table, and its drop cascades to child rows
            for column in columns:
                op.alter_column(table, column, type_=sa.Text())
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("filled_on", sa.Date))
    conn = op.get_bind()
    for sub_id, values in conn.execute(sa.text("SELECT id, unit_values FROM submissions WHERE unit_values IS NOT NULL")).all():
        values = json.loads(values) if isinstance(values, str) else values
        day = (values or {}).get("fill_date")
        if isinstance(day, str) and len(day) == 10:
            with contextlib.suppress(ValueError):  # a date that is not one stays unknown
                conn.execute(sa.text("UPDATE submissions SET filled_on = :d WHERE id = :i"), {"d": dt.date.fromisoformat(day), "i": sub_id})
    _fill_completeness(conn)


def _fill_completeness(conn) -> None:  # type: ignore[no-untyped-def]
    from inventory.form.load import load_form
    from inventory.intake.completeness import Completeness
    from inventory.intake.records import Record, SheetData

    form = load_form()
    measure = Completeness(form.main)
    missing = conn.execute(sa.text("SELECT id FROM submissions WHERE completeness IS NULL")).scalars().all()
    for sub_id in missing:
        rows = conn.execute(sa.text("SELECT row, data FROM system_records WHERE submission_id = :i ORDER BY row"), {"i": sub_id}).all()
        if not rows:
            continue  # a rejected return: its rows were never kept, so how complete it was is unknown
        records = [Record(row=r, values=json.loads(d) if isinstance(d, str) else d, raw={}) for r, d in rows]
        sheet = SheetData.from_records(form.main, form.main.name, {}, records)
        required, recommended = measure(sheet)
        conn.execute(
            sa.text("UPDATE submissions SET completeness = :c, completeness_recommended = :r WHERE id = :i"),
            {"c": required, "r": recommended, "i": sub_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("filled_on")
