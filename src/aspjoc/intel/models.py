"""Tables of intelligence: observables (one row per canonical identifier), statements, notices."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation
from aspjoc.db import Base, UTCDateTime
from aspjoc.marking import Marking


class StatementKind(StrEnum):
    INDICATOR = "indicator"
    SIGHTING = "sighting"
    TARGET = "target"
    VICTIM = "victim"
    NOTE = "note"


class CrimeType(StrEnum):
    PHISHING = "phishing"
    INVESTMENT_SCAM = "investment_scam"
    ROMANCE_SCAM = "romance_scam"
    BEC = "bec"
    INFOSTEALER = "infostealer"
    RANSOMWARE = "ransomware"
    SEXTORTION = "sextortion"
    MONEY_MULE = "money_mule"
    MALWARE = "malware"
    BOTNET = "botnet"
    ONLINE_FRAUD = "online_fraud"
    OTHER = "other"


RELIABILITY = ("A", "B", "C", "D", "E", "F")
KINDS = frozenset(k.value for k in StatementKind)
CRIME_TYPES = frozenset(c.value for c in CrimeType)
CREDIBILITY = (1, 2, 3, 4, 5, 6)


def new_uuid() -> str:
    return str(uuid.uuid4())


class Observable(Base):
    """One identifier in canonical form; (type, value) is its identity, whoever holds it."""

    __tablename__ = "observables"
    __table_args__ = (
        UniqueConstraint("type", "value"),
        # Partial: most observables have no domain (IPs, hashes, phones, accounts) or no number
        # (all but IPs and blocks), and every query on either column compares it, which implies
        # IS NOT NULL on both databases. Bulk ingest skips an index entry for each of them.
        Index("ix_observables_domain", "domain", sqlite_where=text("domain IS NOT NULL"),
              postgresql_where=text("domain IS NOT NULL")),
        Index("ix_observables_num", "num_lo", "num_hi", sqlite_where=text("num_lo IS NOT NULL"),
              postgresql_where=text("num_lo IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    domain: Mapped[str | None] = mapped_column(String(253))
    num_lo: Mapped[int | None] = mapped_column(BigInteger)
    num_hi: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Statement(Base):
    """What one organisation asserts about an observable, under its own marking."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("observable_id", "owner_org_id", "kind", "source"),
        Index("ix_statements_owner_updated", "owner_org_id", "updated_at"),
        Index("ix_statements_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    # No index of its own: the unique (observable_id, owner_org_id, kind, source) index serves look-ups by observable.
    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id"))
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    crime_type: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[int] = mapped_column(SmallInteger, default=50)
    reliability: Mapped[str | None] = mapped_column(String(1))
    credibility: Mapped[int | None] = mapped_column(SmallInteger)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sightings: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The source's tags (MISP, STIX labels, feed tags) as a JSON array of strings; "[]" for none.
    tags: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")

    observable: Mapped[Observable] = relationship(lazy="joined")
    owner: Mapped[Organisation] = relationship(lazy="joined")
    marking: Mapped[Marking] = relationship(lazy="joined")


class Notice(Base):
    """A message to an organisation: someone retrieved or asked about its data, or a new match."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    observable_id: Mapped[int | None] = mapped_column(ForeignKey("observables.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
