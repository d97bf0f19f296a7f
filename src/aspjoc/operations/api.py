"""REST routes for operations, participants, targets, tasks, the action log, outcomes and packages under /api/v1.

Takedown and freeze requests and the legal clocks are in ``api_requests`` and mounted here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from aspjoc.errors import NotFound
from aspjoc.intel.schemas import StatementOut
from aspjoc.intel.serialize import statements_out
from aspjoc.operations import actions, outcomes, packages, scope, service, targets, tasks
from aspjoc.operations.api_requests import router as requests_router
from aspjoc.operations.schemas import (ActionIn, ActionOut, GeneratedOut, OperationIn, OperationOut, OperationPatch,
                                       OutcomesOut, PackageOut, ParticipantsIn, TargetIn, TargetOut, TargetPatch, TaskIn,
                                       TaskOut, TaskPatch)
from aspjoc.operations.serialize import (action_out, operation_out, outcomes_out, package_out, target_out, task_out)
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn

router = APIRouter(tags=["operations"])
router.include_router(requests_router)


@router.post("/operations", status_code=201, response_model=OperationOut)
def create_operation(data: OperationIn, principal: SignedIn, session: DbSession, now: Now) -> OperationOut:
    """Start an operation; it gets its own sharing group of participants, and is marked AMBER to it."""
    return operation_out(session, service.create_operation(session, principal, data, now))


@router.get("/operations", response_model=list[OperationOut])
def list_operations(principal: SignedIn, session: DbSession,
                    status: Annotated[str | None, Query(description="planning, active or closed")] = None) -> list[OperationOut]:
    """Operations the caller may see (those it takes part in, as a rule)."""
    return [operation_out(session, op) for op in service.list_operations(session, principal, status)]


@router.get("/operations/{operation_id}", response_model=OperationOut)
def get_operation(operation_id: int, principal: SignedIn, session: DbSession) -> OperationOut:
    return operation_out(session, scope.visible_operation(session, principal, operation_id))


@router.patch("/operations/{operation_id}", response_model=OperationOut)
def update_operation(operation_id: int, data: OperationPatch, principal: SignedIn, session: DbSession, now: Now) -> OperationOut:
    """Change status, description or end date (lead organisation only)."""
    return operation_out(session, service.update_operation(session, principal, operation_id, data, now))


@router.post("/operations/{operation_id}/participants", response_model=OperationOut)
def add_participants(operation_id: int, data: ParticipantsIn, principal: SignedIn, session: DbSession, now: Now) -> OperationOut:
    """Add organisations to the operation's sharing group (lead organisation only)."""
    service.add_participants(session, principal, operation_id, data.organisations, now)
    return operation_out(session, scope.visible_operation(session, principal, operation_id))


@router.post("/operations/{operation_id}/targets", status_code=201, response_model=TargetOut)
def add_target(operation_id: int, data: TargetIn, principal: SignedIn, session: DbSession, now: Now,
               settings: AppSettings) -> TargetOut:
    """Add a target (an observable, a statement or an entity) with the country that should act."""
    return target_out(targets.add_target(session, principal, operation_id, data, now, settings.default_region))


@router.get("/operations/{operation_id}/targets", response_model=list[TargetOut])
def list_targets(operation_id: int, principal: SignedIn, session: DbSession, country: str | None = None,
                 status: str | None = None) -> list[TargetOut]:
    return [target_out(t) for t in targets.list_targets(session, principal, operation_id, country, status)]


@router.get("/operations/{operation_id}/targets/{target_id}", response_model=TargetOut)
def get_target(operation_id: int, target_id: int, principal: SignedIn, session: DbSession) -> TargetOut:
    return target_out(targets.get_target(session, principal, operation_id, target_id))


@router.patch("/operations/{operation_id}/targets/{target_id}", response_model=TargetOut)
def update_target(operation_id: int, target_id: int, data: TargetPatch, principal: SignedIn, session: DbSession,
                  now: Now) -> TargetOut:
    return target_out(targets.update_target(session, principal, operation_id, target_id, data, now))


@router.get("/operations/{operation_id}/targets/{target_id}/statements", response_model=list[StatementOut])
def target_statements(operation_id: int, target_id: int, principal: SignedIn, session: DbSession,
                      now: Now) -> list[StatementOut]:
    """The statements behind a target, as far as the caller may see them."""
    target = targets.get_target(session, principal, operation_id, target_id)
    found = targets.statements_behind(session, target, principal)
    targets.audit_restricted_read(session, principal, target, found, now)
    return statements_out(session, found)


@router.post("/operations/{operation_id}/tasks", status_code=201, response_model=TaskOut)
def add_task(operation_id: int, data: TaskIn, principal: SignedIn, session: DbSession, now: Now) -> TaskOut:
    return task_out(tasks.add_task(session, principal, operation_id, data, now), now)


@router.get("/operations/{operation_id}/tasks", response_model=list[TaskOut])
def list_tasks(operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> list[TaskOut]:
    return [task_out(t, now) for t in tasks.list_tasks(session, principal, operation_id)]


@router.patch("/operations/{operation_id}/tasks/{task_id}", response_model=TaskOut)
def update_task(operation_id: int, task_id: int, data: TaskPatch, principal: SignedIn, session: DbSession, now: Now) -> TaskOut:
    return task_out(tasks.set_task_status(session, principal, operation_id, task_id, data.status, now), now)


@router.post("/operations/{operation_id}/actions", status_code=201, response_model=ActionOut)
def record_action(operation_id: int, data: ActionIn, principal: SignedIn, session: DbSession, now: Now) -> ActionOut:
    """Append to the action log; outcomes are computed from it."""
    action = actions.record_action(session, principal, operation_id, data, now)
    return action_out(action, actions.action_country(session, action))


@router.get("/operations/{operation_id}/actions", response_model=list[ActionOut])
def list_actions(operation_id: int, principal: SignedIn, session: DbSession, target_id: int | None = None) -> list[ActionOut]:
    return [action_out(a, actions.action_country(session, a))
            for a in actions.list_actions(session, principal, operation_id, target_id)]


@router.get("/operations/{operation_id}/outcomes", response_model=OutcomesOut)
def get_outcomes(operation_id: int, principal: SignedIn, session: DbSession) -> OutcomesOut:
    """Per-country and total outcomes, computed from the targets and action log the caller may see."""
    return outcomes_out(outcomes.outcomes(session, principal, operation_id))


@router.post("/operations/{operation_id}/packages", response_model=GeneratedOut)
def generate_packages(operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> GeneratedOut:
    """(Re)generate every participating country's package (lead organisation only)."""
    return GeneratedOut(countries=packages.generate_for(session, principal, operation_id, now))


@router.get("/operations/{operation_id}/packages", response_model=list[PackageOut])
def list_packages(operation_id: int, principal: SignedIn, session: DbSession) -> list[PackageOut]:
    """The packages the caller may read: its own organisation's."""
    return [package_out(p) for p in packages.list_packages(session, principal, operation_id)]


FORMATS = {"html": ("text/html; charset=utf-8", "html"), "pdf": ("application/pdf", "pdf"),
           "stix": ("application/stix+json;version=2.1", "json")}


@router.get("/operations/{operation_id}/packages/{package_id}/{form}", response_class=Response,
            responses={200: {"content": {media: {} for media, _ in FORMATS.values()}}})
def package_file(operation_id: int, package_id: int, form: str, principal: SignedIn, session: DbSession, now: Now) -> Response:
    """One package as ``html``, ``pdf`` or ``stix`` (a STIX 2.1 bundle)."""
    if form not in FORMATS:
        raise NotFound("form", f"use html, pdf or stix, not '{form}'")
    package = packages.get_package(session, principal, operation_id, package_id, now, form)
    media, extension = FORMATS[form]
    body: bytes | str = package.pdf if form == "pdf" else package.html if form == "html" else package.stix
    name = f"operation-{operation_id}-{package.country}-package.{extension}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'})
