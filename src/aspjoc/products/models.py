"""Tables of intelligence products: assessments, advisories, activity reports, modus-operandi bulletins.

A product is a marked record (``marking_id``): its marking says who may read it, and
also fixes the audience whose view every generated figure is computed with
(``products.audience``). The generated figures are stored as a JSON snapshot when the
author generates or submits the product, so the reviewer approves exactly what is published.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation, User
from aspjoc.db import Base, UTCDateTime
from aspjoc.marking import TLP, Marking


class ProductKind(StrEnum):
    ASSESSMENT = "assessment"
    ADVISORY = "advisory"
    ACTIVITY_REPORT = "activity_report"
    MO_BULLETIN = "mo_bulletin"

    @property
    def heading(self) -> str:
        return {"assessment": "Threat assessment", "advisory": "Advisory", "activity_report": "Activity report",
                "mo_bulletin": "Modus-operandi bulletin"}[self.value]


class ProductStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"


def _new_uuid() -> str:
    return str(uuid.uuid4())


class Product(Base):
    """One intelligence product, its analyst text (Markdown) and its generated figures (JSON snapshot)."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_new_uuid)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=ProductStatus.DRAFT.value)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    author_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    countries: Mapped[str] = mapped_column(String(200), default="")
    crime_type: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    detection: Mapped[str] = mapped_column(Text, default="")
    prevention: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    marking: Mapped[Marking] = relationship(lazy="joined")
    author_org: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[author_org_id])
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_user_id])
    approver: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[approved_by_user_id])

    @property
    def country_list(self) -> list[str]:
        return [c for c in self.countries.split(",") if c]

    @property
    def marking_label(self) -> str:
        """``tlp-amber+strict`` and the like, for file names."""
        return "tlp-" + TLP(self.marking.tlp).label

    @property
    def kind_title(self) -> str:
        return ProductKind(self.kind).heading


class ProductReview(Base):
    """One review decision: approved, or returned to the author with a note."""

    __tablename__ = "product_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    reviewer_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
