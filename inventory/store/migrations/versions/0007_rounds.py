"""Rounds as data: each submission belongs to a survey round; systems keep one identity across rounds.

Existing databases move into a first round made from the form's round settings (forms/manifest.json);
the one-current-return rule becomes one per unit and round.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _first_round() -> dict:
    from inventory.form.load import load_form

    form = load_form()
    settings = form.round

    def day(key: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(settings[key])) if settings.get(key) else None
        except ValueError:
            return None

    as_of = day("as_of")
    return {
        "key": str(as_of.year) if as_of else "first",
        "name": settings.get("name") or "第一轮",
        "form_version": form.version,
        "scope": "all",
        "as_of": as_of,
        "deadline": day("deadline"),
        "status": "open",
        "opened_at": dt.datetime.now(dt.UTC),
    }


def upgrade() -> None:
    rounds = op.create_table(
        "rounds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(60), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("form_version", sa.String(40)),
        sa.Column("scope", sa.String(12), nullable=False),
        sa.Column("as_of", sa.Date),
        sa.Column("deadline", sa.Date),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(rounds, [_first_round()])
    # plain ADD COLUMN: rebuilding the table on SQLite would fire ON DELETE CASCADE on every stored row
    op.add_column("submissions", sa.Column("round_id", sa.Integer))
    op.add_column("system_records", sa.Column("system_key", sa.String(24)))
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("fk_submissions_round", "submissions", "rounds", ["round_id"], ["id"])
    op.execute("UPDATE submissions SET round_id = (SELECT min(id) FROM rounds)")
    op.drop_index("uq_submissions_current", "submissions")
    op.create_index(
        "uq_submissions_current",
        "submissions",
        ["unit_id", "round_id"],
        unique=True,
        sqlite_where=sa.text("status = 'accepted'"),
        postgresql_where=sa.text("status = 'accepted'"),
    )


def downgrade() -> None:
    op.drop_index("uq_submissions_current", "submissions")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_submissions_round", "submissions", type_="foreignkey")
    op.drop_column("system_records", "system_key")
    op.drop_column("submissions", "round_id")
    op.drop_table("rounds")
    op.create_index(
        "uq_submissions_current",
        "submissions",
        ["unit_id"],
        unique=True,
        sqlite_where=sa.text("status = 'accepted'"),
        postgresql_where=sa.text("status = 'accepted'"),
    )
