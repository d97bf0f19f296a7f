"""Tables of link analysis: entities (persons, groups, companies, accounts) and typed relationships.

Each entity and each relationship is a marked record of its own, read through the access gate.
A relationship's ends are generic references (``entity``, ``observable`` or ``statement`` and an id)
so that links reach observables and statements without copying them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aspjoc.db import Base, UTCDateTime
from aspjoc.intel.models import new_uuid


class EntityKind(StrEnum):
    PERSON = "person"
    GROUP = "group"
    COMPANY = "company"
    ACCOUNT = "account"


class EntityRole(StrEnum):
    """Why the entity is in the graph; victims are kept apart from suspects."""

    SUSPECT = "suspect"
    VICTIM = "victim"
    WITNESS = "witness"
    UNKNOWN = "unknown"


class RelationshipKind(StrEnum):
    CONTROLS = "controls"
    MEMBER_OF = "member_of"
    USES = "uses"
    OWNS = "owns"
    PAID = "paid"
    COMMUNICATED_WITH = "communicated_with"
    EMPLOYS = "employs"
    RELATED_TO = "related_to"


class EndType(StrEnum):
    """What a relationship end refers to."""

    ENTITY = "entity"
    OBSERVABLE = "observable"
    STATEMENT = "statement"


class Entity(Base):
    __tablename__ = "graph_entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text, default="")
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Relationship(Base):
    __tablename__ = "graph_relationships"
    __table_args__ = (
        Index("ix_graph_relationships_source", "source_type", "source_id"),
        Index("ix_graph_relationships_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(32))
    source_type: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(Integer)
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[int] = mapped_column(SmallInteger, default=50)
    description: Mapped[str] = mapped_column(Text, default="")
    marking_id: Mapped[int] = mapped_column(ForeignKey("markings.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
