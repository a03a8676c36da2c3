"""The portal's security: sign-in attempts counted in the database (atomic across workers), sessions
held server-side (ended at logout, idle timeout, absolute lifetime), earlier password hashes (no
reuse) and a flag that makes an account change its password at the next sign-in.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("must_change", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "login_limits",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("address", sa.Text),
    )
    op.create_index("ix_web_sessions_account", "web_sessions", ["account_id"])
    op.create_table(
        "password_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_password_history_account", "password_history", ["account_id", "set_at"])


def downgrade() -> None:
    op.drop_index("ix_password_history_account", "password_history")
    op.drop_table("password_history")
    op.drop_index("ix_web_sessions_account", "web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("login_limits")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("must_change")
