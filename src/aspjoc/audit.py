"""The audit log: append-only, hash-chained.

Each event's hash covers its own fields and the previous event's hash, so an
edited, deleted or reordered row breaks the chain from that point on. The
single-row ``audit_head`` table holds the newest hash; updating it in the same
transaction serialises writers (a row lock on PostgreSQL, the one writer on
SQLite), so two transactions cannot both extend the same link.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from aspjoc.access import Principal
from aspjoc.db import Base, UTCDateTime

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


def _digest(prev_hash: str, at: datetime, user: int | None, org: int | None, action: str, otype: str, oid: str, detail: str) -> str:
    material = json.dumps([prev_hash, at.isoformat(), user, org, action, otype, oid, detail], separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    at: datetime,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain (flushed, committed with the caller's unit of work)."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
        session.flush()
    user = actor.user_id if actor else None
    org = actor.org_id if actor else None
    text = json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), default=str)
    at = at.replace(microsecond=at.microsecond)
    digest = _digest(head.last_hash, at, user, org, action, object_type, str(object_id), text)
    event = AuditEvent(
        at=at, actor_user_id=user, actor_org_id=org, action=action, object_type=object_type,
        object_id=str(object_id), detail=text, prev_hash=head.last_hash, hash=digest,
    )
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=digest))
    session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


def verify(session: Session, batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in order; return (events checked, first break or None)."""
    expected_prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            break
        for event in rows:
            if event.prev_hash != expected_prev:
                return checked, ChainBreak(event.id, "previous-hash link does not match the event before it (a row was removed or reordered)")
            digest = _digest(event.prev_hash, event.at, event.actor_user_id, event.actor_org_id, event.action,
                             event.object_type, event.object_id, event.detail)
            if digest != event.hash:
                return checked, ChainBreak(event.id, "contents do not match the stored hash (the row was edited)")
            expected_prev = event.hash
            checked += 1
            last_id = event.id
    head = session.scalar(select(AuditHead.last_hash).where(AuditHead.id == 1))
    if head is not None and head != expected_prev:
        return checked, ChainBreak(last_id, "the newest events are missing (the chain head points past the last row)")
    return checked, None
