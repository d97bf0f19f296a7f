"""STIX 2.1 objects as plain dicts: TLP marking definitions, identities, the statement extension, indicators.

Dicts, not stix2 objects: the serving paths build thousands per second. Tests check every
shape with stix2-validator and parse it with stix2.

A statement becomes one ``indicator``:

* ``id`` is ``indicator--<statement uuid>``; ``created``/``modified`` are the statement's
  created_at/updated_at, so each update is a new version;
* ``pattern`` names the canonical observable (``stix.patterns``);
* ``created_by_ref`` is the owner's identity; ``object_marking_refs`` its TLP marking definition;
* ``labels`` are the crime type, first, then the source's tags (STIX 2.1 allows ``labels`` on SDOs such as
  the indicator, not on observables);
* the property extension ``STATEMENT_EXTENSION`` carries what STIX has no place for: the owner,
  the rest of the marking (recipients by name, handling codes, public-use consent), the kind,
  Admiralty grading, last seen, sightings, source and retention. Federation reads it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from aspjoc.intel.models import CRIME_TYPES
from aspjoc.intel.tags import parse_tags
from aspjoc.marking import TLP, Handling
from aspjoc.sharing.stix.patterns import pattern_for
from aspjoc.sharing.stix.rows import RecipientCache, Recipients
from aspjoc.sharing.stix.vocab import (
    EXTENSION_CREATED,
    INDICATOR_TYPES,
    STATEMENT_EXTENSION,
    SYSTEM_IDENTITY,
    TLP1_CREATED,
    TLP1_IDS,
    TLP2_CREATED,
    TLP2_EXTENSION,
    TLP2_IDS,
    identity_id,
    marking_ref,
    stamp,
)


def tlp_marking(level: TLP, interop: bool = False) -> dict[str, Any]:
    """The marking-definition object for ``level``: the TLP 1.0 object in interoperability mode where one exists."""
    if interop and level in TLP1_IDS:
        colour = "white" if level is TLP.CLEAR else level.label
        return {"type": "marking-definition", "spec_version": "2.1", "id": TLP1_IDS[level], "created": TLP1_CREATED,
                "definition_type": "tlp", "name": f"TLP:{colour.upper()}", "definition": {"tlp": colour}}
    return {"type": "marking-definition", "spec_version": "2.1", "id": TLP2_IDS[level], "created": TLP2_CREATED,
            "name": f"TLP:{level.label.upper()}",
            "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.label}}}


def system_identity() -> dict[str, Any]:
    """The identity of aspjoc itself, which defines the statement extension."""
    return {"type": "identity", "spec_version": "2.1", "id": SYSTEM_IDENTITY, "created": EXTENSION_CREATED,
            "modified": EXTENSION_CREATED, "created_by_ref": SYSTEM_IDENTITY, "name": "aspjoc",
            "description": "Shared platform of a regional law-enforcement cybercrime programme.",
            "identity_class": "system"}


def statement_extension() -> dict[str, Any]:
    return {"type": "extension-definition", "spec_version": "2.1", "id": STATEMENT_EXTENSION,
            "created": EXTENSION_CREATED, "modified": EXTENSION_CREATED, "created_by_ref": SYSTEM_IDENTITY,
            "name": "aspjoc statement",
            "description": "What one organisation asserts about an identifier, with its full marking: recipients, "
                           "handling codes, public-use consent, Admiralty grading and retention.",
            "schema": "https://aspjoc.invalid/docs/sharing.md#the-statement-extension",
            "version": "1.0.0", "extension_types": ["property-extension"]}


def organisation_identity(name: str, country: str | None, kind: str, created: datetime | str) -> dict[str, Any]:
    """The identity of an organisation; its id depends only on the name, so instances agree on it."""
    ext: dict[str, Any] = {"extension_type": "property-extension", "org_kind": kind}
    if country:
        ext["country"] = country
    return {"type": "identity", "spec_version": "2.1", "id": identity_id(name), "created": stamp(created),
            "modified": stamp(created), "created_by_ref": SYSTEM_IDENTITY, "name": name,
            "description": f"{kind.replace('_', ' ')} organisation" + (f" ({country})" if country else ""),
            "identity_class": "organization", "extensions": {STATEMENT_EXTENSION: ext}}


class IndicatorBuilder:
    """Builds the indicators of many statement rows, building once what rows share.

    Rows of one page share markings, owners and often timestamps; their parts are made once
    and reused (the same dict object appears in several indicators, which JSON encoding does
    not mind; do not mutate what ``build`` returns).
    """

    def __init__(self, recipients: RecipientCache, interop: bool = False) -> None:
        self.recipients = recipients
        self.interop = interop
        self._markings: dict[int, tuple[list[str], dict[str, Any]]] = {}
        self._owners: dict[int, tuple[str, dict[str, Any]]] = {}
        self._stamps: dict[Any, str] = {}

    def load(self, rows: Sequence[Any]) -> None:
        """Fetch the recipients of the markings of ``rows`` (one query for those not seen yet)."""
        self.recipients.load({r.marking_id for r in rows})

    def _stamp(self, value: Any) -> str:
        found = self._stamps.get(value)
        if found is None:
            found = self._stamps[value] = stamp(value)
        return found

    def _marking(self, marking_id: int, tlp: int, handling: int, public_use: bool) -> tuple[list[str], dict[str, Any]]:
        found = self._markings.get(marking_id)
        if found is None:
            level = TLP(tlp)
            # The level itself is the object_marking_refs entry; the extension adds only the rest.
            marking: dict[str, Any] = {}
            if handling:
                marking["handling"] = handling_names(handling)
            if public_use:
                marking["public_use"] = True
            recipients = self.recipients.load((marking_id,))[marking_id].as_dict()
            if recipients:
                marking["recipients"] = recipients
            found = self._markings[marking_id] = ([marking_ref(level, self.interop)], marking)
        return found

    def _owner(self, owner_id: int, name: str, country: str | None, kind: str) -> tuple[str, dict[str, Any]]:
        found = self._owners.get(owner_id)
        if found is None:
            owner: dict[str, Any] = {"name": name, "org_kind": kind}
            if country:
                owner["country"] = country
            found = self._owners[owner_id] = (identity_id(name), owner)
        return found

    def build(self, row: Any) -> dict[str, Any]:
        """The indicator for one statement row (``stix.rows.statement_rows``)."""
        # Unpacked by position: a thousand rows a page, and attribute access on a Row costs ten times more.
        (_id, statement_uuid, kind, crime_type, confidence, reliability, credibility, first_seen, last_seen,
         valid_until, retention_until, sightings, source, description, withdrawn, created_at, updated_at,
         marking_id, owner_id, obs_type, obs_value, owner_name, owner_country, owner_kind, _owner_created,
         tlp, handling, public_use, tags) = row
        refs, marking = self._marking(marking_id, tlp, handling, public_use)
        creator, owner = self._owner(owner_id, owner_name, owner_country, owner_kind)
        stamps = self._stamps
        valid_from = stamps.get(first_seen) or self._stamp(first_seen)
        # Only what STIX has no place for: the identifier is in the pattern, first seen is
        # valid_from, the crime type is the label; defaults (indicator, one sighting) are left out.
        ext: dict[str, Any] = {"extension_type": "property-extension", "owner": owner}
        if marking:
            ext["marking"] = marking
        if kind != "indicator":
            ext["statement_kind"] = kind
        if last_seen != first_seen:
            ext["last_seen"] = stamps.get(last_seen) or self._stamp(last_seen)
        if sightings != 1:
            ext["sightings"] = sightings
        name = f"{obs_type} {obs_value}"
        obj: dict[str, Any] = {
            "type": "indicator", "spec_version": "2.1", "id": f"indicator--{statement_uuid}",
            "created": stamps.get(created_at) or self._stamp(created_at), "modified": stamp(updated_at),
            "created_by_ref": creator, "name": name,
            "indicator_types": [INDICATOR_TYPES.get(kind, "unknown")],
            "pattern": pattern_for(obs_type, obs_value), "pattern_type": "stix",
            "valid_from": valid_from, "confidence": confidence, "object_marking_refs": refs,
            "extensions": {STATEMENT_EXTENSION: ext},
        }
        labels = _labels(crime_type, tags)
        if labels:
            obj["labels"] = labels
            # Where the labels alone would be read back wrongly (no crime type though the first tag
            # names one, or a tag that is the crime type itself), the extension gives both.
            if (crime_type is None and labels[0] in CRIME_TYPES) or (crime_type is not None and crime_type in parse_tags(tags)):
                ext["tags"] = list(parse_tags(tags))
                if crime_type is not None:
                    ext["crime_type"] = crime_type
        if reliability:
            ext["reliability"] = reliability
        if credibility is not None:
            ext["credibility"] = credibility
        if source:
            ext["source"] = source
        if description:
            # STIX's own description; a made-up one would cost every page a tenth of its size.
            obj["description"] = description
        if retention_until is not None:
            ext["retention_until"] = self._stamp(retention_until)
        if valid_until is not None:
            until = self._stamp(valid_until)
            if until > valid_from:
                obj["valid_until"] = until
        if withdrawn:
            obj["revoked"] = True
        return obj


@lru_cache(maxsize=1024)
def _labels(crime_type: str | None, tags: str | None) -> list[str]:
    """The crime type, then the tags not repeating it (shared between indicators: do not mutate)."""
    first = [crime_type] if crime_type else []
    return list(dict.fromkeys([*first, *parse_tags(tags)]))


@lru_cache(maxsize=64)
def handling_names(handling: int) -> list[str]:
    return Handling(handling).names()


def statement_indicator(row: Any, recipients: Recipients, interop: bool = False) -> dict[str, Any]:
    """The indicator for one statement row whose marking's ``recipients`` are known (see ``IndicatorBuilder``)."""
    cache = RecipientCache(None)
    cache.found[row.marking_id] = recipients
    return IndicatorBuilder(cache, interop).build(row)
