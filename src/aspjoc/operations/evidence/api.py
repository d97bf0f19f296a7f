"""REST routes for evidence under /api/v1: upload, list, download, custody log, transfer, export package, verify."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from aspjoc.config import Settings
from aspjoc.access import Principal
from aspjoc.errors import InvalidInput
from aspjoc.operations.evidence import package as packages
from aspjoc.operations.evidence import service, upload
from aspjoc.operations.evidence.models import CustodyAction, EvidenceItem
from aspjoc.operations.evidence.schemas import (
    CustodyOut,
    EvidenceOut,
    EvidencePage,
    PackageIn,
    TransferIn,
    VerifyIn,
    VerifyOut,
)
from aspjoc.operations.evidence.serialize import custody_out, findings_out, items_out
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.evidence.verify import verify_visible
from aspjoc.operations.graph.schemas import RecordMarkingIn
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn

router = APIRouter(tags=["evidence"])
# Served inline only when a browser cannot run it; everything else is a download (an uploaded phishing kit must not execute here).
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain")
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "subject_type", "subject_id"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The evidence file (streamed; size-limited)."},
        "subject_type": {"type": "string", "description": "target, action, operation, case, task, request, statement, entity, relationship or observable."},
        "subject_id": {"type": "string"},
        "description": {"type": "string"},
        "tlp": {"type": "string", "description": "Marking level; amber+strict (owner only) when left out."},
        "organisations": {"type": "array", "items": {"type": "string"}, "description": "Recipient organisation ids or names."},
        "groups": {"type": "array", "items": {"type": "string"}, "description": "Recipient sharing group ids or names."},
        "handling": {"type": "array", "items": {"type": "string"}},
    }}}}}}


def store_of(settings: Settings) -> EvidenceStore:
    return EvidenceStore.for_data_dir(settings.data_dir)


def max_bytes(settings: Settings) -> int:
    return settings.evidence_max_upload_mb * (1 << 20)


def new_evidence(form: upload.Upload) -> service.NewEvidence:
    """The intake request from the upload's fields; the marking defaults to AMBER+STRICT (the owner only)."""
    marking = RecordMarkingIn.model_validate({
        "tlp": form.get("tlp") or "amber+strict", "handling": form.getlist("handling"),
        "recipients": {"organisations": form.getlist("organisations"), "groups": form.getlist("groups")}})
    return service.NewEvidence(subject_type=form.get("subject_type"), subject_id=form.get("subject_id"),
                               filename=form.filename, content_type=form.content_type,
                               description=form.get("description")[:20000], marking=marking)


async def receive_and_keep(request: Request, principal: Principal, session: Session, now: datetime, settings: Settings,
                           check: Callable[[upload.Upload], None] | None = None) -> tuple[upload.Upload, EvidenceItem]:
    """Stream the upload in and attach it; the received file is dropped on any error."""
    store = store_of(settings)
    form = await upload.receive(request, store, max_bytes(settings))
    try:
        if check is not None:
            check(form)
        if form.file is None:
            raise InvalidInput("file", "choose a file to upload")
        return form, service.intake(session, principal, store, form.file, new_evidence(form), now)
    except BaseException:
        if form.file is not None:
            form.file.path.unlink(missing_ok=True)
        raise


@router.post("/evidence", status_code=201, response_model=EvidenceOut, openapi_extra=UPLOAD_BODY)
async def upload_evidence(request: Request, principal: SignedIn, session: DbSession, now: Now,
                          settings: AppSettings) -> EvidenceOut:
    """Upload one file (multipart) and attach it to a subject; it is hashed and stored read-only as it arrives."""
    _, item = await receive_and_keep(request, principal, session, now, settings)
    return items_out(session, [item])[0]


@router.get("/evidence", response_model=EvidencePage)
def list_evidence(principal: SignedIn, session: DbSession, settings: AppSettings,
                  subject_type: str | None = None, subject_id: str | None = None,
                  limit: Annotated[int | None, Query(ge=1)] = None, cursor: str | None = None) -> EvidencePage:
    """Evidence the caller may see (of one subject when given), newest first."""
    size = min(limit or settings.page_size, settings.max_page_size)
    items, total, next_cursor = service.list_items(session, principal, size, cursor, subject_type, subject_id)
    return EvidencePage(items=items_out(session, items), total=total, next=next_cursor)


@router.get("/evidence/{evidence_id}", response_model=EvidenceOut)
def get_evidence(evidence_id: int, principal: SignedIn, session: DbSession) -> EvidenceOut:
    """One item's record (not its file); 404 when the caller may not see it."""
    return items_out(session, [service.get_item(session, principal, evidence_id)])[0]


def tampered(access: service.Access) -> JSONResponse:
    state = "is missing from the store" if access.sha256 is None else "no longer matches its intake SHA-256"
    return JSONResponse({"error": "tampered", "field": "evidence",
                         "reason": f"evidence {access.item.id} ({access.item.filename}) {state}; it was not served"},
                        status_code=409)


def file_response(store: EvidenceStore, access: service.Access, inline: bool) -> Response:
    """Stream the stored file with its name, intake hash and headers that keep browsers from running it."""
    item = access.item
    shown = inline and item.content_type in INLINE_TYPES
    disposition = f"{'inline' if shown else 'attachment'}; filename*=UTF-8''{quote(item.filename)}"
    return StreamingResponse(store.chunks(item.sha256), media_type=item.content_type if shown else "application/octet-stream",
                             headers={"Content-Disposition": disposition, "Content-Length": str(item.size),
                                      "X-Evidence-SHA256": item.sha256, "X-Content-Type-Options": "nosniff",
                                      "Content-Security-Policy": "sandbox; default-src 'none'",
                                      "Cache-Control": "no-store"})


@router.get("/evidence/{evidence_id}/content")
def download(evidence_id: int, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
             inline: Annotated[bool, Query(description="View in the browser (images, PDF, text) instead of downloading.")] = False,
             purpose: Annotated[str, Query(max_length=500, description="Why the file is opened (kept in the custody log).")] = "",
             ) -> Response:
    """The file itself, re-hashed first; every view or download is a custody event. 409 when the file was changed."""
    store = store_of(settings)
    action = CustodyAction.VIEW if inline else CustodyAction.DOWNLOAD
    access = service.access(session, principal, store, evidence_id, action, now, purpose)
    return file_response(store, access, inline) if access.intact else tampered(access)


@router.get("/evidence/{evidence_id}/custody", response_model=list[CustodyOut])
def custody(evidence_id: int, principal: SignedIn, session: DbSession) -> list[CustodyOut]:
    """The item's chain of custody, oldest first."""
    events = service.custody_log(session, principal, evidence_id)
    return custody_out(session, service.get_item(session, principal, evidence_id), events)


@router.post("/evidence/{evidence_id}/transfer", response_model=CustodyOut)
def transfer(evidence_id: int, data: TransferIn, principal: SignedIn, session: DbSession, now: Now,
             settings: AppSettings) -> CustodyOut:
    """Hand custody to another organisation (logged with the hash at hand-over)."""
    event = service.transfer(session, principal, store_of(settings), evidence_id, str(data.to_organisation), data.purpose, now)
    item = service.get_item(session, principal, evidence_id)
    return next(c for c in custody_out(session, item, [event]))


def package_response(built: packages.Package) -> Response:
    if built.file is None:
        names = ", ".join(f"{item_id} ({name})" for item_id, name in built.failed)
        return JSONResponse({"error": "tampered", "field": "evidence_ids",
                             "reason": f"no package made: evidence {names} no longer matches its intake SHA-256"},
                            status_code=409)
    return StreamingResponse(_drain(built.file), media_type="application/zip",
                             headers={"Content-Disposition": f'attachment; filename="{built.name}"', "Cache-Control": "no-store"})


def _drain(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(1 << 20):
            yield chunk
    finally:
        handle.close()


@router.post("/evidence/export", responses={200: {"content": {"application/zip": {}}}})
def export_package(data: PackageIn, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    """A zip for a preservation or MLA request: files, manifest with SHA-256 hashes, custody log (JSON and HTML)."""
    request = packages.PackageRequest(purpose=data.purpose, reference=data.reference, recipient=data.recipient,
                                      item_ids=tuple(data.evidence_ids), subject_type=data.subject_type,
                                      subject_id=data.subject_id)
    return package_response(packages.build_package(session, principal, store_of(settings), request, now))


@router.post("/evidence/verify", response_model=VerifyOut)
def verify(data: VerifyIn, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> VerifyOut:
    """Re-hash the stored files of the evidence the caller may see (of one subject when given) and report tampering."""
    findings = verify_visible(session, principal, store_of(settings), now, data.subject_type, data.subject_id)
    return VerifyOut(checked=len(findings), failed=sum(1 for f in findings if not f.ok), findings=findings_out(findings))

