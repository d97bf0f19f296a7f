"""Tables of the public portal: scam reports from the public, delisting requests, aggregate check counts.

A public report and a delisting request are marked records (``marking_id``): a report is AMBER
for the receiving national unit only; a delisting request is AMBER+STRICT owned by the
organisation whose statements it disputes. Both are read through the access gate.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation
from aspjoc.db import Base, UTCDateTime
from aspjoc.intel.models import Observable
from aspjoc.marking import Marking

# The public check's gate (``Purpose.PUBLIC_CHECK``) picks markings by public-use consent on every
# check; without an index SQLite builds a temporary one over all markings each time. The index sits
# on the foundation's table but exists for the portal, so it is declared (and migrated) here.
Index("ix_markings_public_use", Marking.public_use)


class ReportStatus(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    LINKED = "linked"
    CLOSED = "closed"


class DelistingStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"


class PublicReport(Base):
    """A scam reported by a member of the public, routed to the national unit of the reporter's country."""

    __tablename__ = "public_reports"
    __table_args__ = (Index("ix_public_reports_org_status", "org_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8), default="en")
    crime_type: Mapped[str | None] = mapped_column(String(32))
    narrative: Mapped[str] = mapped_column(Text, default="")
    identifiers_text: Mapped[str] = mapped_column(Text, default="")
    occurred_on: Mapped[date | None] = mapped_column(Date)
    amount_micros: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(8))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.NEW.value)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    identifiers: Mapped[list[PublicReportIdentifier]] = relationship(
        lazy="selectin", order_by="PublicReportIdentifier.id", back_populates="report")


class PublicReportIdentifier(Base):
    """One identifier found in a public report, and the victim statement made for it."""

    __tablename__ = "public_report_identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("public_reports.id", ondelete="CASCADE"), index=True)
    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"))

    report: Mapped[PublicReport] = relationship(back_populates="identifiers")
    observable: Mapped[Observable] = relationship(lazy="joined")


class DelistingRequest(Base):
    """A request to review one organisation's public-use statements on one observable.

    One submission from the public makes one row per owning organisation (they share the
    ``reference``). ``status`` is ``open`` until the owner decides: ``upheld`` withdraws the
    owner's public-use statements on the observable (``Statement.withdrawn``), ``rejected``
    leaves them; ``decided_at`` says when.
    """

    __tablename__ = "delisting_requests"
    __table_args__ = (Index("ix_delisting_requests_owner_status", "owner_org_id", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), index=True)
    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    query: Mapped[str] = mapped_column(String(512), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default=DelistingStatus.OPEN.value)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_statements: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    observable: Mapped[Observable] = relationship(lazy="joined")
    owner: Mapped[Organisation] = relationship(lazy="joined")


class PublicCheckCount(Base):
    """How often one canonical value was checked on one day (UTC). No client address is ever stored."""

    __tablename__ = "public_check_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(512), primary_key=True)
    checks: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[int] = mapped_column(Integer, default=0)
