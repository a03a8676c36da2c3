"""Tables of revision 0017: a unit's signature on its return (承诺书), the files of evidence for its
systems, and the office's queries on a system (a query on a finding or a field, kept by the system's
key so its thread and state follow the system across resubmissions and rounds) with their messages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime


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
    signed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    voided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
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
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    check_state: Mapped[str | None] = mapped_column(String(12))  # checked | mismatch
    check_note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class Query(Base):
    __tablename__ = "queries"
    __table_args__ = (Index("ix_queries_unit", "unit_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    system_key: Mapped[str | None] = mapped_column(String(24))  # the same system across rounds
    system_no: Mapped[str | None] = mapped_column(Text)
    system_name: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(60))  # a finding code (FIND_*) or a field key
    state: Mapped[str] = mapped_column(String(12))  # open | answered | accepted | rejected
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))  # the round it was opened in
    opened_by: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class QueryMessage(Base):
    __tablename__ = "query_messages"
    __table_args__ = (Index("ix_query_messages_query", "query_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id", ondelete="CASCADE"))
    author: Mapped[str | None] = mapped_column(Text)
    side: Mapped[str] = mapped_column(String(8))  # office | unit
    text: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(Integer)  # evidence the unit answered with
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
