"""Record the reference date each submission was judged against and its unit details; index issue codes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("as_of", sa.Date))
        batch.add_column(sa.Column("unit_values", sa.JSON))
    op.create_index("ix_issues_code", "issues", ["code"])


def downgrade() -> None:
    op.drop_index("ix_issues_code", "issues")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("unit_values")
        batch.drop_column("as_of")
