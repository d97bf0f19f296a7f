"""Sources: configure feeds, list them with their state, and keep the schedule.

Sources belong to an organisation and are managed by its admins; reads go through the access
gate (a source carries its default marking) and the owner check. The schedule lives in the
table (``next_due_at``), so any number of workers can share it: a worker claims a due source by
moving its due time forward in one conditional UPDATE, and only the worker whose UPDATE hit
the row fetches it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation, Role
from aspjoc.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from aspjoc.intel.formats import format_named
from aspjoc.intel.formats.generic_csv import parse_map
from aspjoc.intel.ingest.service import check_crime_type
from aspjoc.intel.models import CREDIBILITY, RELIABILITY
from aspjoc.intel.sources.models import FetchOutcome, Source, SourceFetch
from aspjoc.marking import Handling, MarkingSpec, TLP, marking_id_for

MIN_INTERVAL = 5
MAX_INTERVAL = 7 * 24 * 60
NAME_LIMIT = 100


@dataclass(frozen=True)
class SourceSpec:
    """A source as an admin describes it; ``column_map`` is ``value=col,type=col`` for the generic CSV format."""

    name: str
    url: str
    format: str
    interval_minutes: int = 60
    tlp: str = "amber"
    handling: tuple[str, ...] = ()
    reliability: str | None = None
    credibility: int | None = None
    column_map: str = ""
    crime_type: str | None = None
    default_region: str | None = None
    enabled: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def require_admin(principal: Principal) -> None:
    if not principal.authenticated:
        raise AuthenticationFailed("Authorization", "sign in first")
    if principal.role != Role.ADMIN.value:
        raise PermissionDenied("role", "only an organisation's admins manage its sources")


def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url", f"'{url}' is not an http:// or https:// address")
    return url


def _check_spec(spec: SourceSpec) -> dict[str, Any]:
    """Validate ``spec``; return the format options to store. InvalidInput names the field at fault."""
    name = spec.name.strip()
    if not name or len(name) > NAME_LIMIT:
        raise InvalidInput("name", f"a source needs a name of 1 to {NAME_LIMIT} characters")
    _check_url(spec.url)
    fmt = format_named(spec.format)
    if fmt.name in ("pdf", "html", "text"):
        raise InvalidInput("format", "documents are uploaded, not polled; pick a feed format")
    if not MIN_INTERVAL <= spec.interval_minutes <= MAX_INTERVAL:
        raise InvalidInput("interval_minutes", f"must be between {MIN_INTERVAL} minutes and one week ({MAX_INTERVAL})")
    if spec.reliability is not None and spec.reliability.upper() not in RELIABILITY:
        raise InvalidInput("reliability", "use an Admiralty source reliability letter A-F")
    if spec.credibility is not None and spec.credibility not in CREDIBILITY:
        raise InvalidInput("credibility", "use an Admiralty information credibility number 1-6")
    if spec.default_region and (len(spec.default_region) != 2 or not spec.default_region.isalpha()):
        raise InvalidInput("default_region", f"'{spec.default_region}' is not a two-letter ISO 3166 code")
    parse_map(spec.column_map)
    if fmt.name == "csv" and not spec.column_map.strip():
        raise InvalidInput("column_map", "a generic CSV source needs a column mapping such as value=url,type=kind")
    return {"column_map": spec.column_map.strip(), "crime_type": check_crime_type(spec.crime_type),
            "default_region": spec.default_region.upper() if spec.default_region else None, **spec.extra}


def add_source(session: Session, actor: Principal | None, owner: Organisation, spec: SourceSpec, now: datetime) -> Source:
    """Store a new source owned by ``owner``, due at once. ``actor`` None is the operator at the command line.

    Raises Conflict for a taken name, InvalidInput for a bad field, PermissionDenied when the
    actor is not an admin of ``owner``.
    """
    if actor is not None:
        require_admin(actor)
        if actor.org_id != owner.id:
            raise PermissionDenied("org", "admins manage their own organisation's sources")
    options = _check_spec(spec)
    if session.scalar(select(Source.id).where(Source.name == spec.name.strip())) is not None:
        raise Conflict("name", f"a source named '{spec.name.strip()}' already exists")
    marking = MarkingSpec(owner.id, TLP.parse(spec.tlp, "tlp"), handling=Handling.parse_many(list(spec.handling), "handling"))
    source = Source(name=spec.name.strip(), url=spec.url.strip(), format=format_named(spec.format).name,
                    options=json.dumps(options, sort_keys=True), interval_minutes=spec.interval_minutes,
                    owner_org_id=owner.id, marking_id=marking_id_for(session, marking),
                    reliability=spec.reliability.upper() if spec.reliability else None, credibility=spec.credibility,
                    enabled=spec.enabled, next_due_at=now, last_error="", failures=0, created_at=now, updated_at=now)
    session.add(source)
    session.flush()
    audit.record(session, actor, "source.create", now, "source", source.id,
                 {"name": source.name, "url": source.url, "format": source.format, "tlp": marking.tlp.label})
    return source


def _visible(principal: Principal) -> list[Any]:
    return [gate(principal, Source), Source.owner_org_id == principal.org_id]


def list_sources(session: Session, principal: Principal) -> list[Source]:
    """The sources of the admin's organisation, by name."""
    require_admin(principal)
    return list(session.scalars(select(Source).where(*_visible(principal)).order_by(Source.name)).unique())


def get_source(session: Session, principal: Principal, source_id: int) -> Source:
    """One of the admin's organisation's sources; NotFound for anyone else's."""
    require_admin(principal)
    source = session.scalar(select(Source).where(Source.id == source_id, *_visible(principal)))
    if source is None:
        raise NotFound("source", f"no source {source_id}")
    return source


def find_source(session: Session, ref: str | int) -> Source:
    """A source by id or name, for the operator's command line; NotFound otherwise."""
    source = session.get(Source, int(ref)) if str(ref).isdigit() else None
    source = source or session.scalar(select(Source).where(Source.name == str(ref)))
    if source is None:
        raise NotFound("source", f"no source '{ref}'")
    return source


def set_enabled(session: Session, actor: Principal | None, source: Source, enabled: bool, now: datetime) -> None:
    """Switch polling on (due at once) or off; audited."""
    source.enabled = enabled
    source.updated_at = now
    if enabled:
        source.next_due_at = now
    audit.record(session, actor, "source.enable" if enabled else "source.disable", now, "source", source.id)


def poll_soon(source: Source, now: datetime) -> None:
    """Make the source due now, so the next worker tick fetches it."""
    source.next_due_at = now


def fetches(session: Session, source: Source, limit: int = 20) -> list[SourceFetch]:
    """The source's latest fetches, newest first (the caller already passed the source through the gate)."""
    return list(session.scalars(select(SourceFetch).where(SourceFetch.source_id == source.id)
                                .order_by(SourceFetch.id.desc()).limit(limit)))


def state(source: Source) -> str:
    """What an admin needs to know at a glance: disabled, new, failing, unchanged or ok."""
    if not source.enabled:
        return "disabled"
    if source.last_outcome is None:
        return "new"
    if source.failures:
        return "failing"
    return source.last_outcome


def due_sources(session: Session, now: datetime) -> list[int]:
    """Ids of enabled sources due at ``now``, longest waiting first."""
    return list(session.scalars(select(Source.id).where(Source.enabled.is_(True), Source.next_due_at <= now)
                                .order_by(Source.next_due_at, Source.id)))


def claim(session: Session, source_id: int, now: datetime, lease: timedelta) -> bool:
    """Take a due source for one fetch; False when another worker took it first (or it is no longer due).

    The lease pushes the due time forward so that a worker that dies mid-fetch does not hold the
    source forever: it becomes due again when the lease runs out.
    """
    taken = session.execute(update(Source).where(Source.id == source_id, Source.enabled.is_(True), Source.next_due_at <= now)
                            .values(next_due_at=now + lease).execution_options(synchronize_session=False))
    return bool(taken.rowcount)  # type: ignore[attr-defined]


@dataclass
class FetchResult:
    """What one fetch came to, before it is stored."""

    outcome: FetchOutcome
    started_at: datetime
    http_status: int | None = None
    bytes: int = 0
    etag: str | None = None
    last_modified: str | None = None
    run_id: int | None = None
    read: int = 0
    stored: int = 0
    new: int = 0
    updated: int = 0
    rejected: int = 0
    error: str = ""


def record_fetch(session: Session, source_id: int, result: FetchResult, finished: datetime) -> SourceFetch:
    """Store the fetch and move the source's state and schedule on; validators change only on a stored body."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound("source", f"no source {source_id}")
    row = SourceFetch(source_id=source_id, started_at=result.started_at, finished_at=finished, outcome=result.outcome.value,
                      http_status=result.http_status, bytes=result.bytes, run_id=result.run_id, read=result.read,
                      stored=result.stored, new=result.new, updated=result.updated, rejected=result.rejected,
                      error=result.error[:4000])
    session.add(row)
    source.last_fetch_at = finished
    source.last_outcome = result.outcome.value
    source.next_due_at = finished + timedelta(minutes=source.interval_minutes)
    if result.outcome is FetchOutcome.ERROR:
        source.failures += 1
        source.last_error = result.error[:4000]
    else:
        source.failures = 0
        source.last_error = ""
        source.last_success_at = finished
    if result.outcome is FetchOutcome.OK:
        source.etag, source.last_modified = result.etag, result.last_modified
    session.flush()
    return row


def options_of(source: Source) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(source.options or "{}")
    return loaded
