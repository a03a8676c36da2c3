"""Planned projects checked before they are built, and the reviewer's 预审 decisions on them.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "planned_projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id")),
        sa.Column("project_key", sa.Text, nullable=False),
        sa.Column("project_name", sa.Text, nullable=False),
        sa.Column("owner_unit", sa.Text),
        sa.Column("budget", sa.Float),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("result", sa.JSON),
        sa.Column("source", sa.Text),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_planned_projects_key", "planned_projects", ["project_key", "round_id"])
    op.create_table(
        "planned_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("planned_projects.id"), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("reduction", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("reviewer", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_planned_reviews_project", "planned_reviews", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_planned_reviews_project", "planned_reviews")
    op.drop_table("planned_reviews")
    op.drop_index("ix_planned_projects_key", "planned_projects")
    op.drop_table("planned_projects")
