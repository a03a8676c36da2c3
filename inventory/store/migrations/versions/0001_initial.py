"""Initial schema: units, submissions, system and child records, issues.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("short_name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("level", sa.String(30), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("pilot", sa.Boolean, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id")),
        sa.Column("unit_written", sa.String(200)),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("form_id", sa.String(100), nullable=False),
        sa.Column("form_version", sa.String(20)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operator", sa.String(100)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("systems", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
    )
    op.create_index(
        "uq_submissions_current",
        "submissions",
        ["unit_id"],
        unique=True,
        sqlite_where=sa.text("status = 'accepted'"),
        postgresql_where=sa.text("status = 'accepted'"),
    )
    op.create_index("ix_submissions_unit", "submissions", ["unit_id", "received_at"])
    op.create_table(
        "system_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id")),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("owner_unit", sa.String(200)),
        sa.Column("system_no", sa.String(40)),
        sa.Column("system_name", sa.String(200)),
        sa.Column("category", sa.String(40)),
        sa.Column("build_mode", sa.String(40)),
        sa.Column("status", sa.String(10)),
        sa.Column("deploy_location", sa.String(40)),
        sa.Column("scope", sa.String(40)),
        sa.Column("build_amount", sa.Float),
        sa.Column("om_amount", sa.Float),
        sa.Column("mlps_level", sa.String(10)),
        sa.Column("golive_date", sa.String(10)),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_system_records_submission", "system_records", ["submission_id"])
    op.create_table(
        "child_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sheet", sa.String(31), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("system_no", sa.String(40)),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_child_records_submission", "child_records", ["submission_id"])
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("sheet", sa.String(31)),
        sa.Column("row", sa.Integer),
        sa.Column("column", sa.String(5)),
        sa.Column("field", sa.String(60)),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("hint", sa.Text),
    )
    op.create_index("ix_issues_submission", "issues", ["submission_id"])


def downgrade() -> None:
    for table in ("issues", "child_records", "system_records", "submissions", "units"):
        op.drop_table(table)
