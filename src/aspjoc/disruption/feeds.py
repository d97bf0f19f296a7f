"""Serving a subscription: the list itself (streamed), its ETag, what was removed since a serial, and the trace.

The list is rendered from the stored entries, never from a live selection, so its content is a
function of (entries, serial, format): the ETag is derived from the subscription, its format and
serial, and an unchanged list answers 304 without reading a single entry. A download first
refreshes the list when the last refresh is older than ``disruption_refresh_minutes``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Purpose, gate
from aspjoc.accounts.models import Organisation
from aspjoc.config import Settings
from aspjoc.disruption import formats
from aspjoc.disruption.formats.bank_csv import write_rows
from aspjoc.disruption.formats.base import FeedContext, chunked
from aspjoc.disruption.models import Entry, Subscription
from aspjoc.disruption.refresh import RefreshResult, refresh, subscriber_principal
from aspjoc.disruption.selection import EXCLUDED_HANDLING, Selection, behind
from aspjoc.errors import InvalidInput, InvalidObservable, NotFound
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import TLP, Marking
from aspjoc.observables import canonicalise

# Bump when a renderer's output changes for the same entries, so cached copies are fetched again.
FORMAT_VERSION = 1
STREAM_ROWS = 5000


def etag(subscription: Subscription) -> str:
    """The strong ETag of the subscription's current list."""
    material = f"{subscription.id}:{subscription.format}:{subscription.serial}:{FORMAT_VERSION}"
    return '"' + hashlib.sha256(material.encode()).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (RFC 9110 §13.1.2: weak comparison, ``*`` matches)."""
    if not if_none_match:
        return False
    wanted = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def refresh_if_stale(session: Session, subscription: Subscription, now: datetime, minutes: int) -> RefreshResult | None:
    """Refresh when never refreshed or refreshed more than ``minutes`` ago (0: always); None when still fresh."""
    last = subscription.refreshed_at
    if last is not None and minutes > 0 and now - last < timedelta(minutes=minutes):
        return None
    return refresh(session, subscription, now)


def _stored_text(column: Any, name: str) -> Any:
    # Timestamps as the database hands them over (SQLite: text), so a format turns them into ISO text
    # by slicing (``formats.base.stamp``) rather than parsing a datetime, or formatting in SQL, per row.
    return type_coerce(column, String()).label(name)


_TIMESTAMPS = frozenset({"first_seen", "last_seen", "added_at", "changed_at"})


def entry_rows(session: Session, subscription_id: int, columns: tuple[str, ...]) -> Iterator[Sequence[Any]]:
    """The current entries in the order they joined the list, with only ``columns``, streamed in batches.

    Read through the Core connection, as plain rows: the ORM's per-row bookkeeping tripled the cost
    of writing a million-line list, and reading columns a format does not show cost as much again.
    """
    wanted = [_stored_text(getattr(Entry, c), c) if c in _TIMESTAMPS else getattr(Entry, c) for c in columns]
    query = (select(*wanted)
             .where(Entry.subscription_id == subscription_id, Entry.removed_serial.is_(None)).order_by(Entry.id)
             .execution_options(stream_results=True))  # on the statement: Connection.execution_options sticks
    for batch in session.connection().execute(query).partitions(STREAM_ROWS):
        yield from batch


def context(session: Session, subscription: Subscription, now: datetime, settings: Settings) -> FeedContext:
    """What a format needs to render ``subscription`` in ``session``."""
    spec = formats.get(subscription.format)
    current = select(Entry.observable_id).where(Entry.subscription_id == subscription.id, Entry.removed_serial.is_(None))
    principal = subscriber_principal(session, subscription)
    return FeedContext(
        subscription_id=subscription.id, name=subscription.name, subscriber=subscription.subscriber.name,
        serial=subscription.serial, generated_at=subscription.refreshed_at or now, entries=subscription.entry_count,
        sid_first=settings.disruption_sid_first, sid_last=settings.disruption_sid_last, session=session,
        principal=principal,
        statements=behind(principal, Selection.from_json(subscription.selection), spec.types, now, current))


def _counted(rows: Iterator[Sequence[Any]], progress: Callable[[int], None], every: int = 1000) -> Iterator[Sequence[Any]]:
    count = 0
    for row in rows:
        yield row
        count += 1
        if count == every:
            progress(count)
            count = 0
    if count:
        progress(count)


def render(session: Session, subscription: Subscription, now: datetime, settings: Settings,
           progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The list as text chunks, streamed from the stored entries; ``progress`` is told how many entries were written."""
    spec = formats.get(subscription.format)
    rows = entry_rows(session, subscription.id, spec.columns)
    return spec.render(context(session, subscription, now, settings), _counted(rows, progress) if progress else rows)


def record_download(session: Session, subscription: Subscription, now: datetime, channel: str) -> None:
    audit.record(session, subscriber_principal(session, subscription), "blocklist.download", now,
                 "blocklist_subscription", subscription.id,
                 {"serial": subscription.serial, "format": subscription.format, "entries": subscription.entry_count,
                  "etag": etag(subscription), "channel": channel})


@dataclass(frozen=True)
class Removed:
    ref: int
    type: str
    value: str
    removed_serial: int


def parse_since(text: str | None) -> int:
    """The ``since`` serial; InvalidInput unless a whole number ≥ 0."""
    if text is None or not text.strip().isdigit():
        raise InvalidInput("since", "give the serial you last loaded as a whole number, e.g. ?since=12")
    return int(text)


def removed_since(session: Session, subscription: Subscription, since: int) -> Iterator[Removed]:
    """Entries that left the list after serial ``since`` and have not come back, oldest removal first, streamed."""
    query = (select(Entry.id, Entry.type, Entry.value, Entry.removed_serial)
             .where(Entry.subscription_id == subscription.id, Entry.removed_serial > since)
             .order_by(Entry.removed_serial, Entry.id).execution_options(stream_results=True))
    for batch in session.connection().execute(query).partitions(STREAM_ROWS):
        for ref, kind, value, serial in batch:
            yield Removed(ref, kind, value, serial or 0)  # never None here: the query asks for removed_serial > since


REMOVED_MEDIA = {"txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8", "json": "application/json"}


def removed_text(session: Session, subscription: Subscription, since: int, fmt: str) -> Iterator[str]:
    """The removed-since list as text chunks: one value a line (txt), CSV with type and ref, or a JSON document."""
    rows = removed_since(session, subscription, since)
    if fmt == "txt":
        yield from chunked(f"{r.value}\n" for r in rows)
    elif fmt == "csv":
        yield from write_rows(["type", "value", "removed_serial", "ref"], ([r.type, r.value, r.removed_serial, r.ref]
                                                                           for r in rows))
    else:
        head = {"subscription": subscription.id, "serial": subscription.serial, "since": since}
        yield json.dumps(head)[:-1] + ', "removed": ['
        yield from chunked(("" if n == 0 else ",") + json.dumps({"type": r.type, "value": r.value,
                                                                 "removed_serial": r.removed_serial, "ref": r.ref})
                           for n, r in enumerate(rows))
        yield "]}"


@dataclass(frozen=True)
class TracedStatement:
    id: int
    uuid: str
    owner: str
    kind: str
    crime_type: str | None
    tlp: str
    confidence: int
    first_seen: datetime
    last_seen: datetime
    withdrawn: bool


@dataclass(frozen=True)
class Trace:
    entry: Entry
    statements: list[TracedStatement]


def find_entry(session: Session, subscription: Subscription, value: str) -> Entry:
    """The subscription's entry for the identifier ``value`` (any spelling that canonicalises to it); NotFound otherwise.

    Found through the stored observable, so an identifier deleted by retention is found by its ref only.
    """
    try:
        canonical = canonicalise(value, None)
    except InvalidObservable as exc:
        raise NotFound("value", "this value is not on the list and never was") from exc
    found = session.scalar(
        select(Entry).join(Observable, Observable.id == Entry.observable_id)
        .where(Entry.subscription_id == subscription.id, Observable.type == canonical.type.value,
               Observable.value == canonical.value, Entry.value == canonical.value)
        .order_by(Entry.id.desc()).limit(1))
    if found is None:
        raise NotFound("value", "this value is not on the list and never was")
    return found


def entry_by_ref(session: Session, subscription: Subscription, ref: int) -> Entry:
    found = session.scalar(select(Entry).where(Entry.subscription_id == subscription.id, Entry.id == ref))
    if found is None:
        raise NotFound("ref", f"no entry {ref} on this list")
    return found


def trace(session: Session, subscription: Subscription, entry: Entry, now: datetime) -> Trace:
    """The statements behind ``entry`` that the subscriber may still receive (through the gate), audited."""
    ids = [int(part) for part in entry.statement_ids.split(",") if part.strip().isdigit()]
    principal = subscriber_principal(session, subscription)
    rows = session.execute(
        select(Statement.id, Statement.uuid, Organisation.name, Statement.kind, Statement.crime_type, Marking.tlp,
               Statement.confidence, Statement.first_seen, Statement.last_seen, Statement.withdrawn)
        .join(Organisation, Organisation.id == Statement.owner_org_id).join(Marking, Marking.id == Statement.marking_id)
        .where(Statement.id.in_(ids), gate(principal, Statement, Purpose.EXPORT),
               Marking.handling.op("&")(EXCLUDED_HANDLING) == 0).order_by(Statement.id))
    found = [TracedStatement(r[0], r[1], r[2], r[3], r[4], TLP(r[5]).label, r[6], r[7], r[8], r[9]) for r in rows]
    audit.record(session, principal, "blocklist.trace", now, "blocklist_entry", entry.id,
                 {"subscription": subscription.id, "statements": [s.id for s in found]})
    return Trace(entry, found)
