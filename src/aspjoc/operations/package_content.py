"""What goes into one country's package: its targets, the statements behind each, its tasks and open requests,
all read through the gate as the recipient organisation (``principal_for_org``) sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.service import principal_for_org
from aspjoc.intel.models import Statement
from aspjoc.marking import TLP
from aspjoc.operations.models import FreezeRequest, Operation, OPEN_FREEZE, TakedownRequest, Target, Task
from aspjoc.operations.targets import PRIORITY_LABELS, statements_behind
from aspjoc.operations.tasks import CLOSED_TASK


@dataclass(frozen=True)
class PackageTarget:
    target: Target
    priority: str
    statements: list[Statement]
    takedowns: list[TakedownRequest]


@dataclass(frozen=True)
class PackageContent:
    operation: Operation
    organisation: Organisation
    country: str
    generated_at: datetime
    tlp: TLP
    targets: list[PackageTarget]
    tasks: list[Task]
    freezes: list[FreezeRequest]


def _targets(session: Session, reader: Principal, operation: Operation, country: str) -> list[Target]:
    return list(session.scalars(select(Target).where(
        Target.operation_id == operation.id, Target.acting_country == country, gate(reader, Target))
        .order_by(Target.priority, Target.deadline.is_(None), Target.deadline, Target.id)).unique())


def _takedowns(session: Session, reader: Principal, target: Target) -> list[TakedownRequest]:
    return list(session.scalars(select(TakedownRequest).where(
        TakedownRequest.target_id == target.id, gate(reader, TakedownRequest)).order_by(TakedownRequest.id)).unique())


def _tasks(session: Session, reader: Principal, operation: Operation, org: Organisation) -> list[Task]:
    return list(session.scalars(select(Task).where(
        Task.operation_id == operation.id, Task.assignee_org_id == org.id, Task.status.not_in(CLOSED_TASK),
        gate(reader, Task)).order_by(Task.due_at.is_(None), Task.due_at, Task.id)).unique())


def _freezes(session: Session, reader: Principal, operation: Operation, country: str) -> list[FreezeRequest]:
    return list(session.scalars(select(FreezeRequest).where(
        FreezeRequest.operation_id == operation.id, FreezeRequest.acting_country == country,
        FreezeRequest.status.in_([s.value for s in OPEN_FREEZE]), gate(reader, FreezeRequest))
        .order_by(FreezeRequest.expires_at)).unique())


def package_level(targets: list[PackageTarget], tasks: list[Task], freezes: list[FreezeRequest]) -> TLP:
    """The package's TLP: the most restrictive marking of anything in it, and never wider than AMBER."""
    levels = [int(TLP.AMBER)]
    for item in targets:
        levels.append(item.target.marking.tlp)
        levels += [s.marking.tlp for s in item.statements]
        levels += [t.marking.tlp for t in item.takedowns]
    levels += [t.marking.tlp for t in tasks] + [f.marking.tlp for f in freezes]
    return TLP(max(levels))


def build_content(session: Session, operation: Operation, org: Organisation, now: datetime) -> PackageContent:
    """The package of ``org``'s country, exactly as far as ``org`` (as a whole organisation) may see."""
    assert org.country is not None
    reader = principal_for_org(session, org)
    items = [PackageTarget(t, PRIORITY_LABELS.get(t.priority, "medium"), statements_behind(session, t, reader),
                           _takedowns(session, reader, t))
             for t in _targets(session, reader, operation, org.country)]
    tasks = _tasks(session, reader, operation, org)
    freezes = _freezes(session, reader, operation, org.country)
    return PackageContent(operation, org, org.country, now, package_level(items, tasks, freezes), items, tasks, freezes)
