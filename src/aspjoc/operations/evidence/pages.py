"""Console pages for evidence: a subject's evidence (attach, export, verify), an item with its custody log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation, SharingGroup
from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.marking import Handling, TLP
from aspjoc.operations.evidence import package as packages
from aspjoc.operations.evidence import service
from aspjoc.operations.evidence.api import file_response, package_response, receive_and_keep, store_of
from aspjoc.operations.evidence.models import CustodyAction
from aspjoc.operations.evidence.serialize import custody_out, items_out
from aspjoc.operations.evidence.subjects import SUBJECT_TYPES
from aspjoc.operations.evidence.upload import Upload
from aspjoc.operations.evidence.verify import Finding, verify_visible
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Evidence", "/evidence")]
SUBJECT_PAGES = {"entity": "/graph/entities/{id}", "observable": "/graph?focus=observable:{id}",
                 "statement": "/graph?focus=statement:{id}", "relationship": "/api/v1/relationships/{id}"}


def _subject_query(subject_type: str, subject_id: str) -> str:
    return urlencode({"subject_type": subject_type, "subject_id": subject_id})


def _list_context(session: DbSession, principal: Principal, settings: AppSettings, subject_type: str, subject_id: str,
                  cursor: str = "") -> dict[str, Any]:
    items, total, next_cursor = service.list_items(session, principal, settings.page_size, cursor or None,
                                                   subject_type or None, subject_id or None)
    link = SUBJECT_PAGES.get(subject_type, "")
    return {
        "items": items_out(session, items), "total": total, "next": next_cursor, "subject_type": subject_type,
        "subject_id": subject_id, "subject_query": _subject_query(subject_type, subject_id),
        "subject_link": link.format(id=subject_id) if link and subject_id else "", "subject_types": SUBJECT_TYPES,
        "orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        "groups": session.scalars(select(SharingGroup).order_by(SharingGroup.name)).all(),
        "levels": [level.label for level in TLP], "handling": [h.name.lower() for h in Handling if h.name and h.name != "NONE"],
        "form": {"tlp": "amber+strict"}, "limit_mb": settings.evidence_max_upload_mb,
    }


@router.get("/evidence")
def evidence_page(request: Request, principal: SignedIn, session: DbSession, settings: AppSettings,
                  subject_type: str = "", subject_id: str = "", cursor: str = "") -> Response:
    """The evidence of one subject (``/evidence?subject_type=target&subject_id=12``), or all the user may see."""
    try:
        context = _list_context(session, principal, settings, subject_type, subject_id, cursor)
    except InvalidInput as exc:
        context = _list_context(session, principal, settings, "", "")
        return render(request, "evidence/list.html", {**context, "error": exc}, status_code=exc.status_code)
    return render(request, "evidence/list.html", context)


@router.post("/evidence/upload")
async def upload_page(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    """Attach a file from the subject's evidence page (streamed, hashed, stored read-only)."""
    def csrf(form: Upload) -> None:
        check_csrf(request, form.get("csrf_token"))

    try:
        form, item = await receive_and_keep(request, principal, session, now, settings, csrf)
    except (AspjocError, ValidationError) as exc:
        error = exc if isinstance(exc, AspjocError) else InvalidInput("marking", str(exc.errors()[0]["msg"]))
        subject_type = request.query_params.get("subject_type", "")
        subject_id = request.query_params.get("subject_id", "")
        context = _list_context(session, principal, settings, subject_type, subject_id)
        return render(request, "evidence/list.html", {**context, "error": error}, status_code=error.status_code)
    return RedirectResponse(f"/evidence?{_subject_query(item.subject_type, item.subject_id)}&added={item.id}", status_code=303)


@router.post("/evidence/verify")
async def verify_page(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    """Re-hash the listed files and show which, if any, were changed on disk."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    subject_type, subject_id = str(form.get("subject_type", "")), str(form.get("subject_id", ""))
    findings: list[Finding] = verify_visible(session, principal, store_of(settings), now, subject_type or None,
                                             subject_id or None)
    context = _list_context(session, principal, settings, subject_type, subject_id)
    return render(request, "evidence/list.html", {**context, "findings": findings,
                                                  "failed": [f for f in findings if not f.ok]})


@router.post("/evidence/export")
async def export_page(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    """Download the subject's evidence package (zip) for a preservation or MLA request."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    subject_type, subject_id = str(form.get("subject_type", "")), str(form.get("subject_id", ""))
    ids = tuple(int(str(v)) for v in form.getlist("evidence_ids") if str(v).isdigit())
    try:
        built = packages.build_package(session, principal, store_of(settings), packages.PackageRequest(
            purpose=str(form.get("purpose", "")), reference=str(form.get("reference", "")),
            recipient=str(form.get("recipient", "")), item_ids=ids, subject_type=subject_type or None,
            subject_id=subject_id or None), now)
    except AspjocError as exc:
        context = _list_context(session, principal, settings, subject_type, subject_id)
        return render(request, "evidence/list.html", {**context, "error": exc}, status_code=exc.status_code)
    if built.file is None:
        error = InvalidInput("evidence_ids", "no package made: " + ", ".join(
            f"evidence {i} ({name}) no longer matches its intake SHA-256" for i, name in built.failed))
        context = _list_context(session, principal, settings, subject_type, subject_id)
        return render(request, "evidence/list.html", {**context, "error": error}, status_code=409)
    return package_response(built)


def _item_page(request: Request, principal: Principal, session: DbSession, evidence_id: int,
               error: AspjocError | None = None) -> Response:
    item = service.get_item(session, principal, evidence_id)
    events = service.custody_log(session, principal, evidence_id)
    link = SUBJECT_PAGES.get(item.subject_type, "")
    return render(request, "evidence/item.html", {
        "e": items_out(session, [item])[0], "custody": custody_out(session, item, events), "error": error,
        "subject_link": link.format(id=item.subject_id) if link else "",
        "subject_query": _subject_query(item.subject_type, item.subject_id),
        "orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        "may_transfer": principal.org_id in (item.owner_org_id, item.custodian_org_id)},
        status_code=error.status_code if error else 200)


@router.get("/evidence/{evidence_id}")
def item_page(request: Request, evidence_id: int, principal: SignedIn, session: DbSession) -> Response:
    """One item: its hash, subject, marking, custodian and chain of custody."""
    return _item_page(request, principal, session, evidence_id)


@router.get("/evidence/{evidence_id}/file")
def item_file(request: Request, evidence_id: int, principal: SignedIn, session: DbSession, now: Now,
              settings: AppSettings, inline: str = "") -> Response:
    """View or download the file (a custody event); a changed file is not served and the page says so."""
    store = store_of(settings)
    shown = inline.lower() in ("1", "true", "yes")
    access = service.access(session, principal, store, evidence_id, CustodyAction.VIEW if shown else CustodyAction.DOWNLOAD,
                            now, "viewed in the console" if shown else "downloaded from the console")
    if access.intact:
        return file_response(store, access, shown)
    state = "is missing from the store" if access.sha256 is None else "no longer matches its intake SHA-256"
    return _item_page(request, principal, session, evidence_id,
                      AspjocError("evidence", f"the stored file {state}; it was not served. The failure is in the custody log."))


@router.post("/evidence/{evidence_id}/transfer")
async def transfer_page(request: Request, evidence_id: int, principal: SignedIn, session: DbSession, now: Now,
                        settings: AppSettings) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    try:
        service.transfer(session, principal, store_of(settings), evidence_id, str(form.get("to_organisation", "")),
                         str(form.get("purpose", "")), now)
    except AspjocError as exc:
        return _item_page(request, principal, session, evidence_id, exc)
    return RedirectResponse(f"/evidence/{evidence_id}", status_code=303)
