"""The roster as a tree: every unit gets a stable node code, its parent and its path from the root,
its aliases and contacts, and whether an office's import made or changed it; approvals up the tree.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN on both databases: SQLite's batch copy would drop a table other tables point at
    op.add_column("units", sa.Column("code", sa.String(60)))
    if op.get_bind().dialect.name == "sqlite":  # SQLite cannot add a constraint to a table: the column alone
        op.add_column("units", sa.Column("parent_id", sa.Integer))
    else:
        op.add_column("units", sa.Column("parent_id", sa.Integer, sa.ForeignKey("units.id", name="fk_units_parent")))
    op.add_column("units", sa.Column("path", sa.Text))
    op.add_column("units", sa.Column("aliases", sa.JSON))
    op.add_column("units", sa.Column("source", sa.String(10), nullable=False, server_default="forms"))  # forms | import
    op.add_column("units", sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    for name in ("contact_name", "contact_phone", "contact_email"):
        op.add_column("units", sa.Column(name, sa.Text))
    op.create_index("uq_units_code", "units", ["code"], unique=True)
    op.create_index("ix_units_path", "units", ["path"])
    op.create_table(
        "node_approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id")),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("action", sa.String(12), nullable=False),  # submitted | approved | returned | exempted | included | reopened
        sa.Column("reason", sa.Text),
        sa.Column("actor", sa.Text),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_node_approvals_unit", "node_approvals", ["round_id", "unit_id", "at"])
    op.create_table("settings", sa.Column("key", sa.String(60), primary_key=True), sa.Column("value", sa.Text))


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_index("ix_node_approvals_unit", "node_approvals")
    op.drop_table("node_approvals")
    op.drop_index("ix_units_path", "units")
    op.drop_index("uq_units_code", "units")
    with op.batch_alter_table("units") as batch:
        for name in ("contact_email", "contact_phone", "contact_name", "active", "source", "aliases", "path", "parent_id", "code"):
            batch.drop_column(name)
