"""The audit log says whose part of the tree an entry belongs to (the unit or office node of the
account that acted), so an office reads the entries of its own part only.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("unit_id", sa.Integer))  # no foreign key: entries outlive units
    op.create_index("ix_audit_unit", "audit_log", ["unit_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_unit", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("unit_id")
