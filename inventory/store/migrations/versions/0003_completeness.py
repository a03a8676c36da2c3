"""Store how complete each return is, so coverage reports need not re-read rejected files.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("completeness", sa.Float))
        batch.add_column(sa.Column("completeness_recommended", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("completeness_recommended")
        batch.drop_column("completeness")
