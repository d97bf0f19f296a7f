"""Events and attributes as MISP writes them: numbers as strings, real booleans, Unix-second timestamps.

Only rows the caller has passed through the access gate reach here. The TLP tag shown is the one the
current marking implies (the marking is what enforces access), and the distribution shown is the
narrower of the one given and the one the marking implies.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.accounts.models import Organisation, SharingGroup
from aspjoc.intel.tags import parse_tags
from aspjoc.marking import TLP, Marking, MarkingRecipient
from aspjoc.sharing.misp import distribution as dist
from aspjoc.sharing.misp.distribution import Distribution
from aspjoc.sharing.misp.models import MispAttribute, MispAttributeTag, MispEvent, MispEventTag
from aspjoc.sharing.misp.store import org_uuid
from aspjoc.sharing.misp.types import outbound_value


def ts(value: datetime | None) -> str:
    return str(int(value.timestamp())) if value is not None else "0"


def org_dict(org_id: int, name: str, uuid: str | None = None) -> dict[str, Any]:
    return {"id": str(org_id), "name": name, "uuid": uuid or org_uuid(name), "local": True}


def tag_dict(name: str, local: bool = False) -> dict[str, Any]:
    colour = "#0088cc"
    if dist.is_tlp_tag(name):
        colour = dist.TLP_COLOURS.get(TLP.parse(name), colour)
    return {"id": str(zlib.crc32(name.encode()) & 0x7FFFFFFF), "name": name, "colour": colour, "exportable": True,
            "local": local, "hide_tag": False, "user_id": "0", "numerical_value": None}


@dataclass
class Context:
    """What rendering a page of events or attributes needs, loaded in a few queries."""

    recipients: dict[int, tuple[int, int, list[int]]] = field(default_factory=dict)
    event_tags: dict[int, list[tuple[str, bool]]] = field(default_factory=lambda: defaultdict(list))
    attribute_tags: dict[int, list[tuple[str, bool]]] = field(default_factory=lambda: defaultdict(list))
    groups: dict[int, str] = field(default_factory=dict)
    orgs: dict[int, Organisation] = field(default_factory=dict)

    def implied(self, marking: Marking) -> Distribution:
        orgs, users, groups = self.recipients.get(marking.id, (0, 0, []))
        return dist.of_marking(TLP(marking.tlp), orgs, users, groups)


def load_context(session: Session, events: Iterable[MispEvent], attributes: Iterable[MispAttribute]) -> Context:
    events = list(events)
    attributes = list(attributes)
    ctx = Context()
    marking_ids = {e.marking_id for e in events} | {a.statement.marking_id for a in attributes}
    counts: dict[int, list[Any]] = defaultdict(lambda: [0, 0, []])
    if marking_ids:
        for row in session.scalars(select(MarkingRecipient).where(MarkingRecipient.marking_id.in_(marking_ids))):
            entry = counts[row.marking_id]
            entry[0] += row.org_id is not None
            entry[1] += row.user_id is not None
            if row.group_id is not None:
                entry[2].append(row.group_id)
    ctx.recipients = {k: (v[0], v[1], v[2]) for k, v in counts.items()}
    event_ids = {e.id for e in events}
    if event_ids:
        for tag in session.scalars(select(MispEventTag).where(MispEventTag.event_id.in_(event_ids)).order_by(MispEventTag.id)):
            ctx.event_tags[tag.event_id].append((tag.name, tag.local))
    attribute_ids = {a.id for a in attributes}
    if attribute_ids:
        query = select(MispAttributeTag).where(MispAttributeTag.attribute_id.in_(attribute_ids)).order_by(MispAttributeTag.id)
        for atag in session.scalars(query):
            ctx.attribute_tags[atag.attribute_id].append((atag.name, atag.local))
    group_ids = {g for _, _, gs in ctx.recipients.values() for g in gs}
    if group_ids:
        ctx.groups = dict(session.execute(select(SharingGroup.id, SharingGroup.name).where(SharingGroup.id.in_(group_ids))).tuples().all())
    org_ids = {e.org_id for e in events}
    if org_ids:
        ctx.orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
    return ctx


def _tags(stored: list[tuple[str, bool]], level: TLP) -> list[dict[str, Any]]:
    shown = [tag_dict(dist.tlp_tag(level))]
    return shown + [tag_dict(name, local) for name, local in stored if not dist.is_tlp_tag(name)]


def _statement_tags(stored: str, shown: set[str]) -> list[dict[str, Any]]:
    """The statement's source tags not shown already; its ``tlp:`` tags never (the marking's is shown)."""
    return [tag_dict(name) for name in dict.fromkeys(parse_tags(stored)) if name not in shown and not dist.is_tlp_tag(name)]


def _distribution_fields(shown: Distribution, ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {"distribution": str(shown.level), "sharing_group_id": str(shown.group_id or 0)}
    if shown.level == dist.GROUP and shown.group_id is not None:
        name = ctx.groups.get(shown.group_id, "")
        out["SharingGroup"] = {"id": str(shown.group_id), "name": name, "uuid": org_uuid(f"group:{name}")}
    return out


def attribute_dict(attribute: MispAttribute, event: MispEvent, ctx: Context, event_tags: bool = False) -> dict[str, Any]:
    """One attribute; ``event_tags`` adds the event's tags to its own (restSearch ``includeEventTags``)."""
    statement = attribute.statement
    marking = statement.marking
    given = Distribution(attribute.distribution, attribute.sharing_group_id)
    shown = dist.narrower(given if given.level != dist.INHERIT else Distribution(event.distribution, event.sharing_group_id),
                          ctx.implied(marking))
    observable = statement.observable
    value = attribute.value if "|" in attribute.type else outbound_value(observable.type, observable.value)
    tags = _tags(ctx.attribute_tags.get(attribute.id, []), TLP(marking.tlp))
    if event_tags:
        tags += [tag_dict(name, local) for name, local in ctx.event_tags.get(event.id, []) if not dist.is_tlp_tag(name)]
    tags += _statement_tags(statement.tags, {t["name"] for t in tags})
    return {
        "id": str(attribute.id), "event_id": str(event.id), "object_id": "0", "object_relation": attribute.object_relation,
        "category": attribute.category, "type": attribute.type, "value": value, "to_ids": attribute.to_ids,
        "uuid": attribute.uuid, "timestamp": ts(attribute.timestamp), "comment": attribute.comment,
        "deleted": False, "disable_correlation": False,
        "first_seen": statement.first_seen.isoformat(), "last_seen": statement.last_seen.isoformat(),
        **_distribution_fields(shown, ctx), "Tag": tags,
    }


def event_dict(event: MispEvent, attributes: Sequence[MispAttribute], ctx: Context, metadata: bool = False) -> dict[str, Any]:
    """``{"Event": {...}}`` with ``attributes`` (those the caller may see) unless ``metadata``."""
    marking = event.marking
    shown = dist.narrower(Distribution(event.distribution, event.sharing_group_id), ctx.implied(marking))
    owner = ctx.orgs.get(event.org_id) or event.org
    body: dict[str, Any] = {
        "id": str(event.id), "uuid": event.uuid, "info": event.info, "date": event.date.isoformat(),
        "threat_level_id": str(event.threat_level_id), "analysis": str(event.analysis),
        "published": event.published, "publish_timestamp": ts(event.publish_timestamp), "timestamp": ts(event.timestamp),
        "org_id": str(owner.id), "orgc_id": str(owner.id) if event.orgc_name == owner.name else "0",
        "attribute_count": str(len(attributes)), "proposal_email_lock": False, "locked": False,
        "disable_correlation": False, "extends_uuid": "", "sighting_timestamp": "0",
        **_distribution_fields(shown, ctx),
        "Org": org_dict(owner.id, owner.name), "Orgc": org_dict(owner.id if event.orgc_name == owner.name else 0,
                                                                event.orgc_name, event.orgc_uuid),
        "Tag": _tags(ctx.event_tags.get(event.id, []), TLP(marking.tlp)),
    }
    if not metadata:
        body.update({"Attribute": [attribute_dict(a, event, ctx) for a in attributes], "Object": [], "ShadowAttribute": [],
                     "RelatedEvent": [], "Galaxy": [], "EventReport": []})
    return {"Event": body}
