"""Evidence and sign-off: a unit's signature on its return (承诺书), voided on reopening; files of
evidence per system and per unit, with their SHA-256, uploader and the office's check; the office's
queries on a system's finding or field and their threads.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id")),
        sa.Column("account", sa.Text),
        sa.Column("signer_name", sa.Text, nullable=False),
        sa.Column("signer_role", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True)),
        sa.Column("void_reason", sa.Text),
        sa.Column("voided_by", sa.Text),
    )
    op.create_index("ix_signoffs_unit", "signoffs", ["unit_id", "round_id"])
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id")),
        sa.Column("system_no", sa.Text),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media", sa.String(10), nullable=False),
        sa.Column("uploader", sa.Text),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.Column("check_state", sa.String(12)),
        sa.Column("check_note", sa.Text),
        sa.Column("checked_by", sa.Text),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_attachments_unit", "attachments", ["unit_id", "round_id"])
    op.create_table(
        "queries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False),
        sa.Column("system_key", sa.String(24)),
        sa.Column("system_no", sa.Text),
        sa.Column("system_name", sa.Text),
        sa.Column("topic", sa.String(60), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("rounds.id")),
        sa.Column("opened_by", sa.Text),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Text),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_queries_unit", "queries", ["unit_id", "state"])
    op.create_table(
        "query_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("query_id", sa.Integer, sa.ForeignKey("queries.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("attachment_id", sa.Integer),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_query_messages_query", "query_messages", ["query_id"])


def downgrade() -> None:
    op.drop_index("ix_query_messages_query", "query_messages")
    op.drop_table("query_messages")
    op.drop_index("ix_queries_unit", "queries")
    op.drop_table("queries")
    op.drop_index("ix_attachments_unit", "attachments")
    op.drop_table("attachments")
    op.drop_index("ix_signoffs_unit", "signoffs")
    op.drop_table("signoffs")
