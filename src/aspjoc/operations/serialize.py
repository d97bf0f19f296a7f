"""Operations records to their API shapes (the caller has already passed them through the gate)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from aspjoc.accounts.models import Organisation
from aspjoc.intel.schemas import ObservableOut, OrgRef
from aspjoc.intel.serialize import observable_out
from aspjoc.marking import TLP
from aspjoc.operations import scope
from aspjoc.operations.clocks import describe
from aspjoc.operations.freezes import seconds_left
from aspjoc.operations.models import Action, FreezeRequest, Operation, Package, TakedownRequest, Target, Task
from aspjoc.operations.money import from_micros
from aspjoc.operations.outcomes import Figures, Outcomes
from aspjoc.operations.schemas import (ActionOut, FreezeOut, OperationOut, OutcomeFigures, OutcomesOut, PackageOut,
                                       TakedownOut, TargetOut, TaskOut)
from aspjoc.operations.takedowns import is_overdue as takedown_overdue
from aspjoc.operations.takedowns import response_hours_of
from aspjoc.operations.targets import PRIORITY_LABELS
from aspjoc.operations.tasks import is_overdue as task_overdue


def org_ref(org: Organisation) -> OrgRef:
    return OrgRef(id=org.id, name=org.name, country=org.country)


def tlp_label(level: int) -> str:
    return TLP(level).label


def operation_out(session: Session, op: Operation) -> OperationOut:
    return OperationOut(id=op.id, uuid=op.uuid, name=op.name, crime_type=op.crime_type, description=op.description,
                        starts_on=op.starts_on, ends_on=op.ends_on, status=op.status, lead=org_ref(op.lead),
                        participants=[org_ref(o) for o in scope.participants(session, op)],
                        countries=scope.acting_countries(session, op), group_id=op.group_id,
                        tlp=tlp_label(op.marking.tlp), created_at=op.created_at)


def target_out(t: Target) -> TargetOut:
    return TargetOut(id=t.id, operation_id=t.operation_id, kind=t.kind,
                     observable=observable_out(t.observable) if t.observable else None, statement_id=t.statement_id,
                     entity_id=t.entity_id, label=t.label, country=t.acting_country, action=t.recommended_action,
                     priority=PRIORITY_LABELS.get(t.priority, "medium"), status=t.status,  # type: ignore[arg-type]
                     deadline=t.deadline, rationale=t.rationale, tlp=tlp_label(t.marking.tlp), owner=org_ref(t.owner),
                     created_at=t.created_at)


def task_out(t: Task, now: datetime) -> TaskOut:
    return TaskOut(id=t.id, operation_id=t.operation_id, target_id=t.target_id, assignee=org_ref(t.assignee),
                   title=t.title, description=t.description, due_at=t.due_at, status=t.status,
                   overdue=task_overdue(t, now), tlp=tlp_label(t.marking.tlp), created_at=t.created_at,
                   completed_at=t.completed_at)


def action_out(a: Action, country: str) -> ActionOut:
    return ActionOut(id=a.id, operation_id=a.operation_id, target_id=a.target_id, country=country, kind=a.kind,
                     occurred_at=a.occurred_at, quantity=a.quantity, servers=a.servers, devices=a.devices,
                     amount=from_micros(a.amount_micros) if a.amount_micros is not None else None, currency=a.currency,
                     note=a.note, takedown_id=a.takedown_id, freeze_id=a.freeze_id, tlp=tlp_label(a.marking.tlp),
                     recorded_by=org_ref(a.owner), recorded_at=a.recorded_at)


def figures_out(f: Figures) -> OutcomeFigures:
    return OutcomeFigures(**f.as_dict())


def outcomes_out(o: Outcomes) -> OutcomesOut:
    return OutcomesOut(operation_id=o.operation_id, total=figures_out(o.total),
                       by_country={code: figures_out(f) for code, f in o.by_country.items()})


def package_out(p: Package) -> PackageOut:
    base = f"/api/v1/operations/{p.operation_id}/packages/{p.id}"
    return PackageOut(id=p.id, operation_id=p.operation_id, country=p.country, organisation=org_ref(p.organisation),
                      targets=p.targets, tlp=tlp_label(p.tlp), generated_at=p.generated_at, pdf_sha256=p.pdf_sha256,
                      html_url=f"{base}/html", pdf_url=f"{base}/pdf", stix_url=f"{base}/stix")


def takedown_out(r: TakedownRequest, now: datetime) -> TakedownOut:
    obs: ObservableOut = observable_out(r.observable)
    return TakedownOut(id=r.id, operation_id=r.operation_id, target_id=r.target_id, observable=obs,
                       provider_kind=r.provider_kind, provider_name=r.provider_name, provider_email=r.provider_email,
                       provider_org_id=r.provider_org_id, notice_tlp=tlp_label(r.notice_tlp), subject=r.subject,
                       body=r.body, status=r.status, channel=r.channel, last_error=r.last_error, sent_at=r.sent_at,
                       due_at=r.due_at, responded_at=r.responded_at, response_text=r.response_text,
                       response_hours=response_hours_of(r), overdue=takedown_overdue(r, now),
                       tlp=tlp_label(r.marking.tlp), created_at=r.created_at)


def freeze_out(r: FreezeRequest, now: datetime) -> FreezeOut:
    return FreezeOut(id=r.id, uuid=r.uuid, kind=r.kind, operation_id=r.operation_id, target_id=r.target_id,
                     account=observable_out(r.observable), requesting=org_ref(r.requesting), acting=org_ref(r.acting),
                     acting_country=r.acting_country, institution_name=r.institution_name,
                     amount=from_micros(r.amount_micros), currency=r.currency,
                     held=from_micros(r.held_micros) if r.held_micros is not None else None,
                     recovered=from_micros(r.recovered_micros) if r.recovered_micros is not None else None,
                     transaction_refs=[t for t in r.transaction_refs.splitlines() if t], note=r.note, status=r.status,
                     clock=f"{r.acting_country}: {describe(r.clock_freeze_hours, r.clock_hold_days, r.kind)}",
                     requested_at=r.requested_at, expires_at=r.expires_at, seconds_left=seconds_left(r, now),
                     tlp=tlp_label(r.marking.tlp))
