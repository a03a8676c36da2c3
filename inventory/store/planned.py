"""Planned projects and their 预审 (revision 0014): each project as submitted and checked in a round,
and the reviewer's decisions on it, the latest holding. Kept beside the inventory so a later round can
follow a project: built or not, as planned or not, a new duplicate or not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UtcDateTime


class PlannedProject(Base):
    __tablename__ = "planned_projects"
    __table_args__ = (Index("ix_planned_projects_key", "project_key", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    project_key: Mapped[str] = mapped_column(Text)  # owner and name as compared (normalised)
    project_name: Mapped[str] = mapped_column(Text)
    owner_unit: Mapped[str | None] = mapped_column(Text)
    budget: Mapped[float | None] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the project's fields as read
    outcome: Mapped[str | None] = mapped_column(Text)  # the check's suggested outcome
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the check, whole
    source: Mapped[str | None] = mapped_column(Text)  # the file, the portal, or a return's 在建 row
    checked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class PlannedReview(Base):
    __tablename__ = "planned_reviews"
    __table_args__ = (Index("ix_planned_reviews_project", "project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("planned_projects.id"))
    decision: Mapped[str] = mapped_column(String(20))
    reduction: Mapped[float | None] = mapped_column(Float)  # 万元 cut from the budget (核减)
    note: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


__all__ = ["PlannedProject", "PlannedReview"]
