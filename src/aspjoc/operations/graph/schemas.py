"""API shapes of entities, relationships and graph answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aspjoc.intel.schemas import OrgRef, RecipientsIn, TLPText


class RecordMarkingIn(BaseModel):
    """The marking of an entity, a relationship or an evidence file (no per-record reliability or retention)."""

    model_config = ConfigDict(extra="forbid")

    tlp: str = Field("amber", description="clear, green, amber, amber+strict or red.")
    recipients: RecipientsIn = Field(default_factory=RecipientsIn)
    handling: list[str] = Field(default_factory=list, description="no_onward_sharing, no_export, no_court_use, verify_before_action, notify_owner.")


class EntityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(..., description="person, group, company or account.")
    name: str = Field(..., min_length=1, max_length=300)
    role: str = Field("unknown", description="suspect, victim, witness or unknown. Victims never appear in suspect clusters or paths by default.")
    aliases: list[str] = Field(default_factory=list, max_length=50)
    country: str | None = Field(None, description="ISO 3166 alpha-2 country code.")
    description: str = Field("", max_length=20000)
    marking: RecordMarkingIn = Field(default_factory=RecordMarkingIn)


class EndIn(BaseModel):
    """One end of a relationship: an entity or statement by id, or an observable by id or by value."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(..., description="entity, observable or statement.")
    id: int | None = Field(None, description="Id of the entity, observable or statement.")
    value: str | None = Field(None, max_length=4096, description="An identifier (observables only); stored in canonical form.")
    observable_type: str | None = Field(None, description="Read value as this observable type instead of detecting it.")


class RelationshipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(..., description="controls, member_of, uses, owns, paid, communicated_with, employs or related_to.")
    source: EndIn
    target: EndIn
    confidence: int = Field(50, ge=0, le=100)
    description: str = Field("", max_length=20000)
    marking: RecordMarkingIn = Field(default_factory=RecordMarkingIn)


class MarkingBrief(BaseModel):
    tlp: TLPText
    handling: list[str]


class EntityOut(BaseModel):
    id: int
    uuid: str
    kind: str
    role: str
    victim_data: bool = Field(description="True for victims: handle under victim-protection rules, never as a suspect.")
    name: str
    aliases: list[str]
    country: str | None
    description: str
    owner: OrgRef
    marking: MarkingBrief
    created_at: datetime
    updated_at: datetime


class EntityPage(BaseModel):
    items: list[EntityOut]
    total: int
    next: str | None


class EndOut(BaseModel):
    type: str
    id: int
    node: str = Field(description="Node key in graph answers, e.g. entity:12.")
    label: str


class RelationshipOut(BaseModel):
    id: int
    uuid: str
    kind: str
    source: EndOut
    target: EndOut
    confidence: int
    description: str
    owner: OrgRef
    marking: MarkingBrief
    created_at: datetime


class RelationshipPage(BaseModel):
    items: list[RelationshipOut]
    total: int
    next: str | None


class NodeOut(BaseModel):
    id: str = Field(description="entity:<id>, observable:<id>, statement:<id> or domain:<registered domain>.")
    kind: str = Field(description="entity, observable, statement or domain.")
    label: str
    type: str = Field("", description="Entity kind, observable type or statement kind.")
    role: str | None = Field(None, description="Entities only: suspect, victim, witness or unknown.")
    victim_data: bool = False
    tlp: TLPText | None = Field(None, description="Marking of entities and statements; observables and domains carry none.")
    owner: str | None = None
    depth: int = 0


class EdgeOut(BaseModel):
    id: str
    source: str
    target: str
    kind: str
    derived: bool = Field(description="True when computed from statements or observables rather than recorded.")
    tlp: TLPText | None = None
    owner: str | None = Field(None, description="Organisation that recorded the relationship or statement.")


class GraphOut(BaseModel):
    focus: list[str]
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool = Field(description="The view reached the node limit; some neighbours are not shown.")


class PathOut(GraphOut):
    found: bool
    length: int | None


class ClusterOut(BaseModel):
    key: str
    entities: list[NodeOut]
    observables: list[NodeOut]
    domains: list[str]
    statements: int
    organisations: list[str]
    crime_types: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    changed_at: datetime | None


class ClusterPage(BaseModel):
    items: list[ClusterOut]
    total: int
