"""Tables of the office's queries on a system (revision 0015): a query on a finding or a field of a
system, kept by the system's key so its thread and state follow the system across resubmissions and
rounds, and the messages of its thread."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


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
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class QueryMessage(Base):
    __tablename__ = "query_messages"
    __table_args__ = (Index("ix_query_messages_query", "query_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id", ondelete="CASCADE"))
    author: Mapped[str | None] = mapped_column(Text)
    side: Mapped[str] = mapped_column(String(8))  # office | unit
    text: Mapped[str] = mapped_column(Text)
    attachment_id: Mapped[int | None] = mapped_column(Integer)  # evidence the unit answered with
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
