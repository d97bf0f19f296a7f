"""Console pages of packages, outcomes (with a chart) and overdue work across operations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from aspjoc import charts
from aspjoc.access import gate
from aspjoc.countries import country_name
from aspjoc.operations import outcomes, packages, scope, service, takedowns
from aspjoc.operations.forms import read_form, see_other
from aspjoc.operations.models import Operation, Task
from aspjoc.operations.tasks import CLOSED_TASK
from aspjoc.web.deps import DbSession, Now, SignedIn
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/operations/{operation_id:int}/packages")
def packages_page(request: Request, operation_id: int, principal: SignedIn, session: DbSession, msg: str = "") -> Response:
    operation = scope.visible_operation(session, principal, operation_id)
    return render(request, "operations/packages.html", {
        "op": operation, "packages": packages.list_packages(session, principal, operation.id), "msg": msg,
        "countries": scope.acting_countries(session, operation),
        "is_lead": principal.org_id in (operation.lead_org_id, operation.owner_org_id)})


@router.post("/operations/{operation_id:int}/packages")
async def generate_packages(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    """The one button that makes every country's package."""
    await read_form(request)
    # Rendering PDFs takes seconds: off the event loop, like the API's plain-def route.
    countries = await run_in_threadpool(packages.generate_for, session, principal, operation_id, now)
    return see_other(f"/operations/{operation_id}/packages?msg=Generated+packages+for+{'+'.join(countries) or 'no+country'}")


@router.get("/operations/{operation_id:int}/outcomes")
def outcomes_page(request: Request, operation_id: int, principal: SignedIn, session: DbSession) -> Response:
    """Results: the figures per country and in total (with CSS bars of the takedown rate) and a chart of takedowns."""
    operation = scope.visible_operation(session, principal, operation_id)
    figures = outcomes.outcomes(session, principal, operation.id)
    names = [country_name(code) for code in figures.by_country]
    rows = list(figures.by_country.values())
    confirmed = [f.takedowns_confirmed for f in rows]
    shown = [charts.bars(names, confirmed, title="Takedowns confirmed, by country")] if any(confirmed) else []
    return render(request, "operations/outcomes.html", {"op": operation, "o": figures, "charts": shown})


@router.get("/operations/overdue")
def overdue_page(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    """Takedown requests past their answer deadline and tasks past their due date, in every visible operation."""
    overdue_tasks = session.scalars(
        select(Task).join(Operation, Operation.id == Task.operation_id)
        .where(gate(principal, Task), gate(principal, Operation), Task.status.not_in(CLOSED_TASK), Task.due_at < now)
        .order_by(Task.due_at)).unique().all()
    names = {op.id: op.name for op in service.list_operations(session, principal)}
    return render(request, "operations/overdue.html", {
        "takedowns": takedowns.list_takedowns(session, principal, overdue_at=now), "tasks": overdue_tasks,
        "names": names, "now": now})
