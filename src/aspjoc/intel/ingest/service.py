"""Ingest for the API, the console and the CLI: options from names, format options from the database, one call.

``ingest`` itself (``pipeline``) commits batch by batch on its own connections, so these functions
take the ``Database``; the caller must not hold an open write transaction on SQLite meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation, SharingGroup
from aspjoc.accounts.permissions import Permission, require
from aspjoc.db import Database
from aspjoc.errors import InvalidInput
from aspjoc.intel.formats import FormatOptions, format_named
from aspjoc.intel.formats.base import Opener
from aspjoc.intel.formats.generic_csv import parse_map
from aspjoc.intel.ingest.pipeline import IngestOptions, IngestReport, ingest
from aspjoc.intel.ingest.records import Record, Rejected
from aspjoc.intel.models import CrimeType
from aspjoc.marking import TLP, Handling

SOURCE_LIMIT = 200


def format_options(db: Database, default_region: str | None = None, crime_type: str | None = None,
                   column_map: str | Mapping[str, str] = "", open_sibling: Opener | None = None) -> FormatOptions:
    """FormatOptions with the platform's organisations and sharing groups by lowercased name."""
    with db.reader() as session:
        orgs = {name.lower(): oid for oid, name in session.execute(select(Organisation.id, Organisation.name))}
        groups = {name.lower(): gid for gid, name in session.execute(select(SharingGroup.id, SharingGroup.name))}
    mapping = parse_map(column_map) if isinstance(column_map, str) else dict(column_map)
    return FormatOptions(default_region=default_region, crime_type=crime_type, column_map=mapping,
                         organisations=orgs, groups=groups, open_sibling=open_sibling)


def check_crime_type(value: str | None) -> str | None:
    """The crime type, or None for blank; InvalidInput naming ``crime_type`` when it is not one of ours."""
    if not value:
        return None
    if value not in {c.value for c in CrimeType}:
        raise InvalidInput("crime_type", f"'{value}' is not one of {', '.join(c.value for c in CrimeType)}")
    return value


def ingest_options(org_id: int, tlp: str, source: str, format: str, *, default_region: str | None = None,
                   crime_type: str | None = None, handling: Iterable[str] = (), public_use: bool = False,
                   workers: int = 0, resume_key: str | None = None, batch_size: int = 5000) -> IngestOptions:
    """IngestOptions from the names a person types; InvalidInput naming the field on a bad one."""
    source = source.strip()
    if not source:
        raise InvalidInput("source", "name the source (a feed name, a report title)")
    if len(source) > SOURCE_LIMIT:
        raise InvalidInput("source", f"at most {SOURCE_LIMIT} characters")
    if default_region and (len(default_region) != 2 or not default_region.isalpha()):
        raise InvalidInput("country", f"'{default_region}' is not a two-letter ISO 3166 code")
    return IngestOptions(org_id=org_id, tlp=TLP.parse(tlp, "tlp"), source=source, format=format,
                         default_region=default_region.upper() if default_region else None,
                         crime_type=check_crime_type(crime_type), handling=Handling.parse_many(list(handling), "handling"),
                         public_use=public_use, workers=workers, resume_key=resume_key, batch_size=batch_size)


def ingest_file(db: Database, principal: Principal, stream: BinaryIO, format: str, tlp: str, source: str,
                now: datetime, column_map: str = "", crime_type: str | None = None,
                default_region: str | None = None) -> IngestReport:
    """Ingest an uploaded file for ``principal``'s organisation (the API's and the console's upload)."""
    require(principal, Permission.WRITE_INTEL)
    assert principal.org_id is not None
    fmt = format_named(format)
    if fmt.name == "misp-feed":
        raise InvalidInput("format", "a MISP feed is a folder of files; upload its events as 'misp' instead")
    options = ingest_options(principal.org_id, tlp, source, fmt.name, default_region=default_region or principal.country,
                             crime_type=crime_type)
    items = fmt.read(stream, format_options(db, options.default_region, options.crime_type, column_map))
    return ingest(db, items, options, now, principal)


def ingest_records(db: Database, principal: Principal, records: Iterable[Record | Rejected], tlp: str, source: str,
                   now: datetime, crime_type: str | None = None,
                   progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest records given as data (the API's JSON body) for ``principal``'s organisation."""
    require(principal, Permission.WRITE_INTEL)
    assert principal.org_id is not None
    options = ingest_options(principal.org_id, tlp, source, "json", default_region=principal.country, crime_type=crime_type)
    return ingest(db, records, options, now, principal, progress)
