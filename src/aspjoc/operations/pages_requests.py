"""Console pages of takedown requests, freeze and stop-payment requests, and the legal clocks.

A request's own page does not need its operation: a registrar or a bank sees the request addressed to it
without seeing the operation behind it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation
from aspjoc.errors import AspjocError, Conflict
from aspjoc.operations import clocks, freezes, scope, service, takedowns, targets
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.forms import LEVELS, local_time, marking, optional_int, parse, read_form, see_other, text
from aspjoc.operations.mailer import mailer_for
from aspjoc.operations.models import ProviderKind
from aspjoc.operations.schemas import FreezeIn, FreezeStatusIn, LegalClockIn, TakedownIn, TakedownResponseIn
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)


def _orgs(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def _takedowns_page(request: Request, session: Session, principal: Principal, operation_id: int, now: datetime,
                    form: dict[str, str] | None = None, error: AspjocError | None = None, status: int = 200) -> Response:
    operation = scope.visible_operation(session, principal, operation_id)
    return render(request, "operations/takedowns.html", {
        "op": operation, "rows": takedowns.list_takedowns(session, principal, operation.id), "now": now,
        "overdue": takedowns.is_overdue, "hours": takedowns.response_hours_of,
        "targets": [t for t in targets.list_targets(session, principal, operation.id) if t.observable_id is not None],
        "kinds": list(ProviderKind), "orgs": [o for o in _orgs(session) if o.kind == "private"],
        "participants": scope.participants(session, operation), "levels": LEVELS,
        "form": form or {}, "error": error}, status_code=status)


@router.get("/operations/{operation_id:int}/takedowns")
def takedowns_page(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now,
                   target: str = "") -> Response:
    return _takedowns_page(request, session, principal, operation_id, now, {"target_id": target})


@router.post("/operations/{operation_id:int}/takedowns")
async def create_takedown(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now,
                          settings: AppSettings) -> Response:
    form = await read_form(request)
    values = {k: text(form, k) for k in ("target_id", "provider_kind", "provider_name", "provider_email", "provider_org", "grounds")}
    try:
        data = parse(TakedownIn, {**values, "target_id": optional_int(form, "target_id"),
                                  "provider_org": values["provider_org"] or None, "marking": marking(form)})
        row = takedowns.create_takedown(session, principal, operation_id, data, now, settings.takedown_response_hours)
    except AspjocError as exc:
        session.rollback()
        return _takedowns_page(request, session, principal, operation_id, now, values, exc, 422)
    return see_other(f"/operations/takedowns/{row.id}")


def _takedown_page(request: Request, session: Session, principal: Principal, takedown_id: int, now: datetime,
                   error: AspjocError | None = None, status: int = 200) -> Response:
    row = takedowns.get_takedown(session, principal, takedown_id)
    is_provider = principal.org_id == row.provider_org_id
    files, listed = ([], []) if is_provider and row.status in ("draft", "failed") else takedowns.notice_files(session, principal, row)
    return render(request, "operations/takedown.html", {
        "r": row, "now": now, "overdue": takedowns.is_overdue(row, now), "hours": takedowns.response_hours_of(row),
        "is_provider": is_provider, "files": files, "listed": listed, "error": error}, status_code=status)


@router.get("/operations/takedowns/{takedown_id:int}")
def takedown_page(request: Request, takedown_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    return _takedown_page(request, session, principal, takedown_id, now)


@router.post("/operations/takedowns/{takedown_id:int}/send")
async def send_takedown(request: Request, takedown_id: int, principal: SignedIn, session: DbSession, now: Now,
                        settings: AppSettings) -> Response:
    await read_form(request)
    try:
        # An SMTP exchange may wait up to smtp_timeout: off the event loop.
        await run_in_threadpool(takedowns.send_takedown, session, principal, takedown_id, mailer_for(settings),
                                EvidenceStore.for_data_dir(settings.data_dir), now, settings.takedown_response_hours)
    except AspjocError as exc:
        return _takedown_page(request, session, principal, takedown_id, now, exc, exc.status_code)
    return see_other(f"/operations/takedowns/{takedown_id}")


@router.post("/operations/takedowns/{takedown_id:int}/eml")
async def export_takedown(request: Request, takedown_id: int, principal: SignedIn, session: DbSession, now: Now,
                          settings: AppSettings) -> Response:
    await read_form(request)
    eml = takedowns.export_eml(session, principal, takedown_id, settings.smtp_from,
                               EvidenceStore.for_data_dir(settings.data_dir), now, settings.takedown_response_hours)
    if eml.data is None:
        return _takedown_page(request, session, principal, takedown_id, now, Conflict("evidence", eml.reason), 409)
    return Response(eml.data, media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="takedown-TD-{takedown_id}.eml"'})


@router.post("/operations/takedowns/{takedown_id:int}/response")
async def takedown_response(request: Request, takedown_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await read_form(request)
    try:
        data = parse(TakedownResponseIn, {"status": text(form, "status"), "text": text(form, "text"),
                                          "responded_at": local_time(form, "responded_at")})
        takedowns.record_response(session, principal, takedown_id, data, now)
    except AspjocError as exc:
        session.rollback()
        return _takedown_page(request, session, principal, takedown_id, now, exc, exc.status_code)
    return see_other(f"/operations/takedowns/{takedown_id}")


@router.get("/operations/freezes")
def freezes_page(request: Request, principal: SignedIn, session: DbSession, now: Now, closed: bool = False) -> Response:
    """Open freeze and stop-payment requests, the clock that runs out first at the top."""
    rows = freezes.list_freezes(session, principal, open_only=not closed)
    return render(request, "operations/freezes.html", {"rows": rows, "now": now, "closed": closed,
                                                       "left": _left, "urgent": lambda r: _seconds(r, now) < 12 * 3600})


def _seconds(row: Any, now: datetime) -> int:
    left = freezes.seconds_left(row, now)
    return left if left is not None else 10**9


def _left(row: Any, now: datetime) -> str:
    left = freezes.seconds_left(row, now)
    return "closed" if left is None else clocks.format_left(row.expires_at - now)


def _freeze_form(request: Request, session: Session, principal: Principal, values: dict[str, str],
                 error: AspjocError | None = None, status: int = 200) -> Response:
    return render(request, "operations/freeze_new.html", {
        "form": values, "error": error, "orgs": _orgs(session),
        "operations": service.list_operations(session, principal, "active"),
        "clocks": clocks.list_clocks(session)}, status_code=status)


@router.get("/operations/freezes/new")
def new_freeze_form(request: Request, principal: SignedIn, session: DbSession, operation_id: str = "",
                    target_id: str = "", value: str = "") -> Response:
    return _freeze_form(request, session, principal, {"operation_id": operation_id, "target_id": target_id,
                                                      "value": value, "kind": "freeze", "currency": "USD"})


@router.post("/operations/freezes/new")
async def create_freeze(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    form = await read_form(request)
    keys = ("kind", "operation_id", "target_id", "value", "type", "acting_org", "institution_name", "institution_org",
            "amount", "currency", "transaction_refs", "note")
    values = {k: text(form, k) for k in keys}
    try:
        data = parse(FreezeIn, {
            "kind": values["kind"] or "freeze", "operation_id": optional_int(form, "operation_id"),
            "target_id": optional_int(form, "target_id"), "account": {"value": values["value"], "type": values["type"] or None},
            "acting_org": values["acting_org"], "institution_name": values["institution_name"],
            "institution_org": values["institution_org"] or None, "amount": values["amount"], "currency": values["currency"],
            "transaction_refs": [r for r in values["transaction_refs"].splitlines() if r.strip()], "note": values["note"]})
        row = freezes.create_freeze(session, principal, data, now, settings.default_region)
    except AspjocError as exc:
        session.rollback()
        return _freeze_form(request, session, principal, values, exc, 422)
    return see_other(f"/operations/freezes/{row.id}")


def _freeze_page(request: Request, session: Session, principal: Principal, freeze_id: int, now: datetime,
                 error: AspjocError | None = None, status: int = 200) -> Response:
    row = freezes.get_freeze(session, principal, freeze_id)
    return render(request, "operations/freeze.html", {
        "r": row, "now": now, "left": _left(row, now), "next": freezes.NEXT.get(row.status, ()), "error": error,
        "refs": [t for t in row.transaction_refs.splitlines() if t]}, status_code=status)


@router.get("/operations/freezes/{freeze_id:int}")
def freeze_page(request: Request, freeze_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    return _freeze_page(request, session, principal, freeze_id, now)


@router.post("/operations/freezes/{freeze_id:int}/status")
async def freeze_status(request: Request, freeze_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await read_form(request)
    try:
        data = parse(FreezeStatusIn, {"status": text(form, "status"), "amount": text(form, "amount") or None,
                                      "note": text(form, "note")})
        freezes.change_status(session, principal, freeze_id, data, now)
    except AspjocError as exc:
        session.rollback()
        return _freeze_page(request, session, principal, freeze_id, now, exc, exc.status_code)
    return see_other(f"/operations/freezes/{freeze_id}")


@router.get("/operations/clocks")
def clocks_page(request: Request, principal: SignedIn, session: DbSession, msg: str = "") -> Response:
    return render(request, "operations/clocks.html", {"clocks": clocks.list_clocks(session), "msg": msg,
                                                      "is_admin": principal.role == "admin", "describe": clocks.describe})


@router.post("/operations/clocks")
async def set_clock(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await read_form(request)
    data = parse(LegalClockIn, {"freeze_hours": text(form, "freeze_hours"), "hold_days": text(form, "hold_days"),
                                "basis": text(form, "basis")})
    clock = clocks.set_clock(session, principal, text(form, "country"), text(form, "kind"), data, now)
    return see_other(f"/operations/clocks?msg=Saved+{clock.country}+{clock.kind}")

