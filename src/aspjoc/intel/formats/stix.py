"""STIX 2.1 bundles: indicators with simple patterns, cyber observables, and their context.

Objects are read one at a time (``json_stream``) and parsed with ``stix2.parse``. Patterns are
read with the stix2-patterns inspector: every ``[type:path = 'value']`` comparison on a type we
track becomes a record (``ISSUBSET`` on an address becomes a CIDR); comparisons on anything else
are skipped. Context needs a first pass, as a bundle may list an indicator before the identity that
created it: identities (``created_by_ref`` → organisation by name), marking definitions (TLP 1.0
and 2.0 ids alike), reports (their names become tags) and ``indicates`` relationships (the target's
name becomes a tag; an indicated malware sets the crime type to malware). A source that cannot seek
is spooled to a temporary file for the two passes.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import stix2
from stix2.exceptions import STIXError
from stix2patterns.exceptions import ParseException
from stix2patterns.v21.pattern import Pattern

from aspjoc.intel.ingest.records import Record, RecordMarking, Rejected

from .base import FormatOptions, Item, parse_time
from .json_stream import array_under
from .tlp_ids import TLP_BY_MARKING_ID

# SCO type (and property path) → our observable type.
SCO_VALUE_TYPES = {
    "ipv4-addr": "ipv4", "ipv6-addr": "ipv6", "domain-name": "domain", "url": "url", "email-addr": "email",
    # Custom objects for identifiers STIX has no SCO for (REFERENCE.md "STIX 2.1"), OpenCTI's spelling.
    "x-opencti-cryptocurrency-wallet": "crypto_wallet", "cryptocurrency-wallet": "crypto_wallet",
    "x-opencti-phone-number": "phone", "phone-number": "phone", "x-aspjoc-phone": "phone",
    "x-opencti-bank-account": "iban", "bank-account": "iban", "x-aspjoc-bank-account": "bank_account",
    "x-aspjoc-social-handle": "social_handle",
}
HASH_TYPES = {"MD5": "md5", "SHA-1": "sha1", "SHA1": "sha1", "SHA-256": "sha256", "SHA256": "sha256"}
CONTEXT_TYPES = frozenset({"identity", "marking-definition", "relationship", "report", "malware", "threat-actor",
                           "intrusion-set", "campaign", "attack-pattern", "tool", "infrastructure"})


@dataclass
class Context:
    """What the first pass learns: names, markings, report membership, indicated targets."""

    names: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    tlp: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, list[str]] = field(default_factory=dict)
    indicates: dict[str, list[str]] = field(default_factory=dict)


def _seekable(source: BinaryIO) -> BinaryIO:
    if source.seekable():
        return source
    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    shutil.copyfileobj(source, spool)
    spool.seek(0)
    return spool  # type: ignore[return-value]


def _context(source: BinaryIO) -> Context:
    ctx = Context()
    for obj in array_under(source, "objects"):
        if not isinstance(obj, dict) or obj.get("type") not in CONTEXT_TYPES:
            continue
        oid, kind = str(obj.get("id", "")), obj["type"]
        ctx.kinds[oid] = kind
        if obj.get("name"):
            ctx.names[oid] = str(obj["name"])
        if kind == "marking-definition" and oid in TLP_BY_MARKING_ID:
            ctx.tlp[oid] = TLP_BY_MARKING_ID[oid]
        elif kind == "report":
            for ref in obj.get("object_refs") or []:
                ctx.reports.setdefault(str(ref), []).append(str(obj.get("name", oid)))
        elif kind == "relationship" and obj.get("relationship_type") in ("indicates", "based-on"):
            ctx.indicates.setdefault(str(obj.get("source_ref")), []).append(str(obj.get("target_ref")))
    return ctx


def read(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """Records from a bundle's indicators and observables, numbered by the object's position (1-based)."""
    source = _seekable(source)
    start = source.tell()
    ctx = _context(source)
    source.seek(start)
    for position, obj in enumerate(array_under(source, "objects"), 1):
        raw = json.dumps(obj)[:500]
        if not isinstance(obj, dict) or "type" not in obj:
            yield Rejected(position, "object", "not a STIX object (no type)", raw)
            continue
        if obj["type"] in CONTEXT_TYPES or obj["type"] in ("bundle", "extension-definition", "language-content", "note", "opinion", "sighting"):
            continue
        try:
            parsed = stix2.parse(obj, allow_custom=True, version="2.1")
        except (STIXError, ValueError, TypeError, KeyError) as exc:
            yield Rejected(position, str(obj.get("type")), f"not a valid STIX 2.1 {obj.get('type')}: {exc}", raw)
            continue
        if obj["type"] == "indicator":
            yield from _indicator(position, parsed, obj, ctx, options, raw)
        else:
            yield from _observable(position, obj, ctx, options, raw)


def _common(position: int, obj: dict[str, Any], ctx: Context, options: FormatOptions) -> dict[str, Any]:
    oid = str(obj.get("id", ""))
    tags = [*ctx.reports.get(oid, []), *(ctx.names.get(t, t) for t in ctx.indicates.get(oid, []))]
    tags += [str(t) for t in obj.get("labels") or []] + [str(t) for t in obj.get("indicator_types") or []]
    crime = options.crime_type
    if crime is None and any(ctx.kinds.get(t) == "malware" for t in ctx.indicates.get(oid, [])):
        crime = "malware"
    creator = ctx.names.get(str(obj.get("created_by_ref", "")))
    owner = options.organisations.get(creator.strip().lower()) if creator else None
    levels = [ctx.tlp.get(ref) or TLP_BY_MARKING_ID.get(ref) for ref in obj.get("object_marking_refs") or []]
    known = [level for level in levels if level is not None]
    marking = RecordMarking(tlp=max(known)) if known else None
    return {"crime_type": crime, "tags": tuple(dict.fromkeys(tags)), "owner_org_id": owner, "marking": marking,
            "external_id": oid or None}


def _indicator(position: int, parsed: Any, obj: dict[str, Any], ctx: Context, options: FormatOptions, raw: str) -> Iterator[Item]:
    pattern = str(obj.get("pattern", ""))
    if obj.get("pattern_type", "stix") != "stix":
        yield Rejected(position, "pattern_type", f"only STIX patterns are read, not {obj.get('pattern_type')}", raw)
        return
    try:
        comparisons = Pattern(pattern).inspect().comparisons
    except (ParseException, ValueError) as exc:
        yield Rejected(position, "pattern", f"not a valid STIX pattern: {exc}", raw)
        return
    common = _common(position, obj, ctx, options)
    first = parse_time(str(obj.get("valid_from"))) if obj.get("valid_from") else None
    confidence = obj.get("confidence")
    found = 0
    for sco_type, items in comparisons.items():
        for path, op, literal in items:
            pair = _pattern_value(sco_type, path, op, literal)
            if pair is not None:
                found += 1
                yield Record(position, pair[1], pair[0], first_seen=first, confidence=confidence,
                             description=str(obj.get("description") or obj.get("name") or ""), **common)
    if not found:
        yield Rejected(position, "pattern", "the pattern compares no identifier aspjoc tracks", raw)


def _pattern_value(sco_type: str, path: list[Any], op: str, literal: str) -> tuple[str, str] | None:
    if not (literal.startswith("'") and literal.endswith("'")):
        return None
    value = literal[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    if op not in ("=", "ISSUBSET"):
        return None
    if sco_type in ("ipv4-addr", "ipv6-addr") and path == ["value"]:
        return ("cidr" if "/" in value else SCO_VALUE_TYPES[sco_type]), value
    if sco_type in SCO_VALUE_TYPES and path == ["value"] and op == "=":
        return SCO_VALUE_TYPES[sco_type], value
    if sco_type == "file" and len(path) == 2 and path[0] == "hashes" and str(path[1]).upper() in HASH_TYPES and op == "=":
        return HASH_TYPES[str(path[1]).upper()], value
    if sco_type == "email-message" and path in (["from_ref", "value"], ["sender_ref", "value"]) and op == "=":
        return "email", value
    return None


def _observable(position: int, obj: dict[str, Any], ctx: Context, options: FormatOptions, raw: str) -> Iterator[Item]:
    kind = str(obj["type"])
    common = _common(position, obj, ctx, options)
    if kind in SCO_VALUE_TYPES:
        value = obj.get("value") or obj.get("iban") or obj.get("address")
        if not value:
            yield Rejected(position, "value", f"the {kind} has no value", raw)
            return
        yield Record(position, str(value), SCO_VALUE_TYPES[kind], **common)
    elif kind == "file":
        hashes = obj.get("hashes") or {}
        pairs = [(HASH_TYPES[h.upper()], str(v)) for h, v in hashes.items() if h.upper() in HASH_TYPES]
        if not pairs:
            yield Rejected(position, "hashes", "the file has no MD5, SHA-1 or SHA-256 hash", raw)
        for hash_type, value in pairs:
            yield Record(position, value, hash_type, **common)

