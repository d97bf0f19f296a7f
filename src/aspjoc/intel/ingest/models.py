"""Tables of intake: one row per ingest run, one per rejected record, and known-good flags on observables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.db import Base, UTCDateTime
from aspjoc.marking import Marking


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


class IngestRun(Base):
    """One ingest of one source by one organisation; counters advance with each committed batch.

    ``position`` is the index of the last record of the last committed batch, so an interrupted
    run with a ``resume_key`` can be continued from there. ``marking_id`` is the run's default
    marking (owned by ``org_id``); reads go through the access gate and the owner check.
    """

    __tablename__ = "ingest_runs"
    __table_args__ = (Index("ix_ingest_runs_org_started", "org_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING.value)
    resume_key: Mapped[str | None] = mapped_column(String(128), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    read: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)
    matches: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    marking: Mapped[Marking] = relationship(lazy="joined")


class IngestRejection(Base):
    """A record an ingest could not store: where it was, which field, why, and its raw text (truncated)."""

    __tablename__ = "ingest_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text, default="")


class ObservableFlag(Base):
    """An observable found on a known-good list (MISP warning lists): flagged, never dropped."""

    __tablename__ = "observable_flags"

    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id", ondelete="CASCADE"), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(200), primary_key=True)
