"""The MISP API's logic: who stores, what a reader gets back. Takes a session and a principal; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import InvalidInput, NotFound, PermissionDenied
from aspjoc.sharing.misp import query, render, store
from aspjoc.sharing.misp.models import MispAttribute, MispEvent
from aspjoc.sharing.misp.params import SearchParams
from aspjoc.sharing.misp.parse import read_event
from aspjoc.sharing.retrieval import record_retrieval


def author_for(session: Session, principal: Principal) -> store.Author:
    """The caller as the owner of what it adds through the MISP API."""
    require(principal, Permission.WRITE_INTEL)
    org = session.get(Organisation, principal.org_id)
    if org is None:
        raise NotFound("organisation", "the caller's organisation no longer exists")
    return store.Author(org=org, principal=principal, user_id=principal.user_id)


def _retrieved(session: Session, principal: Principal, attributes: Sequence[MispAttribute], now: datetime) -> None:
    """Audit restricted reads and tell owners who asked to be told, as every sharing channel does."""
    rows = [SimpleNamespace(id=a.statement_id, owner_org_id=a.statement.owner_org_id, tlp=a.statement.marking.tlp,
                            handling=a.statement.marking.handling) for a in attributes]
    if rows:
        record_retrieval(session, principal, rows, now, "misp")


def events_out(session: Session, principal: Principal, events: Sequence[MispEvent], now: datetime,
               metadata: bool = False, purpose: Purpose = Purpose.READ) -> list[dict[str, Any]]:
    """``[{"Event": ...}]`` for ``events`` (already visible), each with the attributes the caller may see."""
    attributes = query.attributes_of(session, principal, [e.id for e in events], purpose)
    flat = [a for e in events for a in attributes.get(e.id, [])]
    ctx = render.load_context(session, events, flat)
    if not metadata:
        _retrieved(session, principal, flat, now)
    return [render.event_dict(e, attributes.get(e.id, []), ctx, metadata) for e in events]


def view_event(session: Session, principal: Principal, ref: str, now: datetime) -> dict[str, Any]:
    event = query.find_event(session, principal, ref)
    return events_out(session, principal, [event], now)[0]


def add_event(session: Session, principal: Principal, body: Any, now: datetime) -> dict[str, Any]:
    """Store a new event from MISP JSON; the reply is the event as the caller now sees it, plus ``rejected``."""
    author = author_for(session, principal)
    result = store.create_event(session, author, read_event(body), now)
    reply = view_event(session, principal, str(result.event.id), now)
    if result.rejected:
        reply["rejected"] = [r.as_dict() for r in result.rejected]
    return reply


def owned_event(session: Session, principal: Principal, ref: str) -> MispEvent:
    """A visible event the caller's organisation owns; 404 when invisible, 403 when visible but another's."""
    event = query.find_event(session, principal, ref)
    if event.org_id != principal.org_id:
        raise PermissionDenied("event", "only the organisation that owns an event may change it")
    return event


def edit_event(session: Session, principal: Principal, ref: str, body: Any, now: datetime) -> dict[str, Any]:
    author = author_for(session, principal)
    event = owned_event(session, principal, ref)
    result = store.update_event(session, author, event, read_event(body, require_info=False), now)
    reply = view_event(session, principal, str(event.id), now)
    if result.rejected:
        reply["rejected"] = [r.as_dict() for r in result.rejected]
    return reply


def add_attributes(session: Session, principal: Principal, ref: str, body: Any, now: datetime) -> dict[str, Any]:
    """``attributes/add/<event>``: one attribute (or a list) added to an event the caller owns."""
    items = body if isinstance(body, list) else [body.get("Attribute", body) if isinstance(body, dict) else body]
    author = author_for(session, principal)
    event = owned_event(session, principal, ref)
    data = read_event({"Attribute": items}, require_info=False)
    data.tags = None
    data.distribution, data.sharing_group_id = event.distribution, event.sharing_group_id
    data.threat_level_id, data.analysis, data.published = event.threat_level_id, event.analysis, event.published
    before = {a.id for a in query.attributes_of(session, principal, [event.id]).get(event.id, [])}
    result = store.update_event(session, author, event, data, now)
    if not isinstance(body, list) and result.rejected:
        # MISP answers a refused single attribute with a 4xx (PyMISP reads errors as (status, body) then).
        raise InvalidInput(result.rejected[0].field, result.rejected[0].reason)
    added = [a for a in query.attributes_of(session, principal, [event.id]).get(event.id, []) if a.id not in before]
    ctx = render.load_context(session, [event], added)
    shown = [render.attribute_dict(a, event, ctx) for a in added]
    reply: dict[str, Any] = {"Attribute": shown[0] if len(items) == 1 and shown else shown}
    if result.rejected:
        reply["errors"] = {r.path: r.reason for r in result.rejected}
    return reply


def publish_event(session: Session, principal: Principal, ref: str, now: datetime) -> dict[str, Any]:
    author = author_for(session, principal)
    event = owned_event(session, principal, ref)
    store.publish(session, author, event, now)
    return {"name": "Publish", "message": "Job queued", "url": f"/events/publish/{event.id}", "id": str(event.id)}


def rest_search_events(session: Session, principal: Principal, params: SearchParams, now: datetime) -> dict[str, Any]:
    events = query.search_events(session, principal, params)
    return {"response": events_out(session, principal, events, now, params.metadata)}


def rest_search_attributes(session: Session, principal: Principal, params: SearchParams, now: datetime) -> dict[str, Any]:
    attributes = query.search_attributes(session, principal, params)
    event_ids = {a.event_id for a in attributes}
    event_rows = list(session.scalars(select(MispEvent).where(MispEvent.id.in_(event_ids))).unique()) if event_ids else []
    ctx = render.load_context(session, event_rows, attributes)
    by_id = {e.id: e for e in event_rows}
    _retrieved(session, principal, attributes, now)
    out = []
    for a in attributes:
        event = by_id[a.event_id]
        shown = render.attribute_dict(a, event, ctx, event_tags=params.include_event_tags)
        shown["Event"] = {"id": str(event.id), "uuid": event.uuid, "info": event.info, "org_id": str(event.org_id),
                          "orgc_id": str(event.org_id), "distribution": str(event.distribution),
                          "publish_timestamp": render.ts(event.publish_timestamp)}
        out.append(shown)
    return {"response": {"Attribute": out}}


def index(session: Session, principal: Principal, params: SearchParams) -> list[dict[str, Any]]:
    """The event index: visible events' metadata (no attributes), with the count of attributes the caller may see."""
    events = query.search_events(session, principal, params)
    counted = (query.visible_attributes(principal, Purpose.READ)
               .with_only_columns(MispAttribute.event_id, func.count())
               .where(MispAttribute.event_id.in_([e.id for e in events])).group_by(MispAttribute.event_id))
    counts = dict(session.execute(counted).tuples().all()) if events else {}
    ctx = render.load_context(session, events, [])
    out = []
    for event in events:
        body = render.event_dict(event, [], ctx, metadata=True)["Event"]
        body["attribute_count"] = str(counts.get(event.id, 0))
        out.append(body)
    return out


def view_attribute(session: Session, principal: Principal, ref: str, now: datetime) -> dict[str, Any]:
    attribute = query.find_attribute(session, principal, ref)
    event = session.get(MispEvent, attribute.event_id)
    assert event is not None
    _retrieved(session, principal, [attribute], now)
    return {"Attribute": render.attribute_dict(attribute, event, render.load_context(session, [event], [attribute]))}
