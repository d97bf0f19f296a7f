"""Console pages of an operation's targets, tasks and action log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from aspjoc.access import Principal, gate
from aspjoc.errors import AspjocError
from aspjoc.intel.models import Statement
from aspjoc.observables import ObservableType
from aspjoc.operations import actions, freezes, scope, takedowns, targets, tasks
from aspjoc.operations.forms import LEVELS, local_time, marking, optional_int, parse, read_form, see_other, text
from aspjoc.operations.money import format_amount
from aspjoc.operations.models import ActionKind, Operation, RecommendedAction, Target, TargetStatus, TaskStatus
from aspjoc.operations.schemas import ActionIn, TargetIn, TargetPatch, TaskIn
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)


def _common(session: Session, operation: Operation) -> dict[str, Any]:
    return {"op": operation, "participants": scope.participants(session, operation), "levels": LEVELS, "money": format_amount}


def _targets_page(request: Request, session: Session, principal: Principal, operation_id: int, country: str = "",
                  form: dict[str, str] | None = None, error: AspjocError | None = None, status: int = 200) -> Response:
    operation = scope.visible_operation(session, principal, operation_id)
    rows = targets.list_targets(session, principal, operation.id, country or None)
    return render(request, "operations/targets.html", {
        **_common(session, operation), "targets": rows, "country": country,
        "countries": scope.acting_countries(session, operation), "actions": list(RecommendedAction),
        "types": list(ObservableType), "priorities": targets.PRIORITY_LABELS, "form": form or {}, "error": error},
        status_code=status)


@router.get("/operations/{operation_id:int}/targets")
def targets_page(request: Request, operation_id: int, principal: SignedIn, session: DbSession, country: str = "") -> Response:
    return _targets_page(request, session, principal, operation_id, country)


@router.post("/operations/{operation_id:int}/targets")
async def add_target(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now,
                     settings: AppSettings) -> Response:
    form = await read_form(request)
    values = {k: text(form, k) for k in ("value", "type", "country", "action", "priority", "deadline", "rationale", "tlp")}
    try:
        data = parse(TargetIn, {
            "observable": {"value": values["value"], "type": values["type"] or None} if values["value"] else None,
            "country": values["country"], "action": values["action"], "priority": values["priority"] or "medium",
            "deadline": local_time(form, "deadline"), "rationale": values["rationale"], "marking": marking(form)})
        target = targets.add_target(session, principal, operation_id, data, now, settings.default_region)
    except AspjocError as exc:
        session.rollback()
        return _targets_page(request, session, principal, operation_id, "", values, exc, 422)
    return see_other(f"/operations/{operation_id}/targets/{target.id}")


def _held_elsewhere(session: Session, principal: Principal, target: Target) -> bool:
    """Hit/no-hit: others hold statements on the target's identifier that the reader may not see."""
    if target.observable_id is None:
        return False
    return bool(session.scalar(select(exists().where(
        Statement.observable_id == target.observable_id, Statement.withdrawn.is_(False), ~gate(principal, Statement)))))


def _target_page(request: Request, session: Session, principal: Principal, operation_id: int, target_id: int,
                 now: datetime, error: AspjocError | None = None, status: int = 200) -> Response:
    target = targets.get_target(session, principal, operation_id, target_id)
    operation = scope.visible_operation(session, principal, operation_id)
    obs = target.observable
    rfi = "/requests/new?" + urlencode({"type": obs.type, "value": obs.value}) if obs is not None else ""
    statements = targets.statements_behind(session, target, principal)
    targets.audit_restricted_read(session, principal, target, statements, now)
    return render(request, "operations/target.html", {
        **_common(session, operation), "t": target, "statements": statements,
        "held_elsewhere": _held_elsewhere(session, principal, target), "rfi_url": rfi,
        "actions": actions.list_actions(session, principal, operation.id, target.id),
        "takedowns": [r for r in takedowns.list_takedowns(session, principal, operation.id) if r.target_id == target.id],
        "freezes": [f for f in freezes.list_freezes(session, principal, False, operation.id) if f.target_id == target.id],
        "kinds": list(ActionKind), "statuses": list(TargetStatus), "priority": targets.PRIORITY_LABELS.get(target.priority),
        "now": now, "error": error}, status_code=status)


@router.get("/operations/{operation_id:int}/targets/{target_id:int}")
def target_page(request: Request, operation_id: int, target_id: int, principal: SignedIn, session: DbSession,
                now: Now) -> Response:
    return _target_page(request, session, principal, operation_id, target_id, now)


@router.post("/operations/{operation_id:int}/targets/{target_id:int}/status")
async def target_status(request: Request, operation_id: int, target_id: int, principal: SignedIn, session: DbSession,
                        now: Now) -> Response:
    form = await read_form(request)
    targets.update_target(session, principal, operation_id, target_id, parse(TargetPatch, {"status": text(form, "status")}), now)
    return see_other(f"/operations/{operation_id}/targets/{target_id}")


def _action_in(form: Any) -> ActionIn:
    values = {k: text(form, k) for k in ("kind", "quantity", "servers", "devices", "amount", "currency", "note")}
    data: ActionIn = parse(ActionIn, {
        "target_id": optional_int(form, "target_id"), "kind": values["kind"], "occurred_at": local_time(form, "occurred_at"),
        "quantity": values["quantity"] or 1, "servers": values["servers"] or 0, "devices": values["devices"] or 0,
        "amount": values["amount"] or None, "currency": values["currency"] or None, "note": values["note"],
        "marking": marking(form)})
    return data


@router.post("/operations/{operation_id:int}/actions")
async def record_action(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    """The action form of a target page (and of the action log page); errors come back on the page it came from."""
    form = await read_form(request)
    back = text(form, "back")
    try:
        data = _action_in(form)
        actions.record_action(session, principal, operation_id, data, now)
    except AspjocError as exc:
        session.rollback()
        target_id = optional_int(form, "target_id")
        if back == "target" and target_id is not None:
            return _target_page(request, session, principal, operation_id, target_id, now, exc, 422)
        return _actions_page(request, session, principal, operation_id, exc, 422)
    if back == "target":
        return see_other(f"/operations/{operation_id}/targets/{data.target_id}")
    return see_other(f"/operations/{operation_id}/actions")


def _actions_page(request: Request, session: Session, principal: Principal, operation_id: int,
                  error: AspjocError | None = None, status: int = 200) -> Response:
    operation = scope.visible_operation(session, principal, operation_id)
    log = actions.list_actions(session, principal, operation.id)
    visible = {t.id: t for t in targets.list_targets(session, principal, operation.id)}
    return render(request, "operations/actions.html", {
        **_common(session, operation), "log": log, "targets": visible, "kinds": list(ActionKind), "error": error},
        status_code=status)


@router.get("/operations/{operation_id:int}/actions")
def actions_page(request: Request, operation_id: int, principal: SignedIn, session: DbSession) -> Response:
    return _actions_page(request, session, principal, operation_id)


def _tasks_page(request: Request, session: Session, principal: Principal, operation_id: int, now: datetime,
                form: dict[str, str] | None = None, error: AspjocError | None = None, status: int = 200) -> Response:
    operation = scope.visible_operation(session, principal, operation_id)
    return render(request, "operations/tasks.html", {
        **_common(session, operation), "tasks": tasks.list_tasks(session, principal, operation.id), "now": now,
        "overdue": tasks.is_overdue, "targets": targets.list_targets(session, principal, operation.id),
        "statuses": list(TaskStatus), "form": form or {}, "error": error}, status_code=status)


@router.get("/operations/{operation_id:int}/tasks")
def tasks_page(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    return _tasks_page(request, session, principal, operation_id, now)


@router.post("/operations/{operation_id:int}/tasks")
async def add_task(request: Request, operation_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await read_form(request)
    values = {k: text(form, k) for k in ("assignee", "title", "description", "due_at", "target_id")}
    try:
        data = parse(TaskIn, {"assignee": values["assignee"], "title": values["title"], "description": values["description"],
                              "due_at": local_time(form, "due_at"), "target_id": optional_int(form, "target_id"),
                              "marking": marking(form)})
        tasks.add_task(session, principal, operation_id, data, now)
    except AspjocError as exc:
        session.rollback()
        return _tasks_page(request, session, principal, operation_id, now, values, exc, 422)
    return see_other(f"/operations/{operation_id}/tasks")


@router.post("/operations/{operation_id:int}/tasks/{task_id:int}/status")
async def task_status(request: Request, operation_id: int, task_id: int, principal: SignedIn, session: DbSession,
                      now: Now) -> Response:
    form = await read_form(request)
    status = text(form, "status")
    if status not in TaskStatus.__members__.values():
        return _tasks_page(request, session, principal, operation_id, now, None,
                           AspjocError("status", f"'{status}' is not one of {', '.join(TaskStatus)}"), 422)
    tasks.set_task_status(session, principal, operation_id, task_id, status, now)
    return see_other(f"/operations/{operation_id}/tasks")
