"""A finding's review records the round it was made in.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("finding_reviews", sa.Column("round_id", sa.Integer))  # reviews made before rounds apply to every round


def downgrade() -> None:
    with op.batch_alter_table("finding_reviews") as batch:
        batch.drop_column("round_id")
