"""Configured feeds and the outcome of every fetch of them.

A source's ``marking_id`` is the default marking of what it brings in (owned by the source's
organisation), so reads of sources go through the access gate like any marked record.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation
from aspjoc.db import Base, UTCDateTime
from aspjoc.marking import Marking


class FetchOutcome(StrEnum):
    OK = "ok"
    UNCHANGED = "unchanged"
    ERROR = "error"


class Source(Base):
    """A feed polled every ``interval_minutes``: where, in which format, under which marking, for whom.

    ``etag`` and ``last_modified`` are the validators of the last fetch that was stored whole;
    ``failures`` counts failed fetches in a row (0 once one succeeds).
    """

    __tablename__ = "sources"
    __table_args__ = (Index("ix_sources_due", "enabled", "next_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(32))
    options: Mapped[str] = mapped_column(Text, default="{}")
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    reliability: Mapped[str | None] = mapped_column(String(1))
    credibility: Mapped[int | None] = mapped_column(SmallInteger)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    owner: Mapped[Organisation] = relationship(lazy="joined")
    marking: Mapped[Marking] = relationship(lazy="joined")


class SourceFetch(Base):
    """One fetch of a source: HTTP status, what the ingest made of it, or why it failed.

    ``run_id`` links to the ingest run (with its rejected records) when the body was ingested.
    """

    __tablename__ = "source_fetches"
    __table_args__ = (Index("ix_source_fetches_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id", ondelete="SET NULL"))
    read: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
