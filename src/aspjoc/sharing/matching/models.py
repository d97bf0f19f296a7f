"""Tables of private matching: community keys, the keyed-hash index of holdings, the metered queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aspjoc.db import Base, UTCDateTime


class MatchingKey(Base):
    """One version of the community's HMAC-SHA256 key. Only the current (unretired, highest) version answers."""

    __tablename__ = "matching_keys"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    indexed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    indexed_max_id: Mapped[int] = mapped_column(Integer, default=0)


class MatchingEntry(Base):
    """HMAC(key, "<type>:<canonical value>") held by one organisation; never a bare hash of the value."""

    __tablename__ = "matching_index"
    __table_args__ = (
        UniqueConstraint("key_version", "digest", "org_id"),
        Index("ix_matching_index_observable", "key_version", "observable_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_version: Mapped[int] = mapped_column(ForeignKey("matching_keys.version", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id"))


class MatchingQuery(Base):
    """One metered query (or refusal): who asked, how many items, how many hits. Never the values."""

    __tablename__ = "matching_queries"
    __table_args__ = (
        Index("ix_matching_queries_org_at", "org_id", "at"),
        Index("ix_matching_queries_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    mode: Mapped[str] = mapped_column(String(8))
    items: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
