"""API shapes of statements, markings and lookups."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TLPText = Literal["clear", "green", "amber", "amber+strict", "red"]


class RecipientsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisations: list[str | int] = Field(default_factory=list, description="Organisation ids or names.")
    users: list[str | int] = Field(default_factory=list, description="User ids or e-mail addresses.")
    groups: list[str | int] = Field(default_factory=list, description="Sharing group ids or names.")


class MarkingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tlp: str = Field("amber", description="clear, green, amber, amber+strict or red.")
    recipients: RecipientsIn = Field(default_factory=RecipientsIn)
    handling: list[str] = Field(default_factory=list, description="no_onward_sharing, no_export, no_court_use, verify_before_action, notify_owner.")
    public_use: bool = Field(False, description="The owner consents to this statement counting in the public scam check.")
    reliability: str | None = Field(None, description="Admiralty source reliability A-F.")
    credibility: int | None = Field(None, description="Admiralty information credibility 1-6.")
    retention_until: datetime | None = Field(None, description="Review or delete after this date; five years when left out.")


class ObservableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str | None = Field(None, description="Observable type; detected from the value when left out.")
    value: str = Field(..., min_length=1, max_length=4096)
    country: str | None = Field(None, description="Default country for reading phone numbers without a country code.")


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observable: ObservableIn
    kind: str = "indicator"
    crime_type: str | None = None
    confidence: int = Field(50, ge=0, le=100)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    valid_until: datetime | None = None
    source: str = Field("", max_length=200)
    description: str = Field("", max_length=20000)
    marking: MarkingIn = Field(default_factory=MarkingIn)


class ObservableOut(BaseModel):
    type: str
    value: str
    country: str | None = None


class OrgRef(BaseModel):
    id: int
    name: str
    country: str | None = None


class RecipientsOut(BaseModel):
    organisations: list[int] = Field(default_factory=list)
    users: list[int] = Field(default_factory=list)
    groups: list[int] = Field(default_factory=list)


class MarkingOut(BaseModel):
    tlp: TLPText
    recipients: RecipientsOut
    handling: list[str]
    public_use: bool
    reliability: str | None
    credibility: int | None
    retention_until: datetime | None


class StatementOut(BaseModel):
    id: int
    uuid: str
    observable: ObservableOut
    owner: OrgRef
    kind: str
    crime_type: str | None
    confidence: int
    first_seen: datetime
    last_seen: datetime
    valid_until: datetime | None
    sightings: int
    source: str
    description: str
    tags: list[str] = Field(default_factory=list, description="The source's tags (MISP tags, STIX labels, feed tags such as URLhaus's).")
    marking: MarkingOut
    created_at: datetime
    updated_at: datetime
    score: int | None = Field(None, description="0-100 from confidence, Admiralty grades, sightings and age (aspjoc.intel.scoring); given on lookups.")


class StatementPage(BaseModel):
    items: list[StatementOut]
    total: int
    next: str | None


class RelatedOut(BaseModel):
    relation: str = Field(description="host, registered_domain, inside_cidr, inside or same_registered_domain.")
    observable: ObservableOut | None = Field(description="None for the one entry standing for related identifiers you may not see.")
    statements: int = Field(description="Statements on it you may see.")
    held_elsewhere: bool = Field(description="Others hold information on it you may not see.")


class LookupOut(BaseModel):
    query: str
    observable: ObservableOut | None
    statements: list[StatementOut]
    held_elsewhere: bool | None = Field(description=(
        "Another organisation holds information you may not see; ask it through a request. None (not answered) "
        "when your daily private-matching allowance is used up: for phone numbers, accounts, wallets, e-mails and "
        "IPs this bit counts against the same quota as private matching."))
    related: list[RelatedOut] = Field(default_factory=list, description="Related identifiers: host, registered domain, networks, neighbours.")
