"""Statements made from MISP attributes: one per (observable, owner, kind, source), as everywhere in aspjoc.

The same organisation adding the same value in two events asserts one thing: the second event links
to the same statement and, as the owner's latest word, its marking replaces the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from aspjoc.intel.models import Statement, StatementKind
from aspjoc.intel.service import observable_for
from aspjoc.marking import MarkingSpec, marking_id_for
from aspjoc.observables import Canonical
from aspjoc.sharing.misp.models import MispAttribute

RETENTION = timedelta(days=5 * 365)
ADMIRALTY_RELIABILITY = "admiralty-scale:source-reliability="
ADMIRALTY_CREDIBILITY = "admiralty-scale:information-credibility="


@dataclass(frozen=True)
class Assertion:
    """What one attribute says, ready to become a statement of ``spec.owner_org_id``."""

    canonical: Canonical
    spec: MarkingSpec
    source: str
    description: str
    first_seen: datetime
    last_seen: datetime
    reliability: str | None = None
    credibility: int | None = None


def admiralty(tags: list[str]) -> tuple[str | None, int | None]:
    """Source reliability (A-F) and information credibility (1-6) from ``admiralty-scale`` tags, if any."""
    reliability: str | None = None
    credibility: int | None = None
    for name in tags:
        low = name.strip().lower()
        if low.startswith(ADMIRALTY_RELIABILITY):
            letter = low.removeprefix(ADMIRALTY_RELIABILITY).strip('"').upper()
            reliability = letter if letter in ("A", "B", "C", "D", "E", "F") else reliability
        elif low.startswith(ADMIRALTY_CREDIBILITY):
            digit = low.removeprefix(ADMIRALTY_CREDIBILITY).strip('"')
            credibility = int(digit) if digit in ("1", "2", "3", "4", "5", "6") else credibility
    return reliability, credibility


def upsert(session: Session, author_user_id: int | None, item: Assertion, now: datetime, sighting: bool = True) -> Statement:
    """Store ``item`` as its owner's indicator statement, updating the one with the same key if it exists.

    ``sighting`` is False when the same attribute comes again (an edit, a re-pull): that is not a new sighting.
    """
    observable = observable_for(session, item.canonical, now)
    owner = item.spec.owner_org_id
    kind = StatementKind.INDICATOR.value
    found = session.scalar(select(Statement).where(
        Statement.observable_id == observable.id, Statement.owner_org_id == owner,
        Statement.kind == kind, Statement.source == item.source))
    statement = found or Statement(observable_id=observable.id, owner_org_id=owner, kind=kind, source=item.source,
                                   created_at=now, first_seen=item.first_seen, last_seen=item.last_seen, sightings=0)
    statement.author_user_id = author_user_id
    statement.marking_id = marking_id_for(session, item.spec)
    statement.first_seen = min(statement.first_seen, item.first_seen)
    statement.last_seen = max(statement.last_seen, item.last_seen)
    statement.reliability = item.reliability or statement.reliability
    statement.credibility = item.credibility or statement.credibility
    statement.retention_until = statement.retention_until or now + RETENTION
    statement.description = item.description or statement.description
    statement.sightings += 1 if sighting or found is None else 0
    statement.withdrawn = False
    statement.updated_at = now
    if found is None:
        session.add(statement)
    session.flush()
    return statement


def withdraw_if_unlinked(session: Session, statement_id: int, now: datetime) -> None:
    """Withdraw a MISP-made statement once no live attribute links to it any more."""
    linked = session.scalar(select(exists().where(MispAttribute.statement_id == statement_id,
                                                  MispAttribute.deleted.is_(False))))
    statement = session.get(Statement, statement_id)
    if statement is not None and not linked and statement.source.startswith("misp"):
        statement.withdrawn = True
        statement.updated_at = now
