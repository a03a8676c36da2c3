"""The database: units, submissions (with history), system and child records, issues, reviews.

The schema changes only through the Alembic migrations in `migrations/`; these models describe
the head revision. The typed columns of `system_records` are the fields marked `x-db` in the
form (a test keeps the two in step); every record also keeps its whole normalised row as JSON.
Whatever a file can put into a column is stored in an unbounded type: the form's limits
(`maxLength`, `maximum`) are what validation enforces, and the database accepts all it accepts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ACCEPTED, REJECTED, SUPERSEDED = "accepted", "rejected", "superseded"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # from the roster, ours
    short_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str] = mapped_column(String(6))
    pilot: Mapped[bool] = mapped_column(default=False)

    submissions: Mapped[list[Submission]] = relationship(back_populates="unit")


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        # at most one current (accepted) submission per unit, whatever runs at the same time
        Index(
            "uq_submissions_current",
            "unit_id",
            unique=True,
            sqlite_where=text("status = 'accepted'"),
            postgresql_where=text("status = 'accepted'"),
        ),
        Index("ix_submissions_unit", "unit_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_written: Mapped[str | None] = mapped_column(Text)  # the unit name as the return gives it
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    form_id: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[str | None] = mapped_column(Text)  # as the file claims it
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    operator: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    systems: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    as_of: Mapped[dt.date | None] = mapped_column(Date)  # revision 0002
    unit_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    completeness: Mapped[float | None] = mapped_column(Float)  # revision 0003
    completeness_recommended: Mapped[float | None] = mapped_column(Float)
    filled_on: Mapped[dt.date | None] = mapped_column(Date)  # revision 0005: the return's own 填报日期

    unit: Mapped[Unit | None] = relationship(back_populates="submissions")


class SystemRecord(Base):
    __tablename__ = "system_records"
    __table_args__ = (Index("ix_system_records_submission", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    row: Mapped[int] = mapped_column(Integer)  # Excel row in the returned file
    # typed columns: the fields marked x-db in forms/systems.schema.json
    owner_unit: Mapped[str | None] = mapped_column(Text)
    system_no: Mapped[str | None] = mapped_column(Text)
    system_name: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    build_mode: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
    deploy_location: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    build_amount: Mapped[float | None] = mapped_column(Float)
    om_amount: Mapped[float | None] = mapped_column(Float)
    mlps_level: Mapped[str | None] = mapped_column(Text)
    golive_date: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ChildRecord(Base):
    __tablename__ = "child_records"
    __table_args__ = (Index("ix_child_records_submission", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    sheet: Mapped[str] = mapped_column(Text)
    row: Mapped[int] = mapped_column(Integer)
    system_no: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class IssueRecord(Base):
    __tablename__ = "issues"
    __table_args__ = (Index("ix_issues_submission", "submission_id"), Index("ix_issues_code", "code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    sheet: Mapped[str | None] = mapped_column(Text)  # the sheet name as the file has it
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    hint: Mapped[str | None] = mapped_column(Text)


SYSTEM_COLUMNS = [c.name for c in SystemRecord.__table__.columns if c.name not in ("id", "submission_id", "unit_id", "row", "data")]


class FindingReview(Base):
    """The office's decision on a finding: confirmed, dismissed (with a reason) or fixed.

    A review applies to the finding with this id while its evidence keeps this fingerprint; when a
    unit re-submits with different evidence, the finding is open again.
    """

    __tablename__ = "finding_reviews"
    __table_args__ = (Index("ix_finding_reviews_finding", "finding_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[str] = mapped_column(String(12))
    fingerprint: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str | None] = mapped_column(Text)
    system: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))  # confirmed | dismissed | fixed
    reason: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
