"""MISP event JSON, read with PyMISP's ``MISPEvent``: attributes and object attributes become records.

Accepts ``{"Event": {…}}``, a list of those, or a search reply ``{"response": […]}``; events are read
one at a time. Each attribute's MISP type decides the observable type (``MISP_TYPES``); composite
types (``ip-dst|port``, ``filename|sha256``, ``domain|ip``) give their identifier parts. An attribute
of a type aspjoc does not track is rejected with its type named, so nothing vanishes unseen.

Markings (REFERENCE.md, "MISP") are read exactly as the MISP API reads them
(``sharing.misp.distribution``), so an event means the same whether it arrives as a file, a feed
or through the API: the distribution along the path (event, then object, then attribute; 5
inherits, the narrowest wins; an event without one is 1, as the API takes it) with the most
restrictive ``tlp:*`` tag of the event and the attribute gives the marking (``marking_for``):
0 → AMBER+STRICT to the owner alone (RED when tagged ``tlp:red``); 1 and 2 → the tag, GREEN when
untagged, never CLEAR; 3 → the tag, GREEN when untagged; 4 → the tag but at least AMBER, to the
sharing group of that name. A sharing group this platform does not know, or two on one path,
reads as 0. The pipeline then keeps the stricter of this and the ingest's marking.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

from pymisp import MISPAttribute, MISPEvent
from pymisp.exceptions import PyMISPError

from aspjoc.intel.ingest.records import Record, RecordMarking, Rejected
from aspjoc.sharing.misp import distribution as dist
from aspjoc.sharing.misp.distribution import Distribution

from .base import FormatOptions, Item
from .json_stream import JsonReader

# MISP attribute type → (our type, or None to detect: MISP's ip types hold v4 and v6 alike).
MISP_TYPES: dict[str, str | None] = {
    "ip-src": None, "ip-dst": None, "ip": None,
    "domain": "domain", "hostname": "domain",
    "url": "url", "uri": "url",
    "email": "email", "email-src": "email", "email-dst": "email", "email-reply-to": "email", "target-email": "email",
    "whois-registrant-email": "email",
    "md5": "md5", "sha1": "sha1", "sha256": "sha256",
    "phone-number": "phone", "whois-registrant-phone": "phone",
    "iban": "iban", "bank-account-nr": "bank_account",
    "btc": "crypto_wallet", "eth": "crypto_wallet", "trx": "crypto_wallet",
    "mobile-application-id": "app",
}
# Composite types: which parts (split on "|") are identifiers, and of which type.
COMPOSITE: dict[str, tuple[tuple[int, str | None], ...]] = {
    "ip-src|port": ((0, None),), "ip-dst|port": ((0, None),), "hostname|port": ((0, "domain"),),
    "domain|ip": ((0, "domain"), (1, None)),
    "filename|md5": ((1, "md5"),), "filename|sha1": ((1, "sha1"),), "filename|sha256": ((1, "sha256"),),
}
CHAIN_PREFIX = {"btc": "btc:", "eth": "eth:", "trx": "tron:"}
# Attribute types that carry no identifier (text, references, files): skipped without a rejection.
NOT_IDENTIFIERS = frozenset({"comment", "text", "other", "link", "attachment", "malware-sample", "datetime",
                             "counter", "boolean", "float", "size-in-bytes", "filename", "port", "user-agent",
                             "http-method", "mime-type", "pattern-in-file", "pattern-in-traffic", "yara", "sigma",
                             "snort", "campaign-name", "threat-actor", "vulnerability", "weakness", "cpe", "first-name",
                             "last-name", "full-name", "email-subject", "email-body", "whois-registrar",
                             "whois-creation-date", "AS", "country-of-residence", "nationality"})


def events(source: BinaryIO) -> Iterator[tuple[int, Any]]:
    """(position, event dict) for each event in ``source``, decoded one at a time."""
    reader = JsonReader(source)
    try:
        if reader.peek() == "[":
            yield from enumerate(reader.items(), 1)
            return
        position = 0
        for key in reader.members():
            if key == "response" and reader.peek() == "[":
                for item in reader.items():
                    position += 1
                    yield position, item
            elif key == "Event":
                position += 1
                yield position, {"Event": reader.value()}
            else:
                reader.value()
    finally:
        reader.release()


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """Records of every event; attributes are numbered in order across the whole input (1-based)."""
    counter = [0]
    for _, event in events(source):
        yield from event_records(event, options, counter)


def event_records(data: Any, options: FormatOptions, counter: list[int]) -> Iterator[Item]:
    """Records of one event dict (``{"Event": …}`` or the bare event); ``counter`` carries the running index."""
    event = MISPEvent()
    try:
        event.load(json.dumps(data if isinstance(data, dict) and "Event" in data else {"Event": data}))
    except (PyMISPError, ValueError, TypeError, KeyError, AttributeError) as exc:
        counter[0] += 1
        yield Rejected(counter[0], "Event", f"not a MISP event: {exc}", json.dumps(data)[:500])
        return
    orgc = getattr(event, "Orgc", None)
    owner = options.organisations.get(str(getattr(orgc, "name", "")).strip().lower()) if orgc else None
    event_tags = [t.name for t in event.tags]
    # An event without a distribution is "this community", as the MISP API reads one.
    on_event = _distribution(event, options, dist.COMMUNITY)
    pairs: list[tuple[MISPAttribute, Distribution]] = [(a, on_event) for a in event.attributes]
    for obj in event.objects:
        on_object = dist.along_path(on_event, _distribution(obj, options, dist.INHERIT))
        pairs += [(a, on_object) for a in obj.attributes]
    for attribute, above in pairs:
        counter[0] += 1
        effective = dist.along_path(above, _distribution(attribute, options, dist.INHERIT))
        yield from _attribute(counter[0], attribute, event, event_tags, effective, owner, options)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _group_name(entity: Any) -> str | None:
    group = getattr(entity, "SharingGroup", None)
    name = group.get("name") if isinstance(group, dict) else getattr(group, "name", None)
    return str(name) if name else None


def _distribution(entity: Any, options: FormatOptions, missing: int) -> Distribution:
    """The distribution ``entity`` (event, object or attribute) gives, ``missing`` when it gives none.

    An event cannot inherit, so its 5 counts as none. Level 4 names its sharing group; one this
    platform does not know reads as 0 (the owner only), as it does for data pulled from another MISP.
    """
    level = _int(getattr(entity, "distribution", None))
    top = isinstance(entity, MISPEvent)
    if level is None or level not in range(dist.ORG_ONLY, dist.INHERIT + (0 if top else 1)):
        level = missing
    if level != dist.GROUP:
        return Distribution(level)
    name = _group_name(entity)
    group_id = options.groups.get(name.lower()) if name else None
    return Distribution(dist.GROUP, group_id) if group_id is not None else Distribution(dist.ORG_ONLY)


def _marking(tags: list[str], effective: Distribution) -> RecordMarking:
    """The record marking of ``sharing.misp.distribution.marking_for`` (its owner is the pipeline's to decide)."""
    if effective.level == dist.INHERIT:  # nothing above to inherit from: the API's default for an event
        effective = Distribution(dist.COMMUNITY)
    spec = dist.marking_for(0, effective, dist.tlp_of_tags(tags))
    return RecordMarking(tlp=spec.tlp, group_ids=spec.groups, owner_only=effective.level == dist.ORG_ONLY)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _attribute(index: int, attribute: MISPAttribute, event: MISPEvent, event_tags: list[str],
               effective: Distribution, owner: int | None, options: FormatOptions) -> Iterator[Item]:
    misp_type = str(attribute.type)
    value = str(getattr(attribute, "value", "") or "")
    raw = f"{misp_type}: {value}"
    if misp_type in NOT_IDENTIFIERS:
        return
    if misp_type in COMPOSITE:
        parts = value.split("|")
        wanted = [(parts[i], t) for i, t in COMPOSITE[misp_type] if i < len(parts)]
    elif misp_type in MISP_TYPES:
        wanted = [(CHAIN_PREFIX.get(misp_type, "") + value, MISP_TYPES[misp_type])]
    else:
        yield Rejected(index, "type", f"MISP type '{misp_type}' is not an identifier aspjoc tracks", raw)
        return
    tags = [t.name for t in attribute.tags]
    marking = _marking([*event_tags, *tags], effective)
    first = _when(getattr(attribute, "first_seen", None))
    last = _when(getattr(attribute, "last_seen", None)) or _when(getattr(attribute, "timestamp", None))
    if first and last and last < first:
        last = first
    description = " — ".join(x for x in (str(event.info or ""), str(getattr(attribute, "comment", "") or "")) if x)
    for part, our_type in wanted:
        yield Record(index, part, our_type, crime_type=options.crime_type, first_seen=first, last_seen=last,
                     description=description, tags=tuple(t for t in (*event_tags, *tags) if not t.lower().startswith("tlp:")),
                     marking=marking, owner_org_id=owner, external_id=str(getattr(attribute, "uuid", "") or "") or None)
