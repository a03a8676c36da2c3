"""The office's decision per system (处置决定), with target date, responsible unit and note.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id")),
        sa.Column("system_key", sa.String(24), nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("system_name", sa.Text),
        sa.Column("decision", sa.String(12), nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("responsible", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("operator", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dispositions_system", "dispositions", ["system_key", "round_id"])


def downgrade() -> None:
    op.drop_index("ix_dispositions_system", "dispositions")
    op.drop_table("dispositions")
