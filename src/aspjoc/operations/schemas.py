"""API shapes of operations, targets, tasks, actions, outcomes, packages, takedown and freeze requests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aspjoc.intel.schemas import ObservableIn, ObservableOut, OrgRef

Ref = str | int
PriorityText = Literal["high", "medium", "low"]


class OpMarkingIn(BaseModel):
    """A marking narrower than the default (AMBER to the operation's participants)."""

    model_config = ConfigDict(extra="forbid")

    tlp: Literal["amber", "amber+strict", "red"] = Field("amber", description="amber, amber+strict or red.")
    organisations: list[Ref] = Field(default_factory=list, description="Participating organisations only; none: the whole operation (or, for red, the author's organisation).")
    users: list[Ref] = Field(default_factory=list, description="Users of participating organisations.")
    handling: list[str] = Field(default_factory=list, description="no_onward_sharing, no_export, no_court_use, verify_before_action, notify_owner.")


class OperationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    crime_type: str = Field(..., description="One of the crime types of statements (phishing, infostealer, bec, ...).")
    starts_on: date
    ends_on: date
    lead: Ref | None = Field(None, description="Lead organisation id or name; the caller's organisation when left out.")
    participants: list[Ref] = Field(default_factory=list, description="Participating organisations (ids or names).")
    description: str = Field("", max_length=20000)
    status: Literal["planning", "active", "closed"] = "planning"


class OperationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["planning", "active", "closed"] | None = None
    description: str | None = Field(None, max_length=20000)
    ends_on: date | None = None


class ParticipantsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisations: list[Ref] = Field(..., min_length=1)


class OperationOut(BaseModel):
    id: int
    uuid: str
    name: str
    crime_type: str
    description: str
    starts_on: date
    ends_on: date
    status: str
    lead: OrgRef
    participants: list[OrgRef]
    countries: list[str] = Field(description="Countries with a participating law-enforcement (or hub) organisation: the countries that can act.")
    group_id: int
    tlp: str
    created_at: datetime


class TargetIn(BaseModel):
    """Exactly one of ``observable``, ``statement_id`` and ``entity_id``."""

    model_config = ConfigDict(extra="forbid")

    observable: ObservableIn | None = None
    statement_id: int | None = None
    entity_id: int | None = None
    country: str = Field(..., description="ISO 3166 code of the country that should act.")
    action: str = Field(..., description="takedown, freeze, stop_payment, arrest, search, victim_notification or monitor.")
    priority: PriorityText = "medium"
    deadline: datetime | None = None
    rationale: str = Field("", max_length=20000)
    marking: OpMarkingIn | None = None


class TargetPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "in_progress", "done", "dropped"] | None = None
    priority: PriorityText | None = None
    action: str | None = None
    deadline: datetime | None = None


class TargetOut(BaseModel):
    id: int
    operation_id: int
    kind: str
    observable: ObservableOut | None
    statement_id: int | None
    entity_id: int | None
    label: str
    country: str
    action: str
    priority: PriorityText
    status: str
    deadline: datetime | None
    rationale: str
    tlp: str
    owner: OrgRef
    created_at: datetime


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: Ref = Field(..., description="Participating organisation id or name.")
    title: str = Field(..., min_length=1, max_length=300)
    description: str = Field("", max_length=20000)
    due_at: datetime | None = None
    target_id: int | None = None
    marking: OpMarkingIn | None = None


class TaskPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "in_progress", "done", "cancelled"]


class TaskOut(BaseModel):
    id: int
    operation_id: int
    target_id: int | None
    assignee: OrgRef
    title: str
    description: str
    due_at: datetime | None
    status: str
    overdue: bool
    tlp: str
    created_at: datetime
    completed_at: datetime | None


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: int
    kind: str = Field(..., description="takedown_requested, takedown_confirmed, takedown_refused, account_frozen, funds_held, funds_recovered, arrest, search, seizure or victims_notified.")
    occurred_at: datetime | None = None
    quantity: int = Field(1, ge=0, le=100_000_000, description="Persons arrested, premises searched, victims notified, accounts frozen.")
    servers: int = Field(0, ge=0, le=1_000_000, description="Servers seized (seizure).")
    devices: int = Field(0, ge=0, le=1_000_000, description="Devices seized (seizure).")
    amount: Decimal | None = Field(None, description="Funds held or recovered, exact (up to six decimal places).")
    currency: str | None = Field(None, description="ISO 4217 code, or USDT, USDC, BTC, ETH, TRX, BNB.")
    note: str = Field("", max_length=20000)
    marking: OpMarkingIn | None = None


class ActionOut(BaseModel):
    id: int
    operation_id: int
    target_id: int
    country: str
    kind: str
    occurred_at: datetime
    quantity: int
    servers: int
    devices: int
    amount: Decimal | None
    currency: str | None
    note: str
    takedown_id: int | None
    freeze_id: int | None
    tlp: str
    recorded_by: OrgRef
    recorded_at: datetime


class OutcomeFigures(BaseModel):
    targets: int
    takedowns_requested: int = Field(description="Targets with at least one takedown requested.")
    takedowns_confirmed: int = Field(description="Targets with a takedown confirmed.")
    takedowns_refused: int
    takedown_rate: float | None = Field(description="takedowns_confirmed / takedowns_requested; null when none was requested.")
    accounts_frozen: int
    arrests: int
    searches: int
    servers_seized: int
    devices_seized: int
    amounts_held: dict[str, Decimal] = Field(description="By currency.")
    amounts_recovered: dict[str, Decimal] = Field(description="By currency.")
    victims_notified: int


class OutcomesOut(BaseModel):
    operation_id: int
    total: OutcomeFigures
    by_country: dict[str, OutcomeFigures]


class PackageOut(BaseModel):
    id: int
    operation_id: int
    country: str
    organisation: OrgRef
    targets: int
    tlp: str
    generated_at: datetime
    pdf_sha256: str
    html_url: str
    pdf_url: str
    stix_url: str


class GeneratedOut(BaseModel):
    countries: list[str] = Field(description="Countries whose package was (re)generated; each is readable by that country's organisation only.")


class TakedownIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_id: int
    provider_kind: Literal["registrar", "host", "telco", "platform"]
    provider_name: str = Field(..., min_length=1, max_length=200)
    provider_email: str = Field(..., min_length=3, max_length=254)
    provider_org: Ref | None = Field(None, description="The provider's organisation when it is a partner on this platform; it then sees and may answer the request.")
    grounds: str = Field("", max_length=20000, description="Why the sender asks for the takedown, in the sender's words.")
    marking: OpMarkingIn | None = None


class TakedownResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["acknowledged", "confirmed", "refused"]
    text: str = Field("", max_length=20000)
    responded_at: datetime | None = None


class TakedownOut(BaseModel):
    id: int
    operation_id: int
    target_id: int
    observable: ObservableOut
    provider_kind: str
    provider_name: str
    provider_email: str
    provider_org_id: int | None
    notice_tlp: str
    subject: str
    body: str
    status: str
    channel: str
    last_error: str
    sent_at: datetime | None
    due_at: datetime | None
    responded_at: datetime | None
    response_text: str
    response_hours: float | None
    overdue: bool
    tlp: str
    created_at: datetime


class FreezeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["freeze", "stop_payment"] = "freeze"
    operation_id: int | None = None
    target_id: int | None = None
    account: ObservableIn = Field(..., description="The bank account, IBAN, e-wallet (phone) or crypto wallet.")
    acting_org: Ref = Field(..., description="The destination-country agency that must act (id or name).")
    institution_name: str = Field(..., min_length=1, max_length=200, description="The bank or exchange.")
    institution_org: Ref | None = Field(None, description="The bank's or exchange's organisation when it is a partner here.")
    amount: Decimal
    currency: str
    transaction_refs: list[str] = Field(default_factory=list, max_length=200)
    note: str = Field("", max_length=20000)
    marking: OpMarkingIn | None = None


class FreezeStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["acknowledged", "frozen", "held", "recovered", "released"]
    amount: Decimal | None = Field(None, description="Amount frozen, held or recovered when it differs from the request.")
    note: str = Field("", max_length=20000)


class FreezeOut(BaseModel):
    id: int
    uuid: str
    kind: str
    operation_id: int | None
    target_id: int | None
    account: ObservableOut
    requesting: OrgRef
    acting: OrgRef
    acting_country: str
    institution_name: str
    amount: Decimal
    currency: str
    held: Decimal | None
    recovered: Decimal | None
    transaction_refs: list[str]
    note: str
    status: str
    clock: str = Field(description="The legal clock applied, as configured when the request was made.")
    requested_at: datetime
    expires_at: datetime
    seconds_left: int | None = Field(description="Until the current stage of the clock runs out; null once closed; negative once passed.")
    tlp: str


class LegalClockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    freeze_hours: int = Field(..., ge=1, le=24 * 365)
    hold_days: int = Field(..., ge=0, le=3650)
    basis: str = Field("", max_length=2000)


class LegalClockOut(BaseModel):
    country: str
    kind: str
    freeze_hours: int
    hold_days: int
    basis: str
    illustrative: bool
    updated_at: datetime | None


class ClockAlertOut(BaseModel):
    freeze_id: int
    stage: str
    threshold_minutes: int
    expired: bool
