"""Statements: assert, list, look up. Every read goes through the access gate."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import InvalidInput
from aspjoc.intel.correlation.related import Related, related_values
from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.models import CREDIBILITY, RELIABILITY, CrimeType, Notice, Observable, Statement, StatementKind
from aspjoc.intel.schemas import MarkingIn, StatementIn
from aspjoc.intel.tags import TAG_LENGTH, carrying, like_text
from aspjoc.intel.scoring import statement_score
from aspjoc.marking import Handling, Marking, MarkingSpec, TLP, marking_id_for
from aspjoc.observables import Canonical, canonicalise

RETENTION = timedelta(days=5 * 365)
RESTRICTED = (int(TLP.AMBER_STRICT), int(TLP.RED))


def resolve_marking(session: Session, principal: Principal, data: MarkingIn) -> MarkingSpec:
    """Turn the API's marking (names or ids) into a MarkingSpec owned by the principal's organisation."""
    assert principal.org_id is not None
    tlp = TLP.parse(data.tlp)
    orgs = frozenset(accounts.find_organisation(session, ref).id for ref in data.recipients.organisations)
    users = frozenset((u.id, u.org_id) for u in (accounts.find_user(session, ref) for ref in data.recipients.users))
    groups = frozenset(accounts.find_group(session, ref).id for ref in data.recipients.groups)
    handling = Handling.parse_many(data.handling)
    return MarkingSpec(principal.org_id, tlp, orgs, users, groups, handling, data.public_use)


def observable_for(session: Session, canonical: Canonical, now: datetime) -> Observable:
    """The stored observable for ``canonical``, inserted if new (safe against a concurrent insert)."""
    query = select(Observable).where(Observable.type == canonical.type.value, Observable.value == canonical.value)
    found = session.scalar(query)
    if found is not None:
        return found
    row = Observable(type=canonical.type.value, value=canonical.value, country=canonical.country,
                     domain=canonical.domain, num_lo=canonical.num_lo, num_hi=canonical.num_hi, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return session.scalars(query).one()
    return row


def _check_choices(data: StatementIn) -> None:
    if data.kind not in StatementKind.__members__.values():
        raise InvalidInput("kind", f"'{data.kind}' is not one of {', '.join(StatementKind)}")
    if data.crime_type is not None and data.crime_type not in CrimeType.__members__.values():
        raise InvalidInput("crime_type", f"'{data.crime_type}' is not one of {', '.join(CrimeType)}")
    m = data.marking
    if m.reliability is not None and m.reliability.upper() not in RELIABILITY:
        raise InvalidInput("marking.reliability", "use an Admiralty source reliability letter A-F")
    if m.credibility is not None and m.credibility not in CREDIBILITY:
        raise InvalidInput("marking.credibility", "use an Admiralty information credibility number 1-6")
    if data.first_seen and data.last_seen and data.last_seen < data.first_seen:
        raise InvalidInput("last_seen", "is before first_seen")


def add_statement(session: Session, principal: Principal, data: StatementIn, now: datetime,
                  default_region: str | None = None) -> tuple[Statement, bool]:
    """Store the principal's statement; the same owner, observable, kind and source again updates it.

    Returns the statement and whether it was new.
    """
    require(principal, Permission.WRITE_INTEL)
    _check_choices(data)
    obs_in = data.observable
    canonical = canonicalise(obs_in.value, obs_in.type, default_region=obs_in.country or default_region or principal.country)
    spec = resolve_marking(session, principal, data.marking)
    observable = observable_for(session, canonical, now)
    marking_id = marking_id_for(session, spec)
    first = data.first_seen or now
    last = data.last_seen or first
    existing = session.scalar(select(Statement).where(
        Statement.observable_id == observable.id, Statement.owner_org_id == principal.org_id,
        Statement.kind == data.kind, Statement.source == data.source))
    statement = existing or Statement(observable_id=observable.id, owner_org_id=principal.org_id, kind=data.kind,
                                      source=data.source, created_at=now, first_seen=first, sightings=0)
    statement.author_user_id = principal.user_id
    statement.marking_id = marking_id
    statement.crime_type = data.crime_type
    statement.confidence = data.confidence
    statement.reliability = data.marking.reliability.upper() if data.marking.reliability else None
    statement.credibility = data.marking.credibility
    statement.first_seen = min(statement.first_seen, first)
    statement.last_seen = max(statement.last_seen, last) if existing else last
    statement.valid_until = data.valid_until
    statement.retention_until = data.marking.retention_until or now + RETENTION
    statement.sightings += 1
    statement.description = data.description
    statement.withdrawn = False
    statement.updated_at = now
    if existing is None:
        session.add(statement)
    session.flush()
    audit.record(session, principal, "statement.create" if existing is None else "statement.update", now,
                 "statement", statement.id, {"observable": f"{canonical.type}:{canonical.value}", "tlp": spec.tlp.label})
    correlate(session, [statement.id], now)
    return statement, existing is None


@dataclass(frozen=True)
class StatementFilter:
    type: str | None = None
    crime_type: str | None = None
    owner: str | None = None
    kind: str | None = None
    since: datetime | None = None
    observable_id: int | None = None
    tags: tuple[str, ...] = ()


TAG_VALUES = 20  # tags one listing may ask for


def tag_condition(tags: tuple[str, ...]) -> ColumnElement[bool]:
    """Statements carrying any of ``tags``, each a whole tag in any case (``aspjoc.intel.tags.carrying``);
    InvalidInput naming ``tag`` for a bad value."""
    if len(tags) > TAG_VALUES:
        raise InvalidInput("tag", f"ask for at most {TAG_VALUES} tags")
    conditions = []
    for tag in tags:
        text = tag.strip()
        if not text or len(text) > TAG_LENGTH:
            raise InvalidInput("tag", f"a tag is 1 to {TAG_LENGTH} characters")
        conditions.append(carrying(like_text(text)))
    return or_(*conditions)


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor", "not a cursor this API gave out") from exc


def visible_statements(session: Session, principal: Principal, flt: StatementFilter) -> tuple[list[object], bool]:
    """Conditions for the statements ``principal`` may see that match ``flt``; (conditions, needs observable join)."""
    conditions: list[object] = [gate(principal, Statement), Statement.withdrawn.is_(False)]
    join = False
    if flt.type:
        conditions.append(Observable.type == flt.type)
        join = True
    if flt.crime_type:
        conditions.append(Statement.crime_type == flt.crime_type)
    if flt.kind:
        conditions.append(Statement.kind == flt.kind)
    if flt.owner:
        conditions.append(Statement.owner_org_id == accounts.find_organisation(session, flt.owner).id)
    if flt.since:
        conditions.append(Statement.updated_at >= flt.since)
    if flt.observable_id is not None:
        conditions.append(Statement.observable_id == flt.observable_id)
    if flt.tags:
        conditions.append(tag_condition(flt.tags))
    return conditions, join


def list_statements(session: Session, principal: Principal, flt: StatementFilter, limit: int,
                    cursor: str | None = None) -> tuple[list[Statement], int, str | None]:
    """One page of visible statements, newest first; returns (items, total matching, next cursor or None)."""
    conditions, join = visible_statements(session, principal, flt)
    base = select(Statement)
    counted = select(func.count()).select_from(Statement)
    if join:
        base = base.join(Observable, Observable.id == Statement.observable_id)
        counted = counted.join(Observable, Observable.id == Statement.observable_id)
    base = base.where(*conditions)  # type: ignore[arg-type]
    total = session.scalar(counted.where(*conditions)) or 0  # type: ignore[arg-type]
    if cursor:
        base = base.where(Statement.id < _decode_cursor(cursor))
    rows = list(session.scalars(base.order_by(Statement.id.desc()).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, total, (_encode_cursor(rows[-1].id) if more and rows else None)


@dataclass
class LookupResult:
    query: str
    canonical: Canonical
    observable: Observable | None
    statements: list[Statement]
    held_elsewhere: bool | None
    related: list[Related] = field(default_factory=list)
    scores: dict[int, int] = field(default_factory=dict)


# Asked before a look-up tells whether others hold what the caller may not see: (session, principal,
# observable type, now) -> whether it may. That one bit is what private matching meters, so a meter
# keeps look-ups from becoming an unmetered way round its quotas (``sharing.matching.service.lookup_meter``).
HiddenMeter = Callable[[Session, Principal, str, datetime], bool]


def _notify_owners(session: Session, principal: Principal, observable: Observable, now: datetime) -> None:
    """Tell owners whose handling code asks for it that ``principal`` asked about their identifier."""
    owners = session.execute(
        select(Statement.owner_org_id, func.min(Statement.id)).join(Marking, Marking.id == Statement.marking_id)
        .where(Statement.observable_id == observable.id, Statement.owner_org_id != principal.org_id,
               Marking.handling.op("&")(int(Handling.NOTIFY_OWNER)) != 0)
        .group_by(Statement.owner_org_id)
    ).all()
    who = f"{principal.org_name} ({principal.email})" if principal.authenticated else "the public check"
    for owner_id, statement_id in owners:
        session.add(Notice(org_id=owner_id, kind="retrieval", observable_id=observable.id, statement_id=statement_id,
                           actor_org_id=principal.org_id, actor_user_id=principal.user_id, created_at=now,
                           message=f"{who} looked up {observable.type} {observable.value}, which you hold."))


def lookup(session: Session, principal: Principal, query: str, now: datetime, default_region: str | None = None,
           type: str | None = None, meter: HiddenMeter | None = None) -> LookupResult:
    """Canonicalise ``query`` (as ``type`` when given) and return what ``principal`` may see of it, and whether others hold more.

    ``held_elsewhere`` is None (not answered) when ``meter`` refuses; the meter is asked for every
    look-up, found or not, so its count says nothing about what is stored.
    Raises InvalidObservable when the query is not an identifier.
    """
    canonical = canonicalise(query, type or None, default_region=default_region or principal.country)
    may_tell = meter is None or meter(session, principal, canonical.type.value, now)
    observable = session.scalar(select(Observable).where(Observable.type == canonical.type.value,
                                                         Observable.value == canonical.value))
    if observable is None:
        return LookupResult(query, canonical, None, [], False if may_tell else None,
                            related_values(session, principal, canonical, None))
    statements = list(session.scalars(
        select(Statement).where(Statement.observable_id == observable.id, Statement.withdrawn.is_(False),
                                gate(principal, Statement)).order_by(Statement.last_seen.desc())).unique())
    hidden = may_tell and session.scalar(select(exists().where(
        Statement.observable_id == observable.id, Statement.withdrawn.is_(False), ~gate(principal, Statement))))
    _notify_owners(session, principal, observable, now)
    restricted = [s.id for s in statements if s.marking.tlp in RESTRICTED and s.owner_org_id != principal.org_id]
    if restricted or hidden:
        audit.record(session, principal, "lookup.restricted", now, "observable", observable.id,
                     {"restricted_statements": restricted, "held_elsewhere": bool(hidden)})
    return LookupResult(query, canonical, observable, statements, bool(hidden) if may_tell else None,
                        related_values(session, principal, canonical, observable.id),
                        {s.id: statement_score(s, now) for s in statements})
