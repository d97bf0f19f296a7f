"""MISP event JSON, read with PyMISP's ``MISPEvent``: attributes and object attributes become records.

Accepts ``{"Event": {…}}``, a list of those, or a search reply ``{"response": […]}``; events are read
one at a time. Each attribute's MISP type decides the observable type (``MISP_TYPES``); composite
types (``ip-dst|port``, ``filename|sha256``, ``domain|ip``) give their identifier parts. An attribute
of a type aspjoc does not track is rejected with its type named, so nothing vanishes unseen.

Markings (REFERENCE.md, "MISP"): ``tlp:*`` tags on the event or the attribute, and the distribution
levels on the path (event, object, attribute; the most restrictive wins) — 0 your organisation
only → RED, 1 this community → AMBER, 2 connected communities → GREEN, 3 all → GREEN (CLEAR only with
a ``tlp:clear`` tag), 4 a sharing
group → AMBER+STRICT to the group of that name, 5 inherit. The pipeline then keeps the stricter
of this and the ingest's marking.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, BinaryIO

from pymisp import MISPAttribute, MISPEvent
from pymisp.exceptions import PyMISPError

from aspjoc.errors import InvalidInput
from aspjoc.intel.ingest.records import Record, RecordMarking, Rejected
from aspjoc.marking import TLP

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
# "All communities" (3) is not public disclosure: it reads as GREEN, and only an explicit tlp:clear tag makes
# an attribute CLEAR (as the MISP API does, sharing.misp.distribution.marking_for).
DISTRIBUTION_TLP = {0: TLP.RED, 1: TLP.AMBER, 2: TLP.GREEN, 3: TLP.GREEN, 4: TLP.AMBER_STRICT}


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
    event_distribution = _int(getattr(event, "distribution", None))
    event_group = _group_name(event)
    pairs: list[tuple[MISPAttribute, int | None, str | None]] = [(a, None, None) for a in event.attributes]
    for obj in event.objects:
        pairs += [(a, _int(getattr(obj, "distribution", None)), _group_name(obj)) for a in obj.attributes]
    for attribute, object_distribution, object_group in pairs:
        counter[0] += 1
        distributions = [event_distribution, object_distribution, _int(getattr(attribute, "distribution", None))]
        groups = [g for g in (event_group, object_group, _group_name(attribute)) if g]
        yield from _attribute(counter[0], attribute, event, event_tags, distributions, groups, owner, options)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def _group_name(entity: Any) -> str | None:
    group = getattr(entity, "SharingGroup", None)
    name = group.get("name") if isinstance(group, dict) else getattr(group, "name", None)
    return str(name) if name else None


def _marking(tags: Iterable[str], distributions: list[int | None], groups: list[str], options: FormatOptions) -> RecordMarking | None:
    levels: list[TLP] = []
    for tag in tags:
        if tag.lower().startswith("tlp:"):
            try:
                levels.append(TLP.parse(tag))
            except InvalidInput:
                continue  # a tlp: tag of no level we know (tlp:ex:chr): not a marking
    tagged_clear = levels == [TLP.CLEAR] * len(levels) and bool(levels)
    levels += [TLP.CLEAR if d == 3 and tagged_clear else DISTRIBUTION_TLP[d] for d in distributions if d in DISTRIBUTION_TLP]
    if not levels:
        return None
    group_ids = frozenset(options.groups[g.lower()] for g in groups if g.lower() in options.groups)
    return RecordMarking(tlp=max(levels), group_ids=group_ids)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _attribute(index: int, attribute: MISPAttribute, event: MISPEvent, event_tags: list[str],
               distributions: list[int | None], groups: list[str], owner: int | None, options: FormatOptions) -> Iterator[Item]:
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
    marking = _marking([*event_tags, *tags], distributions, groups, options)
    first = _when(getattr(attribute, "first_seen", None))
    last = _when(getattr(attribute, "last_seen", None)) or _when(getattr(attribute, "timestamp", None))
    if first and last and last < first:
        last = first
    description = " — ".join(x for x in (str(event.info or ""), str(getattr(attribute, "comment", "") or "")) if x)
    for part, our_type in wanted:
        yield Record(index, part, our_type, crime_type=options.crime_type, first_seen=first, last_seen=last,
                     description=description, tags=tuple(t for t in (*event_tags, *tags) if not t.lower().startswith("tlp:")),
                     marking=marking, owner_org_id=owner, external_id=str(getattr(attribute, "uuid", "") or "") or None)
