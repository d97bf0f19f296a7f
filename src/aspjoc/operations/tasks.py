"""Tasks assigned to participating organisations, with due dates and a status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import InvalidInput, NotFound
from aspjoc.marking import marking_id_for
from aspjoc.operations import scope
from aspjoc.operations.models import Task, TaskStatus
from aspjoc.operations.schemas import TaskIn
from aspjoc.operations.targets import get_target

CLOSED_TASK = (TaskStatus.DONE.value, TaskStatus.CANCELLED.value)


def add_task(session: Session, principal: Principal, operation_id: int, data: TaskIn, now: datetime) -> Task:
    """Assign a task to a participating organisation (participants only); InvalidInput for anyone else."""
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_participant(principal, operation)
    assignee = accounts.find_organisation(session, data.assignee)
    if assignee.id not in scope.participant_ids(session, operation):
        raise InvalidInput("assignee", f"'{assignee.name}' does not take part in operation '{operation.name}'")
    if data.target_id is not None:
        get_target(session, principal, operation.id, data.target_id)
    marking_id = marking_id_for(session, scope.marking_for(session, principal, operation, data.marking,
                                                           extra_orgs=(assignee.id,)))
    task = Task(operation_id=operation.id, target_id=data.target_id, assignee_org_id=assignee.id, title=data.title.strip(),
                description=data.description, due_at=data.due_at, status=TaskStatus.OPEN.value, marking_id=marking_id,
                owner_org_id=principal.org_id, created_by_user_id=principal.user_id, created_at=now, updated_at=now)
    session.add(task)
    session.flush()
    audit.record(session, principal, "operation.task.create", now, "operation_task", task.id,
                 {"operation": operation.id, "assignee": assignee.id})
    return task


def list_tasks(session: Session, principal: Principal, operation_id: int, assignee_org_id: int | None = None) -> list[Task]:
    """Visible tasks of a visible operation: open ones first, by due date (undated last)."""
    operation = scope.visible_operation(session, principal, operation_id)
    query = select(Task).where(Task.operation_id == operation.id, gate(principal, Task))
    if assignee_org_id is not None:
        query = query.where(Task.assignee_org_id == assignee_org_id)
    closed = Task.status.in_(CLOSED_TASK)
    return list(session.scalars(query.order_by(closed, Task.due_at.is_(None), Task.due_at, Task.id)).unique())


def set_task_status(session: Session, principal: Principal, operation_id: int, task_id: int, status: str,
                    now: datetime) -> Task:
    """Move a visible task to ``status``; the assignee or any participant may."""
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    task = session.scalar(select(Task).where(Task.id == task_id, Task.operation_id == operation.id, gate(principal, Task)))
    if task is None:
        raise NotFound("task", f"no task {task_id} in operation {operation_id}")
    if principal.org_id != task.assignee_org_id:
        scope.require_participant(principal, operation)
    task.status = TaskStatus(status).value
    task.completed_at = now if task.status in CLOSED_TASK else None
    task.updated_at = now
    audit.record(session, principal, "operation.task.status", now, "operation_task", task.id, {"status": status})
    return task


def is_overdue(task: Task, now: datetime) -> bool:
    return task.status not in CLOSED_TASK and task.due_at is not None and task.due_at < now
