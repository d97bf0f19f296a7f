"""Console pages of operations: the list, a new operation, one operation's overview and its participants.

Targets, tasks and actions are in ``pages_targets``; packages, outcomes and overdue work in ``pages_results``;
takedown and freeze requests and legal clocks in ``pages_requests``. All are mounted through ``router``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation
from aspjoc.errors import AspjocError
from aspjoc.intel.models import CrimeType
from aspjoc.operations import freezes, outcomes, scope, service, takedowns, tasks
from aspjoc.operations.forms import many, parse, read_form, see_other, text
from aspjoc.operations.pages_requests import router as requests_router
from aspjoc.operations.pages_results import router as results_router
from aspjoc.operations.pages_targets import router as targets_router
from aspjoc.operations.schemas import OperationIn, OperationPatch
from aspjoc.web.deps import DbSession, Now, SignedIn
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Operations", "/operations")]


def _list_page(request: Request, session: Session, principal: Principal, form: dict[str, str] | None = None,
               error: AspjocError | None = None, status: int = 200) -> Response:
    return render(request, "operations/list.html", {
        "operations": service.list_operations(session, principal),
        "orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        "crime_types": list(CrimeType), "form": form or {}, "error": error}, status_code=status)


@router.get("/operations")
def operations_page(request: Request, principal: SignedIn, session: DbSession) -> Response:
    return _list_page(request, session, principal)


@router.post("/operations")
async def create_operation(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await read_form(request)
    values = {k: text(form, k) for k in ("name", "crime_type", "starts_on", "ends_on", "lead", "description")}
    try:
        data = parse(OperationIn, {**values, "lead": values["lead"] or None, "participants": many(form, "participants"),
                                   "status": text(form, "status") or "planning"})
        operation = service.create_operation(session, principal, data, now)
    except AspjocError as exc:
        session.rollback()
        return _list_page(request, session, principal, values, exc, 422)
    return see_other(f"/operations/{operation.id}")


@router.get("/operations/{operation_id:int}")
def operation_page(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now,
                   msg: str = "") -> Response:
    operation = scope.visible_operation(session, principal, operation_id)
    open_tasks = [t for t in tasks.list_tasks(session, principal, operation.id) if t.status not in tasks.CLOSED_TASK]
    return render(request, "operations/detail.html", {
        "op": operation, "participants": scope.participants(session, operation),
        "countries": scope.acting_countries(session, operation), "figures": outcomes.outcomes(session, principal, operation.id),
        "tasks": open_tasks[:10], "overdue": takedowns.list_takedowns(session, principal, operation.id, overdue_at=now),
        "freezes": freezes.list_freezes(session, principal, True, operation.id), "now": now, "msg": msg,
        "is_lead": principal.org_id in (operation.lead_org_id, operation.owner_org_id),
        "orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all()})


@router.post("/operations/{operation_id:int}/participants")
async def add_participants(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await read_form(request)
    added = service.add_participants(session, principal, operation_id, many(form, "organisations"), now)
    names = ", ".join(o.name for o in added) or "nobody new"
    return see_other(f"/operations/{operation_id}?msg=Added+{names}")


@router.post("/operations/{operation_id:int}/status")
async def set_status(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await read_form(request)
    service.update_operation(session, principal, operation_id, parse(OperationPatch, {"status": text(form, "status")}), now)
    return see_other(f"/operations/{operation_id}")


router.include_router(targets_router)
router.include_router(results_router)
router.include_router(requests_router)
