"""One poll of one source: conditional fetch, streaming ingest, outcome stored on the source.

A 304 is recorded as "unchanged" and costs nothing more. A failed fetch or ingest is recorded
as an error with its reason, and the source shows as failing until a fetch succeeds; the
validators (ETag, Last-Modified) move on only when a body was stored whole, so a feed whose
ingest failed is fetched in full again next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy import select, update

from aspjoc.db import Database
from aspjoc.errors import AspjocError
from aspjoc.intel.formats import format_named
from aspjoc.intel.ingest.pipeline import IngestOptions, IngestReport, ingest
from aspjoc.intel.ingest.service import format_options
from aspjoc.intel.models import Statement
from aspjoc.intel.sources import service
from aspjoc.intel.sources.fetch import FetchFailed, Fetched, fetch, sibling_opener
from aspjoc.intel.sources.models import FetchOutcome, Source, SourceFetch
from aspjoc.marking import Handling, Marking, MarkingRecipient, TLP


@dataclass(frozen=True)
class _Plan:
    """What a poll needs from the source row, read before the fetch so no transaction stays open during it."""

    id: int
    name: str
    url: str
    format: str
    options: dict[str, object]
    etag: str | None
    last_modified: str | None
    ingest: IngestOptions
    reliability: str | None
    credibility: int | None


def _plan(db: Database, source_id: int) -> _Plan:
    with db.reader() as session:
        source = session.get(Source, source_id)
        if source is None:
            raise FetchFailed(f"source {source_id} no longer exists")
        marking = session.get(Marking, source.marking_id)
        assert marking is not None
        recipients = session.execute(select(MarkingRecipient.org_id, MarkingRecipient.group_id)
                                     .where(MarkingRecipient.marking_id == marking.id)).all()
        options = service.options_of(source)
        ingest_options = IngestOptions(
            org_id=source.owner_org_id, tlp=TLP(marking.tlp), source=source.name, format=source.format,
            handling=Handling(marking.handling), public_use=marking.public_use,
            recipient_org_ids=frozenset(o for o, _ in recipients if o is not None),
            recipient_group_ids=frozenset(g for _, g in recipients if g is not None),
            default_region=str(options.get("default_region") or "") or None,
            crime_type=str(options.get("crime_type") or "") or None)
        return _Plan(source.id, source.name, source.url, source.format, options, source.etag, source.last_modified,
                     ingest_options, source.reliability, source.credibility)


def _grade(db: Database, plan: _Plan, now: datetime) -> None:
    """Give the statements this poll stored the source's Admiralty grades (the pipeline has no field for them)."""
    if plan.reliability is None and plan.credibility is None:
        return
    with db.unit_of_work() as session:
        session.execute(update(Statement).where(
            Statement.owner_org_id == plan.ingest.org_id, Statement.updated_at >= now, Statement.source == plan.name)
            .values(reliability=plan.reliability, credibility=plan.credibility).execution_options(synchronize_session=False))


def _ingest(db: Database, client: httpx.Client, plan: _Plan, fetched: Fetched, now: datetime) -> IngestReport:
    fmt = format_named(plan.format)
    opener = sibling_opener(client, plan.url) if fmt.name == "misp-feed" else None
    options = format_options(db, plan.ingest.default_region, plan.ingest.crime_type,
                             str(plan.options.get("column_map") or ""), opener)
    assert fetched.body is not None
    with fetched.body as body:
        report = ingest(db, fmt.read(body, options), plan.ingest, now)
    _grade(db, plan, now)
    return report


def _poll(db: Database, client: httpx.Client, plan: _Plan, now: datetime) -> service.FetchResult:
    result = service.FetchResult(FetchOutcome.ERROR, now)
    try:
        fetched = fetch(client, plan.url, plan.etag, plan.last_modified)
        result.http_status, result.bytes = fetched.status, fetched.size
        if fetched.unchanged:
            result.outcome = FetchOutcome.UNCHANGED
            return result
        report = _ingest(db, client, plan, fetched, now)
    except FetchFailed as exc:
        result.http_status = exc.http_status or result.http_status
        result.error = exc.reason
        return result
    except (AspjocError, OSError, ValueError, UnicodeError) as exc:
        result.error = f"ingest failed: {type(exc).__name__}: {exc}"
        return result
    result.outcome = FetchOutcome.OK
    result.etag, result.last_modified = fetched.etag, fetched.last_modified
    result.run_id, result.read, result.stored = report.run_id, report.read, report.stored
    result.new, result.updated, result.rejected = report.new, report.updated, report.rejected
    return result


def run_source(db: Database, source_id: int, now: datetime, client: httpx.Client) -> SourceFetch:
    """Poll ``source_id`` once as of ``now`` and store the outcome; returns the stored fetch.

    Never raises for a bad feed: the failure is the stored outcome. The caller should have
    claimed the source (``service.claim``) when other workers may be running.
    """
    plan = _plan(db, source_id)
    result = _poll(db, client, plan, now)
    with db.unit_of_work() as session:
        return service.record_fetch(session, source_id, result, now)


def record_crash(db: Database, source_id: int, now: datetime, exc: BaseException) -> SourceFetch:
    """Store an unexpected failure of a poll as the source's outcome, so it shows as failing rather than vanishing in a log."""
    result = service.FetchResult(FetchOutcome.ERROR, now, error=f"internal error: {type(exc).__name__}: {exc}")
    with db.unit_of_work() as session:
        return service.record_fetch(session, source_id, result, now)
