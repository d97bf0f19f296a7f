"""API shapes of block-list subscriptions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SelectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    crime_types: list[str] = Field(default_factory=list, description="Crime types to include; empty: any.")
    types: list[str] = Field(default_factory=list, description="Identifier types to include; empty: every type the format takes.")
    min_score: int | None = Field(None, description="Leave out statements scoring below this (0-100).")
    max_age_days: int | None = Field(None, description="Leave out statements not seen within this many days.")
    owners: list[str | int] = Field(default_factory=list, description="Only statements of these organisations (ids or names).")


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=200)
    subscriber: str | int = Field(..., description="The organisation receiving the list (id or name).")
    format: str = Field(..., description="rpz, hosts, plain, suricata, bank_csv, telco_csv or stix.")
    selection: SelectionIn = Field(default_factory=SelectionIn)


class OrgRef(BaseModel):
    id: int
    name: str


class SubscriptionOut(BaseModel):
    id: int
    name: str
    subscriber: OrgRef
    format: str
    url: str = Field(..., description="Path of the list; add ?token= or send the token as a bearer token.")
    selection: SelectionIn
    active: bool
    serial: int
    entries: int
    refreshed_at: datetime | None
    token_prefix: str
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    token: str = Field(..., description="The feed token; shown once, stored hashed.")


class TokenOut(BaseModel):
    token: str


class RefreshOut(BaseModel):
    serial: int
    added: int
    removed: int
    changed: int
    entries: int
