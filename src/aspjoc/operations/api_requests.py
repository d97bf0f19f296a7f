"""REST routes for takedown requests, freeze and stop-payment requests and the legal clocks (under /api/v1).

Takedown and freeze requests also have top-level routes, because their addressees (a registrar, a bank,
an agency outside the operation) see the request without seeing the operation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from aspjoc.operations import clocks, freezes, takedowns
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.mailer import mailer_for
from aspjoc.operations.schemas import (FreezeIn, FreezeOut, FreezeStatusIn, LegalClockIn, LegalClockOut, TakedownIn,
                                       TakedownOut, TakedownResponseIn)
from aspjoc.operations.serialize import freeze_out, takedown_out
from aspjoc.operations.models import LegalClock
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn

router = APIRouter(tags=["requests: takedown and freeze"])


@router.post("/operations/{operation_id}/takedowns", status_code=201, response_model=TakedownOut)
def create_takedown(operation_id: int, data: TakedownIn, principal: SignedIn, session: DbSession, now: Now,
                    settings: AppSettings) -> TakedownOut:
    """Draft a takedown request; the notice carries only evidence (statements and the files attached to the target,
    its identifier or those statements) that the provider and every reader of the request may see."""
    row = takedowns.create_takedown(session, principal, operation_id, data, now, settings.takedown_response_hours)
    return takedown_out(row, now)


@router.get("/operations/{operation_id}/takedowns", response_model=list[TakedownOut])
def operation_takedowns(operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> list[TakedownOut]:
    return [takedown_out(r, now) for r in takedowns.list_takedowns(session, principal, operation_id)]


@router.get("/takedowns", response_model=list[TakedownOut])
def list_takedowns(principal: SignedIn, session: DbSession, now: Now,
                   overdue: Annotated[bool, Query(description="Only requests past their answer deadline.")] = False) -> list[TakedownOut]:
    """Takedown requests the caller may see: those it sent, or those addressed to it as a provider."""
    rows = takedowns.list_takedowns(session, principal, overdue_at=now if overdue else None)
    return [takedown_out(r, now) for r in rows]


@router.get("/takedowns/{takedown_id}", response_model=TakedownOut)
def get_takedown(takedown_id: int, principal: SignedIn, session: DbSession, now: Now) -> TakedownOut:
    return takedown_out(takedowns.get_takedown(session, principal, takedown_id), now)


@router.post("/takedowns/{takedown_id}/send", response_model=TakedownOut)
def send_takedown(takedown_id: int, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> TakedownOut:
    """Send the notice, its evidence files attached, through the configured SMTP server; a failed send (the server's
    refusal, or a file that no longer matches its intake SHA-256) answers status ``failed`` and the reason."""
    store = EvidenceStore.for_data_dir(settings.data_dir)
    row = takedowns.send_takedown(session, principal, takedown_id, mailer_for(settings), store, now,
                                  settings.takedown_response_hours)
    return takedown_out(row, now)


@router.get("/takedowns/{takedown_id}/eml", response_class=Response,
            responses={200: {"content": {"message/rfc822": {}}}, 409: {"description": "An evidence file was changed."}})
def export_takedown(takedown_id: int, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    """The notice as an .eml file, evidence files attached, to send from another mail client; exporting an unsent
    request marks it sent. 409 when an evidence file no longer matches its intake SHA-256."""
    eml = takedowns.export_eml(session, principal, takedown_id, settings.smtp_from,
                               EvidenceStore.for_data_dir(settings.data_dir), now, settings.takedown_response_hours)
    if eml.data is None:
        return JSONResponse({"error": "tampered", "field": "evidence", "reason": eml.reason}, status_code=409)
    return Response(eml.data, media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="takedown-TD-{takedown_id}.eml"'})


@router.post("/takedowns/{takedown_id}/response", response_model=TakedownOut)
def takedown_response(takedown_id: int, data: TakedownResponseIn, principal: SignedIn, session: DbSession,
                      now: Now) -> TakedownOut:
    """Record the provider's answer (by the provider, or by a participant who received it)."""
    return takedown_out(takedowns.record_response(session, principal, takedown_id, data, now), now)


@router.post("/freezes", status_code=201, response_model=FreezeOut)
def create_freeze(data: FreezeIn, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> FreezeOut:
    """Ask another country's agency to freeze (or stop) a payment; the acting country's legal clock starts now."""
    return freeze_out(freezes.create_freeze(session, principal, data, now, settings.default_region), now)


@router.get("/freezes", response_model=list[FreezeOut])
def list_freezes(principal: SignedIn, session: DbSession, now: Now,
                 open: Annotated[bool, Query(description="Only requests whose clock still runs.")] = True,
                 operation_id: int | None = None) -> list[FreezeOut]:
    """Requests the caller may see, the clock that runs out first at the top."""
    return [freeze_out(r, now) for r in freezes.list_freezes(session, principal, open, operation_id)]


@router.get("/freezes/{freeze_id}", response_model=FreezeOut)
def get_freeze(freeze_id: int, principal: SignedIn, session: DbSession, now: Now) -> FreezeOut:
    return freeze_out(freezes.get_freeze(session, principal, freeze_id), now)


@router.post("/freezes/{freeze_id}/status", response_model=FreezeOut)
def freeze_status(freeze_id: int, data: FreezeStatusIn, principal: SignedIn, session: DbSession, now: Now) -> FreezeOut:
    """Move the request on: acknowledged, frozen, held (starts the hold clock), recovered or released."""
    return freeze_out(freezes.change_status(session, principal, freeze_id, data, now), now)


def _clock_out(c: LegalClock) -> LegalClockOut:
    return LegalClockOut(country=c.country, kind=c.kind, freeze_hours=c.freeze_hours, hold_days=c.hold_days,
                         basis=c.basis, illustrative=c.illustrative, updated_at=c.updated_at)


@router.get("/legal-clocks", response_model=list[LegalClockOut])
def list_clocks(principal: SignedIn, session: DbSession) -> list[LegalClockOut]:
    """Each country's clock for freezes and stop-payments; ``illustrative`` ones are seeded placeholders."""
    return [_clock_out(c) for c in clocks.list_clocks(session)]


@router.put("/legal-clocks/{country}/{kind}", response_model=LegalClockOut)
def set_clock(country: str, kind: str, data: LegalClockIn, principal: SignedIn, session: DbSession, now: Now) -> LegalClockOut:
    """Set a country's clock (administrators only); running requests keep the clock they started with."""
    return _clock_out(clocks.set_clock(session, principal, country, kind, data, now))
