"""The office's review of each finding (confirmed / dismissed / fixed), kept across re-submissions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("finding_id", sa.String(12), nullable=False),
        sa.Column("fingerprint", sa.String(12), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("system", sa.Text),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("operator", sa.String(100)),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_finding_reviews_finding", "finding_reviews", ["finding_id", "reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_finding_reviews_finding", "finding_reviews")
    op.drop_table("finding_reviews")
