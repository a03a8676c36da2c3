"""Reference lists the province holds (政务云租户台账, 等保备案清单, 项目库), for cross-checks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("system_name", sa.Text),
        sa.Column("system_no", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("row", sa.Integer),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reference_kind", "reference_rows", ["kind"])


def downgrade() -> None:
    op.drop_index("ix_reference_kind", "reference_rows")
    op.drop_table("reference_rows")
