"""REST routes of ingest under /api/v1: upload a file or post records; read back runs and rejections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from aspjoc.access import Principal
from aspjoc.errors import InvalidInput
from aspjoc.intel.ingest import runs, service
from aspjoc.intel.ingest.models import IngestRejection, IngestRun
from aspjoc.intel.ingest.records import Record
from aspjoc.intel.ingest.schemas import IngestSummary, RecordsIn, RejectionOut, RunList
from aspjoc.web.deps import DbSession, Now, SignedIn

router = APIRouter(tags=["ingest"])
UPLOAD_FIELDS = ("format", "tlp", "source")


def summary(run: IngestRun, rejected: list[IngestRejection]) -> IngestSummary:
    return IngestSummary(run_id=run.id, status=run.status, source=run.source, format=run.format, read=run.read,
                         stored=run.stored, new=run.new, updated=run.updated, rejected=run.rejected, flagged=run.flagged,
                         matches=run.matches, seconds=round(run.seconds, 3), started_at=run.started_at,
                         finished_at=run.finished_at,
                         rejections=[RejectionOut(index=r.position, field=r.field, reason=r.reason, raw=r.raw) for r in rejected])


def run_summary(session: Session, principal: Principal, run_id: int, rejections: int = 100) -> IngestSummary:
    """The summary of a run the principal may see (NotFound otherwise), with its first rejections."""
    run = runs.get_run(session, principal, run_id)
    return summary(run, runs.rejections(session, principal, run.id, limit=rejections))


def _upload(request: Request, principal: Principal, form: Any, now: Any) -> int:
    for name in UPLOAD_FIELDS:
        if not str(form.get(name) or "").strip():
            raise InvalidInput(name, "required")
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput("file", "attach the file to ingest as the multipart field 'file'")
    report = service.ingest_file(request.app.state.db, principal, upload.file, str(form["format"]), str(form["tlp"]),
                                 str(form["source"]), now, column_map=str(form.get("map") or ""),
                                 crime_type=str(form.get("crime_type") or "") or None,
                                 default_region=str(form.get("country") or "") or None)
    return report.run_id


def _records(request: Request, principal: Principal, body: Any, now: Any) -> int:
    try:
        data = RecordsIn.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(".".join(str(p) for p in first["loc"]) or "body", first["msg"]) from None
    records = [Record(i, r.value, r.type, kind=r.kind, crime_type=r.crime_type, confidence=r.confidence,
                      first_seen=r.first_seen, last_seen=r.last_seen, description=r.description, tags=tuple(r.tags))
               for i, r in enumerate(data.records, 1)]
    report = service.ingest_records(request.app.state.db, principal, records, data.tlp, data.source, now, data.crime_type)
    return report.run_id


@router.post("/ingest", response_model=IngestSummary, status_code=201, openapi_extra={"requestBody": {"content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file", *UPLOAD_FIELDS], "properties": {
        "file": {"type": "string", "format": "binary"}, "format": {"type": "string"}, "tlp": {"type": "string"},
        "source": {"type": "string"}, "map": {"type": "string"}, "crime_type": {"type": "string"},
        "country": {"type": "string"}}}},
    "application/json": {"schema": RecordsIn.model_json_schema()}}, "required": True}})
async def ingest(request: Request, principal: SignedIn, session: DbSession, now: Now) -> IngestSummary:
    """Ingest an uploaded file (multipart: file, format, tlp, source[, map, crime_type, country]) or a JSON body of
    records; answers the run's summary with its first rejections. Bad lines are rejected, not fatal."""
    # The pipeline commits batch by batch on its own connections; the request's session must not
    # hold SQLite's write lock meanwhile (signing in may have touched the token's last use).
    session.commit()
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        run_id = await run_in_threadpool(_upload, request, principal, form, now)
    else:
        try:
            body = await request.json()
        except ValueError as exc:
            raise InvalidInput("body", f"not JSON: {exc}") from None
        run_id = await run_in_threadpool(_records, request, principal, body, now)
    return run_summary(session, principal, run_id)


@router.get("/ingest/runs", response_model=RunList)
def list_runs(principal: SignedIn, session: DbSession) -> RunList:
    """Your organisation's ingest runs, newest first (without their rejections)."""
    return RunList(items=[summary(run, []) for run in runs.list_runs(session, principal)])


@router.get("/ingest/runs/{run_id}", response_model=IngestSummary)
def get_run(run_id: int, principal: SignedIn, session: DbSession) -> IngestSummary:
    """One of your organisation's runs with its first 100 rejections; 404 for any other."""
    return run_summary(session, principal, run_id)


@router.get("/ingest/runs/{run_id}/rejections", response_model=list[RejectionOut])
def get_rejections(run_id: int, principal: SignedIn, session: DbSession, after: int = 0, limit: int = 1000) -> list[RejectionOut]:
    """Rejected records of one of your runs, in the order stored; page with ``after`` (the last id seen)."""
    rows = runs.rejections(session, principal, run_id, limit=min(max(limit, 1), 10000), after=after)
    return [RejectionOut(index=r.position, field=r.field, reason=r.reason, raw=r.raw) for r in rows]
