"""One page of a collection: filters, keyset paging on (date added, id), and the objects or manifest entries.

A collection is two streams merged in date-added order:

* statements, whose date added is ``updated_at`` (each update is a new version, added anew),
  read with one SELECT per page through the gate for ``Purpose.EXPORT`` and the index on
  (updated_at, id), plus one query for the recipients of the page's markings;
* in the community collection, a few supporting objects (aspjoc's identity and extension
  definition, the TLP marking definitions, the organisations' identities), which are not marked
  records and are built in memory.

``next`` is a stateless keyset token (date added, stream, id), so it stays valid however long a
client waits between pages and whatever is added meanwhile (TAXII 2.1 §3.4: a server chooses how
``next`` works). Dates added travel as STIX timestamp text (fixed width, so text order is time
order): a page of a thousand rows then needs no datetime objects at all.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts.models import Organisation
from aspjoc.clock import as_utc
from aspjoc.intel.models import Statement
from aspjoc.marking import TLP
from aspjoc.sharing.stix.objects import (
    IndicatorBuilder,
    organisation_identity,
    statement_extension,
    system_identity,
    tlp_marking,
)
from aspjoc.sharing.stix.ordering import filter_while_scanning
from aspjoc.sharing.stix.rows import RecipientCache, statement_rows
from aspjoc.sharing.stix.vocab import (
    EXTENSION_CREATED,
    STIX_MEDIA_TYPE,
    TLP2_CREATED,
    stamp,
    statement_uuid_of,
)
from aspjoc.sharing.taxii.collections import CollectionView
from aspjoc.sharing.taxii.media import TaxiiError

SUPPORT, STATEMENTS, PRODUCTS = 0, 1, 2
VERSION_WORDS = ("first", "last", "all")


def parse_timestamp(text: str, field_name: str) -> datetime:
    """A TAXII/STIX timestamp as aware UTC; a TAXII 400 naming the parameter otherwise."""
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError as exc:
        raise TaxiiError(400, "Bad Request", f"{field_name}: '{text}' is not a timestamp like 2026-06-01T09:00:00.000Z") from exc
    return as_utc(value)


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: date added (STIX text), stream and id."""

    added: str
    stream: int
    key: int

    def encode(self) -> str:
        raw = f"{self.added}|{self.stream}|{self.key}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
            added, stream, key = raw.split("|")
            cursor = cls(added, int(stream), int(key))
            parse_timestamp(added, "next")
            return cursor
        except (ValueError, binascii.Error, UnicodeDecodeError, TaxiiError) as exc:
            raise TaxiiError(400, "Bad Request", "next: not a token this server gave out") from exc

    @property
    def time(self) -> datetime:
        return parse_timestamp(self.added, "next")


@dataclass(frozen=True)
class Filters:
    """The TAXII query parameters of a GET (§3.4 and §3.5)."""

    limit: int
    added_after: datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    spec_versions: tuple[str, ...] = ()
    cursor: Cursor | None = None

    def version_times(self) -> set[datetime]:
        return {parse_timestamp(v, "match[version]") for v in self.versions if v not in VERSION_WORDS}

    def versions_by_time_only(self) -> bool:
        return bool(self.versions) and not any(v in VERSION_WORDS for v in self.versions)


@dataclass(slots=True)
class Entry:
    """One object of a page: its date added (STIX text), sort key, version and (for objects) the STIX dict."""

    added: str
    stream: int
    key: int
    id: str
    version: str
    obj: dict[str, Any] | None = None

    def manifest(self) -> dict[str, str]:
        return {"id": self.id, "date_added": self.added, "version": self.version, "media_type": STIX_MEDIA_TYPE}


@dataclass
class Page:
    entries: list[Entry] = field(default_factory=list)
    more: bool = False

    def next_token(self) -> str | None:
        if not self.more or not self.entries:
            return None
        last = self.entries[-1]
        return Cursor(last.added, last.stream, last.key).encode()

    def headers(self) -> dict[str, str]:
        if not self.entries:
            return {}
        return {"X-TAXII-Date-Added-First": self.entries[0].added, "X-TAXII-Date-Added-Last": self.entries[-1].added}


def _support_objects(session: Session, interop: bool) -> list[tuple[str, int, dict[str, Any]]]:
    found: list[tuple[str, int, dict[str, Any]]] = [
        (stamp(EXTENSION_CREATED), 0, system_identity()), (stamp(EXTENSION_CREATED), 1, statement_extension())]
    if not interop:
        found += [(stamp(TLP2_CREATED), 2 + int(level), tlp_marking(level)) for level in TLP]
    orgs = select(Organisation.id, Organisation.name, Organisation.country, Organisation.kind, Organisation.created_at)
    for org_id, name, country, kind, created in session.execute(orgs):
        found.append((stamp(created), 100 + org_id, organisation_identity(name, country, kind, created)))
    return found


def object_passes(filters: Filters, added: str, stream: int, key: int, obj: dict[str, Any]) -> bool:
    """Whether an object built in memory (not read through a query) passes the TAXII ``filters``."""
    version = obj.get("modified", obj["created"])
    if filters.added_after is not None and added <= stamp(filters.added_after):
        return False
    cursor = filters.cursor
    if cursor is not None and (added, stream, key) <= (cursor.added, cursor.stream, cursor.key):
        return False
    if filters.ids and obj["id"] not in filters.ids:
        return False
    if filters.types and obj["type"] not in filters.types:
        return False
    if filters.spec_versions and "2.1" not in filters.spec_versions:
        return False
    return not filters.versions_by_time_only() or parse_timestamp(version, "version") in filters.version_times()


def support_entries(session: Session, view: CollectionView, filters: Filters, interop: bool) -> list[Entry]:
    """The supporting objects of the community collection that pass ``filters``, in date-added order."""
    if not view.community:
        return []
    entries = [Entry(added, SUPPORT, key, obj["id"], obj.get("modified", obj["created"]), obj)
               for added, key, obj in _support_objects(session, interop) if object_passes(filters, added, SUPPORT, key, obj)]
    entries.sort(key=lambda e: (e.added, e.key))
    return entries


def statement_query(principal: Principal, view: CollectionView, filters: Filters) -> Any | None:
    """The SELECT of the page's statement rows, or None when the filters exclude every statement."""
    if filters.types and "indicator" not in filters.types:
        return None
    if filters.spec_versions and "2.1" not in filters.spec_versions:
        return None
    visible = gate(principal, Statement, Purpose.EXPORT)
    if not filters.ids:
        visible = filter_while_scanning(visible)
    query = statement_rows().where(visible, view.condition(principal))
    if filters.ids:
        uuids = [u for u in (statement_uuid_of(i) for i in filters.ids) if u is not None]
        if not uuids:
            return None
        query = query.where(Statement.uuid.in_(uuids))
    if filters.added_after is not None:
        query = query.where(Statement.updated_at > filters.added_after)
    cursor = filters.cursor
    if cursor is not None:
        if cursor.stream == STATEMENTS:
            query = query.where(tuple_(Statement.updated_at, Statement.id) > tuple_(cursor.time, cursor.key))
        else:
            query = query.where(Statement.updated_at >= cursor.time)
    if filters.versions_by_time_only():
        query = query.where(Statement.updated_at.in_(sorted(filters.version_times())))
    return query.order_by(Statement.updated_at, Statement.id).limit(filters.limit + 1)


def statement_entries(rows: Sequence[Any], builder: IndicatorBuilder | None) -> list[Entry]:
    """Entries for statement rows; with a ``builder`` the full indicators, without one manifest entries only."""
    if builder is None:
        return [Entry(added, STATEMENTS, row.id, f"indicator--{row.uuid}", added)
                for row in rows for added in (stamp(row.updated_at),)]
    builder.load(rows)
    entries = []
    for row in rows:
        obj = builder.build(row)
        entries.append(Entry(obj["modified"], STATEMENTS, row.id, obj["id"], obj["modified"], obj))
    return entries


def read_page(session: Session, principal: Principal, view: CollectionView, filters: Filters, interop: bool,
              with_objects: bool) -> tuple[Page, list[Any]]:
    """The page and the statement rows on it (for auditing what left)."""
    support = support_entries(session, view, filters, interop)
    query = statement_query(principal, view, filters)
    # Core execution: the rows are plain tuples, so the ORM's loading machinery has nothing to add.
    rows = list(session.connection().execute(query)) if query is not None else []
    builder = IndicatorBuilder(RecipientCache(session), interop) if with_objects else None
    statements = statement_entries(rows, builder)
    merged = sorted(support + statements, key=lambda e: (e.added, e.stream, e.key)) if support else statements
    page = Page(merged[:filters.limit], more=len(merged) > filters.limit)
    kept = {e.key for e in page.entries if e.stream == STATEMENTS}
    return page, [r for r in rows if r.id in kept]
