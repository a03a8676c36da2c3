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


class Round(Base):
    """A survey round (2025 试点, 2025 全省, 2026 年度更新): its form version, scope, reference date,
    deadline and whether it is open. Submissions belong to a round; at most one round is open."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)  # short, for --round
    name: Mapped[str] = mapped_column(Text)
    form_version: Mapped[str | None] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(12), default="all")  # all | pilot
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | closed
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Unit(Base):
    """A node of the roster tree (revision 0011): the defaults from `forms/`, or an office's import."""

    __tablename__ = "units"
    __table_args__ = (Index("uq_units_code", "code", unique=True), Index("ix_units_path", "path"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # from the roster, ours
    short_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str] = mapped_column(String(6))
    pilot: Mapped[bool] = mapped_column(default=False)
    code: Mapped[str | None] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", name="fk_units_parent"))
    path: Mapped[str | None] = mapped_column(Text)  # node codes from the root, each followed by "/"
    aliases: Mapped[list[str] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(10), default="forms", server_default="forms")  # forms | import
    active: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    contact_name: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(Text)
    contact_email: Mapped[str | None] = mapped_column(Text)

    submissions: Mapped[list[Submission]] = relationship(back_populates="unit")


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        # at most one current (accepted) submission per unit and round, whatever runs at the same time
        Index(
            "uq_submissions_current",
            "unit_id",
            "round_id",
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
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))  # revision 0007

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
    system_key: Mapped[str | None] = mapped_column(String(24))  # revision 0007: the same system across rounds
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


SYSTEM_COLUMNS = [
    c.name for c in SystemRecord.__table__.columns if c.name not in ("id", "submission_id", "unit_id", "row", "data", "system_key")
]


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
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))  # revision 0010


# -- the portal (revision 0006) --


class Account(Base):
    """Who signs in to the portal: a unit's account (its own data only), a reviewer or an admin."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(12))  # unit | reviewer | admin
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2id; None until set
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    password_set_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AccessCode(Base):
    """A one-time sign-in code the office gives a unit: stored hashed, used once, expiring."""

    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """The office's review of a submission: accepted, or returned with comments (overall and per issue)."""

    __tablename__ = "submission_decisions"
    __table_args__ = (Index("ix_decisions_submission", "submission_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(12))  # approved | returned
    comment: Mapped[str | None] = mapped_column(Text)
    issue_comments: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # issue id -> comment
    reviewer: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Who did what, when, from where: every action on the portal."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"), Index("ix_audit_action", "action", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


class Question(Base):
    """A question a unit asked that the FAQ could not answer, and the office's answer."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    asked_by: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReferenceRow(Base):
    """A row of a list the province holds (政务云租户台账, 等保备案清单, 项目库), to check self-reports against."""

    __tablename__ = "reference_rows"
    __table_args__ = (Index("ix_reference_kind", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # cloud | mlps | projects
    unit: Mapped[str | None] = mapped_column(Text)  # as the list writes it
    system_name: Mapped[str | None] = mapped_column(Text)
    system_no: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the mapped fields, and the row as the list has it
    source: Mapped[str | None] = mapped_column(Text)  # the file's name
    row: Mapped[int | None] = mapped_column(Integer)  # its row in that file
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class NodeApproval(Base):
    """A step of approval up the tree (revision 0011): a node submitted upward, approved or sent back
    by the level above (with a reason), exempted from reporting (with a reason), included again, or
    reopened. The latest step per round and node is its state; all of them are its history."""

    __tablename__ = "node_approvals"
    __table_args__ = (Index("ix_node_approvals_unit", "round_id", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    action: Mapped[str] = mapped_column(String(12))  # submitted | approved | returned | exempted | included | reopened
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Setting(Base):
    """Small facts about the database itself (revision 0011), e.g. which version of the default roster it holds."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


class Disposition(Base):
    """The office's decision for a system (保留 / 整合 / 迁移上云 / 升级改造 / 关停下线), with a target date,
    the unit responsible and a note. Kept beside the tool's recommendation, never over it; the latest
    per system and round holds, and the next round reports how it was carried out."""

    __tablename__ = "dispositions"
    __table_args__ = (Index("ix_dispositions_system", "system_key", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    system_key: Mapped[str] = mapped_column(String(24))
    unit: Mapped[str | None] = mapped_column(Text)
    system_name: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(12))
    due: Mapped[dt.date | None] = mapped_column(Date)
    responsible: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# -- evidence and sign-off (revision 0015) --


class Signoff(Base):
    """A unit's responsible person vouching for a return (承诺书): who, in what role, when, and the
    SHA-256 of the workbook signed. While a signature stands the return is locked; reopening it (the
    office, with a reason) voids the signature and keeps it as history."""

    __tablename__ = "signoffs"
    __table_args__ = (Index("ix_signoffs_unit", "unit_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    account: Mapped[str | None] = mapped_column(Text)  # the portal account that signed
    signer_name: Mapped[str] = mapped_column(Text)
    signer_role: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))  # the signed workbook's
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by: Mapped[str | None] = mapped_column(Text)


class Attachment(Base):
    """A file of evidence (备案证明, 测评报告 ...) for one system of a unit's return, or for the unit as a
    whole (system_no empty): its kind from `forms/evidence.json`, its SHA-256 (the file is kept under
    it, outside the web root), who sent it and when, and the office's check of it."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_unit", "unit_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    system_no: Mapped[str | None] = mapped_column(Text)  # as the return writes it; None: the unit's own
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(Text)  # as sent, for showing only (never a path)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media: Mapped[str] = mapped_column(String(10))  # pdf | png | jpeg | ofd | docx | xlsx, sniffed
    uploader: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    check_state: Mapped[str | None] = mapped_column(String(12))  # checked | mismatch
    check_note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
