"""Reading events and attributes through the access gate, with restSearch filters turned into SQL.

An attribute is visible when both its statement and its event pass the gate for the caller; an event
is visible when its own marking does (it may then show no attribute at all). Nothing is filtered
after loading. An attribute's tags, for the ``tags`` filter, are its stored ones, its event's and its
statement's source tags (``statements.tags``), as ``render`` shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select, true
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts.models import Organisation
from aspjoc.errors import InvalidInput, NotFound
from aspjoc.intel.models import Observable, Statement
from aspjoc.intel.tags import carrying, like_text
from aspjoc.marking import TLP, Marking
from aspjoc.observables import canonicalise
from aspjoc.sharing.misp.distribution import is_tlp_tag
from aspjoc.sharing.misp.models import MispAttribute, MispAttributeTag, MispEvent, MispEventTag
from aspjoc.sharing.misp.params import SearchParams, Span, Terms



Match = Callable[[str], ColumnElement[bool]]


def _combine(terms: Terms, match: Match) -> ColumnElement[bool]:
    """OR (or AND) of ``match(term)`` over the included terms, AND NOT over the excluded ones."""
    parts: list[ColumnElement[bool]] = []
    if terms.include:
        found = [match(t) for t in terms.include]
        parts.append(and_(*found) if terms.all else or_(*found))
    parts += [not_(match(t)) for t in terms.exclude]
    return and_(true(), *parts)


def _like_or_equal(column: object, term: str) -> ColumnElement[bool]:
    col = func.lower(column)  # type: ignore[arg-type]
    return col.like(term.lower()) if "%" in term else col == term.lower()


def _value(term: str) -> ColumnElement[bool]:
    if "%" in term:
        return or_(Observable.value.like(term), func.lower(MispAttribute.value).like(term.lower()))
    matches = [func.lower(MispAttribute.value) == term.lower()]
    try:
        canonical = canonicalise(term)
        matches.append(and_(Observable.type == canonical.type.value, Observable.value == canonical.value))
    except InvalidInput:
        pass  # not an identifier: only the value as given can match
    return or_(*matches)


def _tlp_level(term: str) -> int | None:
    try:
        return int(TLP.parse(term)) if is_tlp_tag(term) else None
    except InvalidInput:
        return None


def _statement_tag(term: str) -> ColumnElement[bool]:
    """The statement carries the tag ``term`` (any case; ``%`` matches any run of characters), as
    ``intel.tags.carrying`` matches a whole tag. A ``%`` inside a term (``a%b``) may also match from one
    tag into the next; a leading or trailing one (``kit:%``, ``%-wave``) may not.
    """
    return carrying("%".join(like_text(part) for part in term.split("%")))


def _attribute_tag(term: str) -> ColumnElement[bool]:
    level = _tlp_level(term)
    if level is not None:
        return Statement.marking_id.in_(select(Marking.id).where(Marking.tlp == level))
    stored = exists().where(MispAttributeTag.attribute_id == MispAttribute.id, _like_or_equal(MispAttributeTag.name, term))
    # A statement's own tlp: tags are never shown (its marking's is), so a tlp: term does not look at them.
    return stored if is_tlp_tag(term) else or_(stored, _statement_tag(term))


def _event_tag(term: str) -> ColumnElement[bool]:
    level = _tlp_level(term)
    if level is not None:
        return MispEvent.marking_id.in_(select(Marking.id).where(Marking.tlp == level))
    return exists().where(MispEventTag.event_id == MispEvent.id, _like_or_equal(MispEventTag.name, term))


def _org(term: str) -> ColumnElement[bool]:
    owner = select(Organisation.id).where(or_(func.lower(Organisation.name) == term.lower(),
                                              Organisation.id == (int(term) if term.isdigit() else -1)))
    return or_(MispEvent.org_id.in_(owner), func.lower(MispEvent.orgc_name) == term.lower())


def _event_id(term: str) -> ColumnElement[bool]:
    return MispEvent.id == int(term) if term.isdigit() else MispEvent.uuid == term


def _within(column: object, window: Span | None) -> list[ColumnElement[bool]]:
    if window is None:
        return []
    out: list[ColumnElement[bool]] = []
    if window.start is not None:
        out.append(column >= window.start)  # type: ignore[operator,arg-type]
    if window.end is not None:
        out.append(column <= window.end)  # type: ignore[operator,arg-type]
    return out


def _searchall(term: str) -> ColumnElement[bool]:
    pattern = term if "%" in term else f"%{term}%"
    return or_(_value(pattern), func.lower(MispAttribute.comment).like(pattern.lower()),
               func.lower(MispEvent.info).like(pattern.lower()))


def attribute_conditions(p: SearchParams, controller: str) -> list[ColumnElement[bool]]:
    """Conditions on (attribute, statement, observable, event) rows for the attribute-level filters."""
    conds = [_combine(p.value, _value), _combine(p.searchall, _searchall),
             _combine(p.type, lambda t: MispAttribute.type == t), _combine(p.category, lambda t: MispAttribute.category == t)]
    if p.to_ids is not None:
        conds.append(MispAttribute.to_ids.is_(p.to_ids))
    if controller == "attributes":
        conds.append(_combine(p.tags, lambda t: or_(_attribute_tag(t), _event_tag(t))))
        conds.append(_combine(p.uuid, lambda t: or_(MispAttribute.uuid == t, MispEvent.uuid == t)))
        conds += _within(MispAttribute.timestamp, p.timestamp)
        conds += _within(MispEvent.timestamp, p.event_timestamp)
    return conds


def event_conditions(p: SearchParams, controller: str) -> list[ColumnElement[bool]]:
    """Conditions on the event row for the event-level filters."""
    conds = [_combine(p.org, _org), _combine(p.eventid, _event_id), _combine(p.event_tags, _event_tag),
             _combine(p.eventinfo, lambda t: func.lower(MispEvent.info).like(t.lower() if "%" in t else f"%{t.lower()}%")),
             _combine(p.sharinggroup, lambda t: MispEvent.sharing_group_id == (int(t) if t.isdigit() else -1))]
    if p.published is not None:
        conds.append(MispEvent.published.is_(p.published))
    conds += _within(MispEvent.publish_timestamp, p.publish_timestamp)
    if p.date_from is not None:
        conds.append(MispEvent.date >= p.date_from)
    if p.date_to is not None:
        conds.append(MispEvent.date <= p.date_to)
    if controller == "events":
        conds += _within(MispEvent.timestamp, p.timestamp)
    return conds


def visible_attributes(principal: Principal, purpose: Purpose) -> Select[MispAttribute]:
    """Attributes whose statement and event the principal may see for ``purpose``, joined for filtering."""
    return (select(MispAttribute)
            .join(Statement, Statement.id == MispAttribute.statement_id)
            .join(Observable, Observable.id == Statement.observable_id)
            .join(MispEvent, MispEvent.id == MispAttribute.event_id)
            .where(gate(principal, Statement, purpose), gate(principal, MispEvent, purpose),
                   Statement.withdrawn.is_(False), MispAttribute.deleted.is_(False)))


Row = TypeVar("Row", MispEvent, MispAttribute)


def _page(query: Select[Row], p: SearchParams) -> Select[Row]:
    if p.limit is None:
        return query
    return query.limit(p.limit).offset((p.page - 1) * p.limit)


def event_query(principal: Principal, p: SearchParams, purpose: Purpose = Purpose.READ) -> Select[MispEvent]:
    """Visible events matching the event filters and, when attribute filters are given, through a visible attribute."""
    query = select(MispEvent).where(gate(principal, MispEvent, purpose), *event_conditions(p, "events"))
    if p.attribute_level:
        matching = visible_attributes(principal, purpose).with_only_columns(MispAttribute.event_id)
        query = query.where(MispEvent.id.in_(matching.where(*attribute_conditions(p, "events"))))
    if p.tags:
        tagged = visible_attributes(principal, purpose).with_only_columns(MispAttribute.event_id)
        query = query.where(_combine(p.tags, lambda t: or_(_event_tag(t), MispEvent.id.in_(tagged.where(_attribute_tag(t))))))
    if p.uuid:
        holders = select(MispAttribute.event_id)
        query = query.where(_combine(p.uuid, lambda t: or_(MispEvent.uuid == t, MispEvent.id.in_(holders.where(MispAttribute.uuid == t)))))
    return query


def search_events(session: Session, principal: Principal, p: SearchParams, purpose: Purpose = Purpose.READ) -> list[MispEvent]:
    """One page (``p.limit``, ``p.page``) of :func:`event_query`, oldest first."""
    return list(session.scalars(_page(event_query(principal, p, purpose).order_by(MispEvent.id), p)).unique())


def count_events(session: Session, principal: Principal, p: SearchParams, purpose: Purpose = Purpose.READ) -> int:
    counted = select(func.count()).select_from(event_query(principal, p, purpose).with_only_columns(MispEvent.id).subquery())
    return int(session.scalar(counted) or 0)


def search_attributes(session: Session, principal: Principal, p: SearchParams,
                      purpose: Purpose = Purpose.READ) -> list[MispAttribute]:
    query = visible_attributes(principal, purpose).where(*attribute_conditions(p, "attributes"), *event_conditions(p, "attributes"))
    return list(session.scalars(_page(query.order_by(MispAttribute.id), p)).unique())


def attributes_of(session: Session, principal: Principal, event_ids: Sequence[int],
                  purpose: Purpose = Purpose.READ) -> dict[int, list[MispAttribute]]:
    """The visible attributes of each event, in order."""
    found: dict[int, list[MispAttribute]] = defaultdict(list)
    if not event_ids:
        return found
    query = visible_attributes(principal, purpose).where(MispAttribute.event_id.in_(event_ids)).order_by(MispAttribute.id)
    for attribute in session.scalars(query).unique():
        found[attribute.event_id].append(attribute)
    return found


def find_event(session: Session, principal: Principal, ref: str, purpose: Purpose = Purpose.READ) -> MispEvent:
    """The visible event with id or uuid ``ref``; NotFound when it does not exist or the caller may not see it."""
    condition = MispEvent.id == int(ref) if ref.isdigit() else MispEvent.uuid == ref.lower()
    event = session.scalar(select(MispEvent).where(condition, gate(principal, MispEvent, purpose)))
    if event is None:
        raise NotFound("event", "Invalid event.")
    return event


def find_attribute(session: Session, principal: Principal, ref: str) -> MispAttribute:
    condition = MispAttribute.id == int(ref) if ref.isdigit() else MispAttribute.uuid == ref.lower()
    attribute = session.scalar(visible_attributes(principal, Purpose.READ).where(condition))
    if attribute is None:
        raise NotFound("attribute", "Invalid attribute.")
    return attribute
