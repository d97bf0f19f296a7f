"""Tagging events and attributes (``tags/attachTagToObject``, ``tags/removeTagFromObject``).

Only the owner may tag, because a ``tlp:`` tag changes a marking and nobody but the owner sets one.
A new ``tlp:`` tag replaces the old one; the event's level then flows to its attributes that the
owner holds, as the event's distribution does (the narrower of event and attribute wins).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.errors import InvalidInput, NotFound, PermissionDenied
from aspjoc.marking import TLP, marking_id_for
from aspjoc.sharing.misp import distribution as dist
from aspjoc.sharing.misp import query
from aspjoc.sharing.misp.distribution import Distribution
from aspjoc.sharing.misp.models import MispAttribute, MispAttributeTag, MispEvent, MispEventTag
from aspjoc.sharing.misp.service import author_for
from aspjoc.sharing.misp.store import attribute_tags, event_tags


def _target(session: Session, principal: Principal, ref: str) -> MispEvent | MispAttribute:
    """The visible event or attribute with uuid (or event id) ``ref``; 404 otherwise."""
    try:
        return query.find_event(session, principal, ref)
    except NotFound:
        pass
    try:
        return query.find_attribute(session, principal, ref)
    except NotFound:
        raise NotFound("uuid", "Invalid target: no event or attribute you may see has this uuid.") from None


def remark(session: Session, event: MispEvent, now: datetime) -> None:
    """Recompute the event's marking and those of the owner's statements in it from distributions and TLP tags."""
    d_event = Distribution(event.distribution, event.sharing_group_id)
    event_tlp = dist.tlp_of_tags(event_tags(session, event.id))
    event.marking_id = marking_id_for(session, dist.marking_for(event.org_id, d_event, event_tlp))
    links = session.scalars(select(MispAttribute).where(MispAttribute.event_id == event.id, MispAttribute.deleted.is_(False)))
    for link in links.unique():
        statement = link.statement
        if statement.owner_org_id != event.org_id:
            continue
        own = Distribution(link.distribution, link.sharing_group_id)
        levels = [level for level in (event_tlp, dist.tlp_of_tags(attribute_tags(session, link.id))) if level is not None]
        spec = dist.marking_for(event.org_id, dist.along_path(d_event, own), max(levels) if levels else None)
        statement.marking_id = marking_id_for(session, spec)
        statement.updated_at = now
    event.timestamp = now


def _replace(session: Session, tags: list[MispEventTag] | list[MispAttributeTag], name: str) -> bool:
    """Drop the old ``tlp:`` tags when ``name`` is one; return whether ``name`` still needs adding."""
    for tag in tags:
        if dist.is_tlp_tag(name) and dist.is_tlp_tag(tag.name):
            session.delete(tag)
        elif tag.name == name:
            return False
    session.flush()
    return True


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise InvalidInput("tag", "a tag needs a name of 1 to 255 characters")
    name = name.strip()
    if dist.is_tlp_tag(name):
        TLP.parse(name, "tag")
    return name


def attach(session: Session, principal: Principal, ref: str, name: Any, local: bool, now: datetime) -> dict[str, Any]:
    """Tag the event or attribute ``ref``; the reply is MISP's."""
    author_for(session, principal)
    name = _check_name(name)
    target = _target(session, principal, str(ref))
    event = target if isinstance(target, MispEvent) else session.get(MispEvent, target.event_id)
    assert event is not None
    owner = event.org_id if isinstance(target, MispEvent) else target.statement.owner_org_id
    if owner != principal.org_id:
        raise PermissionDenied("uuid", "only the owner may tag this (a tag may change its marking)")
    if isinstance(target, MispEvent):
        current = list(session.scalars(select(MispEventTag).where(MispEventTag.event_id == target.id)))
        if _replace(session, current, name):
            session.add(MispEventTag(event_id=target.id, name=name, local=local))
    else:
        existing = list(session.scalars(select(MispAttributeTag).where(MispAttributeTag.attribute_id == target.id)))
        if _replace(session, existing, name):
            session.add(MispAttributeTag(attribute_id=target.id, name=name, local=local))
        target.timestamp = now
    session.flush()
    remark(session, event, now)
    kind = "Event" if isinstance(target, MispEvent) else "Attribute"
    audit.record(session, principal, "misp.tag.attach", now, kind.lower(), target.id, {"tag": name, "local": local})
    message = f"Tag {name} successfully attached to {kind}({target.id})."
    return {"saved": True, "success": message, "check_publish": True, "name": message, "message": message,
            "url": "/tags/attachTagToObject"}


def remove(session: Session, principal: Principal, ref: str, name: Any, now: datetime) -> dict[str, Any]:
    author_for(session, principal)
    name = _check_name(name)
    target = _target(session, principal, str(ref))
    event = target if isinstance(target, MispEvent) else session.get(MispEvent, target.event_id)
    assert event is not None
    owner = event.org_id if isinstance(target, MispEvent) else target.statement.owner_org_id
    if owner != principal.org_id:
        raise PermissionDenied("uuid", "only the owner may untag this (a tag may change its marking)")
    if isinstance(target, MispEvent):
        session.execute(delete(MispEventTag).where(MispEventTag.event_id == target.id, MispEventTag.name == name))
    else:
        session.execute(delete(MispAttributeTag).where(MispAttributeTag.attribute_id == target.id, MispAttributeTag.name == name))
    session.flush()
    remark(session, event, now)
    audit.record(session, principal, "misp.tag.remove", now, type(target).__name__.lower(), target.id, {"tag": name})
    message = f"Tag {name} removed."
    return {"saved": True, "success": message, "name": message, "message": message, "url": "/tags/removeTagFromObject"}
