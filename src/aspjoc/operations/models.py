"""Tables of operations: the operation, its targets, tasks, action log, packages, takedown and freeze requests,
and the per-country legal clocks.

Every record that carries operational data has a ``marking_id`` and is read through the access gate.
Money is stored as integer millionths (``*_micros``) so that sums in SQL are exact on SQLite and PostgreSQL
alike (SQLite has no decimal type; a REAL column would round).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aspjoc.accounts.models import Organisation
from aspjoc.db import Base, UTCDateTime
from aspjoc.intel.models import Observable
from aspjoc.marking import Marking


def new_uuid() -> str:
    return str(uuid.uuid4())


class OperationStatus(StrEnum):
    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"


class TargetKind(StrEnum):
    OBSERVABLE = "observable"
    STATEMENT = "statement"
    ENTITY = "entity"


class RecommendedAction(StrEnum):
    TAKEDOWN = "takedown"
    FREEZE = "freeze"
    STOP_PAYMENT = "stop_payment"
    ARREST = "arrest"
    SEARCH = "search"
    VICTIM_NOTIFICATION = "victim_notification"
    MONITOR = "monitor"


class TargetStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ActionKind(StrEnum):
    TAKEDOWN_REQUESTED = "takedown_requested"
    TAKEDOWN_CONFIRMED = "takedown_confirmed"
    TAKEDOWN_REFUSED = "takedown_refused"
    ACCOUNT_FROZEN = "account_frozen"
    FUNDS_HELD = "funds_held"
    FUNDS_RECOVERED = "funds_recovered"
    ARREST = "arrest"
    SEARCH = "search"
    SEIZURE = "seizure"
    VICTIMS_NOTIFIED = "victims_notified"


class ProviderKind(StrEnum):
    REGISTRAR = "registrar"
    HOST = "host"
    TELCO = "telco"
    PLATFORM = "platform"


class TakedownStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    FAILED = "failed"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


class FreezeKind(StrEnum):
    FREEZE = "freeze"
    STOP_PAYMENT = "stop_payment"


class FreezeStatus(StrEnum):
    REQUESTED = "requested"
    ACKNOWLEDGED = "acknowledged"
    FROZEN = "frozen"
    HELD = "held"
    RECOVERED = "recovered"
    RELEASED = "released"
    EXPIRED = "expired"


OPEN_FREEZE = (FreezeStatus.REQUESTED, FreezeStatus.ACKNOWLEDGED, FreezeStatus.FROZEN, FreezeStatus.HELD)


class Operation(Base):
    """A time-boxed multi-country wave; its participants are the members of its own sharing group."""

    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    crime_type: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=OperationStatus.PLANNING.value)
    lead_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("sharing_groups.id"))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    lead: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[lead_org_id])
    marking: Mapped[Marking] = relationship(lazy="joined")

    @property
    def title(self) -> str:
        """'Operation <name>', without doubling the word when the name already starts with it."""
        return self.name if self.name.lower().startswith("operation") else f"Operation {self.name}"


class Target(Base):
    """What an operation wants acted on, by which country: an observable, a statement or a link-analysis entity.

    ``entity_id`` names an entity of ``operations.graph`` without a foreign key, so this table does not
    depend on that capability's migration.
    """

    __tablename__ = "operation_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    observable_id: Mapped[int | None] = mapped_column(ForeignKey("observables.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300), default="")
    acting_country: Mapped[str] = mapped_column(String(2))
    recommended_action: Mapped[str] = mapped_column(String(24))
    priority: Mapped[int] = mapped_column(SmallInteger, default=2)
    status: Mapped[str] = mapped_column(String(16), default=TargetStatus.OPEN.value)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rationale: Mapped[str] = mapped_column(Text, default="")
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    observable: Mapped[Observable | None] = relationship(lazy="joined")
    owner: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[owner_org_id])
    marking: Mapped[Marking] = relationship(lazy="joined")


class Task(Base):
    __tablename__ = "operation_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("operation_targets.id"))
    assignee_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN.value)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignee: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[assignee_org_id])
    marking: Mapped[Marking] = relationship(lazy="joined")


class Action(Base):
    """One entry of the action log; outcomes are sums over these rows and nothing else.

    ``quantity`` counts persons arrested, premises searched, victims notified or accounts frozen;
    a seizure counts ``servers`` and ``devices``; funds carry ``amount_micros`` in ``currency``.
    """

    __tablename__ = "operation_actions"
    __table_args__ = (Index("ix_operation_actions_operation_kind", "operation_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"))
    target_id: Mapped[int] = mapped_column(ForeignKey("operation_targets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    servers: Mapped[int] = mapped_column(Integer, default=0)
    devices: Mapped[int] = mapped_column(Integer, default=0)
    amount_micros: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    takedown_id: Mapped[int | None] = mapped_column(ForeignKey("takedown_requests.id"))
    freeze_id: Mapped[int | None] = mapped_column(ForeignKey("freeze_requests.id"))
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    owner: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[owner_org_id])
    marking: Mapped[Marking] = relationship(lazy="joined")


class Package(Base):
    """A generated activity report for one participating country, readable by that country's organisation only."""

    __tablename__ = "operation_packages"
    __table_args__ = (UniqueConstraint("operation_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    country: Mapped[str] = mapped_column(String(2))
    targets: Mapped[int] = mapped_column(Integer)
    tlp: Mapped[int] = mapped_column(SmallInteger)
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    stix: Mapped[str] = mapped_column(Text)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    generated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class TakedownRequest(Base):
    """A notice to a registrar, host, telco or platform, with the evidence the recipient may see."""

    __tablename__ = "takedown_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("operation_targets.id"), index=True)
    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id"))
    provider_kind: Mapped[str] = mapped_column(String(16))
    provider_name: Mapped[str] = mapped_column(String(200))
    provider_email: Mapped[str] = mapped_column(String(254))
    provider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    grounds: Mapped[str] = mapped_column(Text, default="")
    notice_tlp: Mapped[int] = mapped_column(SmallInteger)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=TakedownStatus.DRAFT.value)
    channel: Mapped[str] = mapped_column(String(8), default="")
    message_id: Mapped[str] = mapped_column(String(300), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_text: Mapped[str] = mapped_column(Text, default="")
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    observable: Mapped[Observable] = relationship(lazy="joined")
    marking: Mapped[Marking] = relationship(lazy="joined")


class LegalClock(Base):
    """How long the acting country's law lets a freeze (or stop-payment) stand, then how long a hold may last.

    Seeded with illustrative defaults by the migration; administrators set the real figures.
    """

    __tablename__ = "legal_clocks"
    __table_args__ = (UniqueConstraint("country", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(16))
    freeze_hours: Mapped[int] = mapped_column(Integer)
    hold_days: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(Text, default="")
    illustrative: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FreezeRequest(Base):
    """Victim-country agency → destination-country agency → bank or exchange, racing the acting country's clock.

    ``expires_at`` is when the current stage of the clock runs out: the freeze window from the request,
    then the hold from the moment the funds are held.
    """

    __tablename__ = "freeze_requests"
    __table_args__ = (Index("ix_freeze_requests_status_expires", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("operation_targets.id"))
    kind: Mapped[str] = mapped_column(String(16))
    observable_id: Mapped[int] = mapped_column(ForeignKey("observables.id"), index=True)
    requesting_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    acting_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    acting_country: Mapped[str] = mapped_column(String(2))
    institution_name: Mapped[str] = mapped_column(String(200))
    institution_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    amount_micros: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    held_micros: Mapped[int | None] = mapped_column(BigInteger)
    recovered_micros: Mapped[int | None] = mapped_column(BigInteger)
    transaction_refs: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=FreezeStatus.REQUESTED.value)
    clock_freeze_hours: Mapped[int] = mapped_column(Integer)
    clock_hold_days: Mapped[int] = mapped_column(Integer)
    clock_basis: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    observable: Mapped[Observable] = relationship(lazy="joined")
    requesting: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[requesting_org_id])
    acting: Mapped[Organisation] = relationship(lazy="joined", foreign_keys=[acting_org_id])
    marking: Mapped[Marking] = relationship(lazy="joined")


class FreezeAlert(Base):
    """One alert sent for one stage and threshold of a freeze request's clock (0 minutes: the expiry itself)."""

    __tablename__ = "freeze_alerts"
    __table_args__ = (UniqueConstraint("freeze_id", "stage", "threshold_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    freeze_id: Mapped[int] = mapped_column(ForeignKey("freeze_requests.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(8))
    threshold_minutes: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
