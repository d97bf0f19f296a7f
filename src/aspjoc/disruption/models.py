"""Tables of block lists: subscriptions (a saved selection and format for one organisation) and their entries.

An entry is one identifier on one subscription's list. Entries are never deleted when they leave
the list: ``removed_serial`` records the refresh that took them off, so a subscriber can ask what
was removed since the serial it last loaded and unblock it too. An entry keeps its own copy of
the identifier (and no foreign key to ``observables`` or ``statements``) because the statements
and the observable behind it may be deleted by retention while downstream systems still block it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation
from aspjoc.db import Base, UTCDateTime


class Subscription(Base):
    """A named, saved selection plus a format, delivered to one subscriber organisation.

    ``managed_by_org_id`` is the hub or law-enforcement organisation whose admins and analysts
    manage it (None for offline deliveries made from the command line, which hub staff see).
    ``token_hash`` is the SHA-256 of the feed token (None: no URL, offline delivery only).
    ``serial`` is the number of the latest refresh that changed the list; it only grows.
    """

    __tablename__ = "blocklist_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    subscriber_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    managed_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    format: Mapped[str] = mapped_column(String(16))
    selection: Mapped[str] = mapped_column(Text, default="{}")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    serial: Mapped[int] = mapped_column(Integer, default=0)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    subscriber: Mapped[Organisation] = relationship(foreign_keys=[subscriber_org_id], lazy="joined")


class Entry(Base):
    """One identifier on one subscription's list, with the statements behind it (ids, comma-separated).

    ``crime_mask`` holds one bit per crime type (``selection.CRIME_BITS``). ``rev`` grows whenever
    what a rule or line shows for the entry changes (and when it comes back after a removal).
    ``removed_serial`` is None while the entry is on the list.
    """

    __tablename__ = "blocklist_entries"
    __table_args__ = (
        # Not unique: SQLite may reuse the id of a deleted observable for a new one, and the old
        # entry must stay (removed) beside the new one; refreshes match on (observable_id, value).
        Index("ix_blocklist_entries_observable", "subscription_id", "observable_id"),
        Index("ix_blocklist_entries_removed", "subscription_id", "removed_serial"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("blocklist_subscriptions.id", ondelete="CASCADE"))
    observable_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    crime_mask: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    statement_ids: Mapped[str] = mapped_column(Text, default="")
    rev: Mapped[int] = mapped_column(Integer, default=1)
    added_serial: Mapped[int] = mapped_column(Integer)
    changed_serial: Mapped[int] = mapped_column(Integer)
    removed_serial: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
