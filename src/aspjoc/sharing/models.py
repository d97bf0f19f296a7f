"""Tables of sharing: TAXII add-object statuses, configured remote collections, and where federated records came from."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aspjoc.db import Base, UTCDateTime
from aspjoc.sealing import SealedText


class Direction(StrEnum):
    PULL = "pull"
    PUSH = "push"
    BOTH = "both"


class RemoteAuth(StrEnum):
    BASIC = "basic"
    BEARER = "bearer"
    NONE = "none"


class TaxiiStatus(Base):
    """The status resource of one TAXII add-objects request (TAXII 2.1 §4.3.1)."""

    __tablename__ = "taxii_statuses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    api_root: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(10))
    request_timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    successes: Mapped[str] = mapped_column(Text, default="[]")
    failures: Mapped[str] = mapped_column(Text, default="[]")


class SyncRemote(Base):
    """A remote TAXII 2.1 collection this instance pulls from, pushes to, or both, on behalf of one organisation.

    ``org_id`` is the local organisation the sync acts for: pushes send its statements; objects
    pulled without aspjoc's statement extension (a plain STIX feed) are stored as its statements.
    The pull cursor is the remote's ``X-TAXII-Date-Added-Last`` of the last stored page, plus the
    remote's ``next`` token while a paging chain is unfinished; the push cursor is the (updated_at,
    id) of the last statement the remote acknowledged. ``aspjoc_peer`` is set once the remote has
    sent statements of another aspjoc instance (it then gets the resume overlap, see federation).
    """

    __tablename__ = "sync_remotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    api_root_url: Mapped[str] = mapped_column(String(500))
    collection_id: Mapped[str] = mapped_column(String(100))
    auth: Mapped[str] = mapped_column(String(10), default=RemoteAuth.BASIC.value)
    username: Mapped[str] = mapped_column(String(254), default="")
    secret: Mapped[str] = mapped_column(SealedText, default="")
    direction: Mapped[str] = mapped_column(String(10), default=Direction.BOTH.value)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    page_size: Mapped[int] = mapped_column(Integer, default=1000)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pull_added_after: Mapped[str | None] = mapped_column(String(40))
    pull_next: Mapped[str | None] = mapped_column(Text)
    pull_chain_after: Mapped[str | None] = mapped_column(String(40))
    aspjoc_peer: Mapped[bool] = mapped_column(Boolean, default=False)
    push_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    push_statement_id: Mapped[int] = mapped_column(Integer, default=0)
    pulled_total: Mapped[int] = mapped_column(Integer, default=0)
    pushed_total: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatementOrigin(Base):
    """A statement that arrived from elsewhere (a TAXII add or a pull), and the version it was last given.

    Statements without a row here were made on this instance; a remote copy of one of them (an
    echo of our own push) never overwrites it.
    """

    __tablename__ = "statement_origins"

    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True)
    remote_id: Mapped[int | None] = mapped_column(ForeignKey("sync_remotes.id", ondelete="SET NULL"), index=True)
    via: Mapped[str] = mapped_column(String(10))
    source_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FederatedOrganisation(Base):
    """An organisation created on this instance because a remote named it (an owner or a recipient) and none had its name."""

    __tablename__ = "federated_organisations"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    remote_id: Mapped[int | None] = mapped_column(ForeignKey("sync_remotes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
