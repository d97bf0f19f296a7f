"""Fixed STIX identifiers and vocabularies: TLP marking definitions, aspjoc's extension, stable ids.

Ids are stable across instances, which is what lets a hub and a node recognise each other's objects:

* a statement is ``indicator--<statement uuid>`` (the uuid travels with the statement on sync);
* an organisation is ``identity--stable_uuid("organisation:<name>")``, because organisations
  are matched across instances by name;
* the aspjoc system identity and the statement extension definition have constant ids.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aspjoc.marking import TLP

NAMESPACE = uuid.UUID("5b0e1f7c-3f0e-4a55-9a59-7f1c2f4d8a61")

# TLP 2.0 marking definitions (FIRST, 2022), published in oasis-open/cti-stix-common-objects.
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
# TLP 1.0 marking definitions of STIX 2.1 itself (§7.2.1.4); AMBER+STRICT has none.
TLP1_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    TLP.GREEN: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    TLP.AMBER: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    TLP.RED: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}
TLP1_CREATED = "2017-01-20T00:00:00.000Z"
TLP_BY_MARKING_ID: dict[str, TLP] = {v: k for k, v in TLP2_IDS.items()} | {v: k for k, v in TLP1_IDS.items()}



def stable_uuid(name: str) -> str:
    """A UUID derived from ``name`` (SHA-1, as uuid5) but formatted as version 4.

    STIX 2.1 asks for UUIDv4 in the ids of domain objects (§2.9); deriving the bits from the name
    keeps the id the same on every instance, which federation relies on.
    """
    return str(uuid.UUID(bytes=uuid.uuid5(NAMESPACE, name).bytes, version=4))


SYSTEM_IDENTITY = f"identity--{stable_uuid('system:aspjoc')}"
STATEMENT_EXTENSION = f"extension-definition--{stable_uuid('extension:statement:1')}"
EXTENSION_CREATED = "2026-01-01T00:00:00.000Z"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"

# STIX indicator-type-ov for each statement kind.
INDICATOR_TYPES = {
    "indicator": "malicious-activity",
    "sighting": "malicious-activity",
    "target": "attribution",
    "victim": "compromised",
    "note": "unknown",
}


def indicator_id(statement_uuid: str) -> str:
    return f"indicator--{statement_uuid}"


def statement_uuid_of(stix_id: str) -> str | None:
    """The statement uuid inside ``indicator--<uuid>``, or None when ``stix_id`` is not an indicator id."""
    prefix, _, rest = stix_id.partition("--")
    if prefix != "indicator" or not rest:
        return None
    try:
        return str(uuid.UUID(rest))
    except ValueError:
        return None


def identity_id(org_name: str) -> str:
    return f"identity--{stable_uuid('organisation:' + org_name)}"


def marking_ref(level: TLP, interop: bool = False) -> str:
    """The marking-definition id for ``level``; TLP 1.0 ids in interoperability mode where one exists."""
    if interop and level in TLP1_IDS:
        return TLP1_IDS[level]
    return TLP2_IDS[level]


def stamp(value: datetime | str) -> str:
    """A STIX timestamp, UTC, to the microsecond (at least millisecond precision is required, §3.2).

    Takes a datetime (naive ones are UTC, as the database stores them) or the text SQLite stores
    (``2026-06-01 09:00:00.000000``).
    """
    if isinstance(value, str):
        text = value.replace(" ", "T", 1).removesuffix("+00:00").removesuffix("Z")
        # Always six fractional digits: the text is compared as text when pages are merged.
        whole, _, fraction = text.partition(".")
        return f"{whole}.{fraction[:6]:0<6}Z"
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:26] + "Z"
