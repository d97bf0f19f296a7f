"""Storing MISP events: create, edit, publish; each attribute becomes (or updates) a statement of the owner.

Everything an event brings is checked before anything is written for it; attributes that fail are
returned as ``Rejected`` with the reason, the others are stored. Nothing commits here.

Events do not go through the batch ingest pipeline (``intel.ingest.pipeline.ingest``): it commits
on its own connection batch by batch and does not return statement ids, so an event, its attribute
links and their statements could not be written as one whole. An event is small; it is stored in
the caller's unit of work, all of it or none of it.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation, SharingGroup, SharingGroupMember
from aspjoc.errors import Conflict, InvalidInput
from aspjoc.intel.correlation.service import correlate
from aspjoc.marking import TLP, marking_id_for
from aspjoc.observables import Canonical
from aspjoc.sharing.misp import distribution as dist
from aspjoc.sharing.misp.distribution import Distribution
from aspjoc.sharing.misp.models import MispAttribute, MispAttributeTag, MispEvent, MispEventTag, MispRemote
from aspjoc.sharing.misp.parse import AttributeIn, EventIn, Rejected, TagIn
from aspjoc.sharing.misp.statements import Assertion, admiralty, upsert, withdraw_if_unlinked
from aspjoc.sharing.misp.types import default_category, default_to_ids, inbound


@dataclass(frozen=True)
class Author:
    """Who stores: the owning organisation, the acting principal (for the audit), the user, the statements' source.

    A pull (``remote`` set) applies MISP's receiving rules: distributions narrow, and a sharing group
    the owner does not belong to here narrows to the organisation only instead of failing.
    """

    org: Organisation
    principal: Principal
    user_id: int | None
    source: str = "misp"
    remote: MispRemote | None = None


@dataclass
class StoreResult:
    event: MispEvent
    created: bool
    rejected: list[Rejected] = field(default_factory=list)
    stored: int = 0


@dataclass(frozen=True)
class _Checked:
    """An attribute that passed every check, with what it becomes."""

    raw: AttributeIn
    canonical: Canonical
    own: Distribution
    effective: Distribution
    existing: MispAttribute | None


def _group(session: Session, author: Author, group_id: int | None, name: str | None, where: str) -> int | None:
    """A sharing group the owner belongs to, by id (or by name, the only thing portable across instances)."""
    query = (select(SharingGroup.id).join(SharingGroupMember, SharingGroupMember.group_id == SharingGroup.id)
             .where(SharingGroupMember.org_id == author.org.id))
    # A name wins over an id: ids differ between instances, so a pushed id could name another group here.
    if name:
        found = session.scalar(query.where(SharingGroup.name == name))
    elif group_id is not None and author.remote is None:
        found = session.scalar(query.where(SharingGroup.id == group_id))
    else:
        found = None
    if found is None and author.remote is None:
        raise InvalidInput(where, "name a sharing group your organisation belongs to (distribution 4 needs one)")
    return found


def _distribution(session: Session, author: Author, level: int, group_id: int | None, name: str | None,
                  where: str) -> Distribution:
    if level == dist.INHERIT:
        return Distribution(dist.INHERIT)
    found = Distribution(level)
    if level == dist.GROUP:
        gid = _group(session, author, group_id, name, where)
        found = Distribution(dist.GROUP, gid) if gid is not None else Distribution(dist.ORG_ONLY)
    return dist.after_pull(found) if author.remote is not None else found


def _tag_names(tags: list[TagIn]) -> list[str]:
    return [t.name for t in tags]


def _max_tlp(*levels: TLP | None) -> TLP | None:
    present = [level for level in levels if level is not None]
    return max(present) if present else None


def _set_event_tags(session: Session, event: MispEvent, tags: list[TagIn]) -> None:
    session.execute(delete(MispEventTag).where(MispEventTag.event_id == event.id))
    for name in dict.fromkeys(_tag_names(tags)):
        local = next(t.local for t in tags if t.name == name)
        session.add(MispEventTag(event_id=event.id, name=name, local=local))


def event_tags(session: Session, event_id: int) -> list[str]:
    return list(session.scalars(select(MispEventTag.name).where(MispEventTag.event_id == event_id).order_by(MispEventTag.id)))


def attribute_tags(session: Session, attribute_id: int) -> list[str]:
    return list(session.scalars(select(MispAttributeTag.name).where(MispAttributeTag.attribute_id == attribute_id)
                                .order_by(MispAttributeTag.id)))


def _check(session: Session, author: Author, event: MispEvent, d_event: Distribution, raw: AttributeIn,
           seen: set[tuple[str, str, str]]) -> _Checked:
    """Every check on one attribute, before any write; InvalidInput names the field at fault."""
    try:
        canonical = inbound(raw.type, raw.value, default_region=author.org.country)
    except InvalidInput as exc:
        raise InvalidInput(f"{raw.path}.{exc.field}", exc.reason) from exc
    own = _distribution(session, author, raw.distribution, raw.sharing_group_id, raw.sharing_group_name,
                        f"{raw.path}.sharing_group_id")
    if raw.object_distribution != dist.INHERIT:
        # The attribute is stored without its object, so it keeps the object's distribution along the
        # path (object, then attribute), as MISP files read (``intel.formats.misp``).
        holder = _distribution(session, author, raw.object_distribution, raw.object_sharing_group_id,
                               raw.object_sharing_group_name, f"{raw.path.rsplit('.', 1)[0]}.sharing_group_id")
        own = dist.along_path(holder, own)
    existing = session.scalar(select(MispAttribute).where(MispAttribute.uuid == raw.uuid)) if raw.uuid else None
    if existing is not None and existing.event_id != event.id:
        raise InvalidInput(f"{raw.path}.uuid", "this uuid belongs to an attribute of another event")
    key = (raw.type, raw.value.lower(), raw.category or default_category(raw.type))
    if raw.object_relation is None:
        # MISP: attributes outside objects are unique per event on (value, type, category).
        if key in seen:
            raise InvalidInput(f"{raw.path}.value",
                               "duplicate of another attribute of this event (same type, value and category)")
        seen.add(key)
    return _Checked(raw, canonical, own, dist.along_path(d_event, own), existing)


def _first_seen(event: MispEvent, raw: AttributeIn, now: datetime) -> tuple[datetime, datetime]:
    first = raw.first_seen or min(datetime.combine(event.date, time(0), UTC), now)
    last = raw.last_seen or first
    return first, max(first, last)


def _store_attribute(session: Session, author: Author, event: MispEvent, event_tlp: TLP | None, item: _Checked,
                     event_tag_names: list[str], now: datetime) -> int:
    """Write one checked attribute and its statement; return the statement id."""
    raw = item.raw
    tags = _tag_names(raw.tags)
    spec = dist.marking_for(author.org.id, item.effective, _max_tlp(event_tlp, dist.tlp_of_tags(tags)))
    reliability, credibility = admiralty(event_tag_names + tags)
    first, last = _first_seen(event, raw, now)
    statement = upsert(session, author.user_id, Assertion(item.canonical, spec, author.source, raw.comment, first, last,
                                                          reliability, credibility), now,
                       sighting=item.existing is None)
    link = item.existing or MispAttribute(uuid=raw.uuid or str(uuidlib.uuid4()), event_id=event.id)
    previous = link.statement_id if item.existing else None
    link.statement_id = statement.id
    link.type = raw.type
    link.category = raw.category or default_category(raw.type)
    link.value = raw.value
    link.to_ids = raw.to_ids if raw.to_ids is not None else default_to_ids(raw.type)
    link.comment = raw.comment
    link.distribution, link.sharing_group_id = item.own.level, item.own.group_id
    link.object_relation = raw.object_relation
    link.timestamp = now
    link.deleted = False
    if item.existing is None:
        session.add(link)
    session.flush()
    session.execute(delete(MispAttributeTag).where(MispAttributeTag.attribute_id == link.id))
    for tag in {t.name: t for t in raw.tags}.values():
        session.add(MispAttributeTag(attribute_id=link.id, name=tag.name, local=tag.local))
    if previous is not None and previous != statement.id:
        session.flush()
        withdraw_if_unlinked(session, previous, now)
    return statement.id


def _delete_attribute(session: Session, event: MispEvent, raw: AttributeIn, now: datetime) -> None:
    link = session.scalar(select(MispAttribute).where(MispAttribute.uuid == raw.uuid, MispAttribute.event_id == event.id)) \
        if raw.uuid else None
    if link is not None and not link.deleted:
        link.deleted = True
        link.timestamp = now
        session.flush()
        withdraw_if_unlinked(session, link.statement_id, now)


def _existing_keys(session: Session, event: MispEvent, incoming: set[str]) -> set[tuple[str, str, str]]:
    """(type, value, category) of the event's live attributes outside objects, but those being re-sent."""
    rows = session.execute(select(MispAttribute.uuid, MispAttribute.type, MispAttribute.value, MispAttribute.category).where(
        MispAttribute.event_id == event.id, MispAttribute.deleted.is_(False), MispAttribute.object_relation.is_(None))).tuples()
    return {(kind, value.lower(), category) for uuid, kind, value, category in rows if uuid not in incoming}


def _apply(session: Session, author: Author, event: MispEvent, data: EventIn, now: datetime) -> StoreResult:
    """Fields, tags, marking and attributes of ``data`` onto ``event`` (already flushed, so it has an id)."""
    d_event = _distribution(session, author, data.distribution, data.sharing_group_id, data.sharing_group_name,
                            "Event.sharing_group_id")
    event.distribution, event.sharing_group_id = d_event.level, d_event.group_id
    if data.tags is not None:
        _set_event_tags(session, event, data.tags)
        session.flush()
    tag_names = event_tags(session, event.id)
    event_tlp = dist.tlp_of_tags(tag_names)
    event.marking_id = marking_id_for(session, dist.marking_for(author.org.id, d_event, event_tlp))
    result = StoreResult(event, created=False, rejected=list(data.rejected))
    seen = _existing_keys(session, event, {a.uuid for a in data.attributes if a.uuid})
    checked: list[_Checked] = []
    for raw in data.attributes:
        if raw.deleted:
            _delete_attribute(session, event, raw, now)
            continue
        try:
            checked.append(_check(session, author, event, d_event, raw, seen))
        except InvalidInput as exc:
            result.rejected.append(Rejected(raw.path, raw.type, raw.value[:200], exc.field, exc.reason))
    statement_ids = [_store_attribute(session, author, event, event_tlp, item, tag_names, now) for item in checked]
    result.stored = len(statement_ids)
    correlate(session, statement_ids, now)
    event.timestamp = now
    session.flush()
    return result


def _fields(event: MispEvent, data: EventIn, now: datetime) -> None:
    if data.info:
        event.info = data.info
    event.date = data.date or event.date or now.date()
    event.threat_level_id = data.threat_level_id
    event.analysis = data.analysis
    if data.published and not event.published:
        event.publish_timestamp = now
    event.published = data.published


def create_event(session: Session, author: Author, data: EventIn, now: datetime) -> StoreResult:
    """Store a new event; Conflict when its uuid is taken (edit it instead)."""
    if data.uuid and session.scalar(select(MispEvent.id).where(MispEvent.uuid == data.uuid)) is not None:
        raise Conflict("Event.uuid", "an event with this uuid exists; edit it with events/edit")
    # The owner-only marking holds the row until _apply sets the event's own.
    placeholder = marking_id_for(session, dist.marking_for(author.org.id, Distribution(dist.ORG_ONLY), None))
    orgc = data.orgc_name or author.org.name
    event = MispEvent(uuid=data.uuid or str(uuidlib.uuid4()), org_id=author.org.id, created_at=now, timestamp=now,
                      orgc_name=orgc, orgc_uuid=data.orgc_uuid or org_uuid(orgc),
                      creator_user_id=author.user_id, remote_id=author.remote.id if author.remote else None,
                      info=data.info, date=data.date or now.date(), marking_id=placeholder)
    _fields(event, data, now)
    session.add(event)
    session.flush()
    result = _apply(session, author, event, data, now)
    result.created = True
    _audit(session, author, "misp.event.create", result, now)
    return result


def update_event(session: Session, author: Author, event: MispEvent, data: EventIn, now: datetime,
                 replace: bool = False) -> StoreResult:
    """Apply an edit (or a newer pulled copy) to ``event``; attributes merge by uuid, ``deleted`` ones are removed.

    With ``replace`` (a pull), attributes the new copy no longer holds are removed too: the remote's
    current view for this key is the whole truth, so data narrowed at the source does not linger here.
    """
    _fields(event, data, now)
    if replace:
        _drop_missing(session, event, {a.uuid for a in data.attributes if a.uuid}, now)
    result = _apply(session, author, event, data, now)
    _audit(session, author, "misp.event.update", result, now)
    return result


def _drop_missing(session: Session, event: MispEvent, kept: set[str], now: datetime) -> None:
    links = session.scalars(select(MispAttribute).where(MispAttribute.event_id == event.id, MispAttribute.deleted.is_(False)))
    for link in links.unique().all():
        if link.uuid not in kept:
            link.deleted = True
            link.timestamp = now
            session.flush()
            withdraw_if_unlinked(session, link.statement_id, now)


def publish(session: Session, author: Author, event: MispEvent, now: datetime) -> None:
    event.published = True
    event.publish_timestamp = now
    event.timestamp = now
    audit.record(session, author.principal, "misp.event.publish", now, "misp_event", event.id, {"uuid": event.uuid})


def _audit(session: Session, author: Author, action: str, result: StoreResult, now: datetime) -> None:
    audit.record(session, author.principal, action, now, "misp_event", result.event.id,
                 {"uuid": result.event.uuid, "stored": result.stored, "rejected": len(result.rejected),
                  "source": author.source})


def org_uuid(name: str) -> str:
    """A stable uuid for an organisation, the same on every instance that knows it by the same name."""
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"aspjoc:organisation:{name}"))
