"""Takedown requests to registrars, hosts, telcos and platforms: a generated notice with the evidence the
recipient may see, sent by SMTP or exported as .eml, then the provider's answers and response times.

The evidence is the statements on the target's observable that both the sender and the recipient may see
for export: a partner organisation registered here sees what is GREEN, CLEAR or addressed to it; a provider
outside the platform gets only what is CLEAR. Sending records ``takedown_requested`` in the action log; a
confirmed or refused answer records ``takedown_confirmed`` or ``takedown_refused``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from aspjoc.intel.models import Statement
from aspjoc.marking import TLP, marking_id_for
from aspjoc.operations import actions, scope
from aspjoc.operations.mailer import Mailer, MailNotSent, build_message
from aspjoc.operations.models import ActionKind, Operation, TakedownRequest, TakedownStatus, Target
from aspjoc.operations.schemas import TakedownIn, TakedownResponseIn
from aspjoc.operations.targets import get_target, statements_behind

S = TakedownStatus
AWAITING = (S.SENT.value, S.ACKNOWLEDGED.value)
UNSENT = (S.DRAFT.value, S.FAILED.value)


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str
    tlp: TLP


def _evidence_line(s: Statement) -> str:
    head = (f"- [TLP:{TLP(s.marking.tlp).label.upper()}] {s.owner.name} · {s.kind} · confidence {s.confidence} · "
            f"seen {s.first_seen:%Y-%m-%d} to {s.last_seen:%Y-%m-%d}")
    return head + (f"\n  {s.description}" if s.description else "")


def compose_notice(operation: Operation, target: Target, sender: str, provider: str, grounds: str,
                   evidence: list[Statement], response_hours: int, reference: str) -> Notice:
    """The notice's subject and text; its TLP is the most restrictive of the evidence (CLEAR with none)."""
    assert target.observable is not None
    obs = target.observable
    tlp = TLP(max([s.marking.tlp for s in evidence], default=int(TLP.CLEAR)))
    lines = [
        f"TLP:{tlp.label.upper()} (FIRST TLP 2.0): share only as this level allows.", "",
        f"To: {provider}", f"From: {sender}, for {operation.title} ({operation.crime_type.replace('_', ' ')})",
        f"Reference: {reference}", "",
        f"We ask you to take down or suspend this {obs.type.replace('_', ' ')}:", "", f"    {obs.value}", "",
        "Grounds:", grounds.strip() or f"It is used for {operation.crime_type.replace('_', ' ')} against the public.", "",
        f"Evidence ({len(evidence)} statement{'s' if len(evidence) != 1 else ''}):",
        *([_evidence_line(s) for s in evidence] or ["- none that can be shared with you; ask us for details."]), "",
        f"Please answer within {response_hours} hours, quoting {reference}: whether it has been taken down, or why not.",
    ]
    subject = f"[TLP:{tlp.label.upper()}] Takedown request {reference}: {obs.type.replace('_', ' ')} {obs.value}"
    return Notice(subject[:300], "\n".join(lines), tlp)


def recipient_principal(session: Session, provider: Organisation | None) -> Principal:
    """How the provider is seen by the gate: its organisation when registered here, else the public."""
    return accounts.principal_for_org(session, provider) if provider is not None else Principal.public()


def _check_email(value: str) -> str:
    email = value.strip()
    if not accounts.EMAIL.match(email):
        raise InvalidInput("provider_email", f"'{value}' is not an e-mail address")
    return email


def create_takedown(session: Session, principal: Principal, operation_id: int, data: TakedownIn, now: datetime,
                    response_hours: int) -> TakedownRequest:
    """A draft request for a visible observable target (participants only), its notice already composed."""
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_participant(principal, operation)
    target = get_target(session, principal, operation.id, data.target_id)
    if target.observable is None:
        raise InvalidInput("target_id", "an entity target has no identifier to take down")
    email = _check_email(data.provider_email)
    provider = accounts.find_organisation(session, data.provider_org) if data.provider_org is not None else None
    evidence = statements_behind(session, target, principal, recipient_principal(session, provider), purpose=Purpose.EXPORT)
    extra = (provider.id,) if provider is not None else ()
    marking_id = marking_id_for(session, scope.marking_for(session, principal, operation, data.marking, extra_orgs=extra))
    row = TakedownRequest(operation_id=operation.id, target_id=target.id, observable_id=target.observable.id,
                          provider_kind=data.provider_kind, provider_name=data.provider_name.strip(), provider_email=email,
                          provider_org_id=provider.id if provider else None, grounds=data.grounds, notice_tlp=0,
                          subject="", body="", status=S.DRAFT.value, marking_id=marking_id,
                          owner_org_id=principal.org_id, created_by_user_id=principal.user_id, created_at=now)
    session.add(row)
    session.flush()
    notice = compose_notice(operation, target, principal.org_name, f"{row.provider_name} ({row.provider_kind})",
                            data.grounds, evidence, response_hours, f"TD-{row.id}")
    row.subject, row.body, row.notice_tlp = notice.subject, notice.body, int(notice.tlp)
    audit.record(session, principal, "operation.takedown.create", now, "takedown_request", row.id,
                 {"operation": operation.id, "target": target.id, "provider": row.provider_name,
                  "evidence": [s.id for s in evidence]})
    return row


def get_takedown(session: Session, principal: Principal, takedown_id: int) -> TakedownRequest:
    found = session.scalar(select(TakedownRequest).where(TakedownRequest.id == takedown_id, gate(principal, TakedownRequest)))
    if found is None:
        raise NotFound("takedown", f"no takedown request {takedown_id}")
    return found


def _sendable(session: Session, principal: Principal, takedown_id: int) -> TakedownRequest:
    require(principal, Permission.WRITE_INTEL)
    row = get_takedown(session, principal, takedown_id)
    scope.require_participant(principal, scope.visible_operation(session, principal, row.operation_id))
    return row


def _mark_sent(session: Session, principal: Principal, row: TakedownRequest, channel: str, message_id: str,
               now: datetime, response_hours: int) -> None:
    row.status, row.channel, row.message_id, row.last_error = S.SENT.value, channel, message_id, ""
    row.sent_at, row.due_at = now, now + timedelta(hours=response_hours)
    target = session.get(Target, row.target_id)
    assert target is not None
    actions.append(session, principal, target, ActionKind.TAKEDOWN_REQUESTED, actions.Figures(1, 0, 0, None, None),
                   row.marking_id, now, now, f"{row.provider_name} via {channel}", takedown_id=row.id)


def send_takedown(session: Session, principal: Principal, takedown_id: int, mailer: Mailer, now: datetime,
                  response_hours: int) -> TakedownRequest:
    """Send the notice by SMTP. A failed send is kept as status ``failed`` with the server's reason (not raised),
    so the sender sees it; Conflict when the request was already sent."""
    row = _sendable(session, principal, takedown_id)
    if row.status not in UNSENT:
        raise Conflict("status", f"takedown request TD-{row.id} was already sent ({row.status})")
    message = build_message(mailer.sender, row.provider_email, row.subject, row.body, now)
    try:
        mailer.send(message)
    except MailNotSent as exc:
        row.status, row.last_error = S.FAILED.value, exc.reason
        audit.record(session, principal, "operation.takedown.send_failed", now, "takedown_request", row.id, {"reason": exc.reason})
        return row
    _mark_sent(session, principal, row, "smtp", str(message["Message-ID"]), now, response_hours)
    audit.record(session, principal, "operation.takedown.send", now, "takedown_request", row.id, {"to": row.provider_email})
    return row


def export_eml(session: Session, principal: Principal, takedown_id: int, sender: str, now: datetime,
               response_hours: int) -> bytes:
    """The notice as an .eml file. Exporting an unsent request counts as sending it (by the sender's own mail)."""
    row = _sendable(session, principal, takedown_id)
    message = build_message(sender, row.provider_email, row.subject, row.body, row.sent_at or now, row.message_id)
    if row.status in UNSENT:
        _mark_sent(session, principal, row, "eml", str(message["Message-ID"]), now, response_hours)
    audit.record(session, principal, "operation.takedown.export", now, "takedown_request", row.id, {"format": "eml"})
    return message.as_bytes()


def record_response(session: Session, principal: Principal, takedown_id: int, data: TakedownResponseIn,
                    now: datetime) -> TakedownRequest:
    """The provider's answer, entered by the provider itself or by a participant who received it by e-mail.

    The first answer fixes the response time. Conflict unless the request awaits an answer.
    """
    require(principal, Permission.WRITE_INTEL)
    row = get_takedown(session, principal, takedown_id)
    if principal.org_id != row.provider_org_id:
        operation = scope.visible_operation(session, principal, row.operation_id)
        if not scope.is_participant(principal, operation):
            raise PermissionDenied("takedown", "only the provider or a participant may record the answer")
    if row.status not in AWAITING:
        raise Conflict("status", f"takedown request TD-{row.id} is {row.status}; it does not await an answer")
    answered = data.responded_at or now
    row.responded_at = row.responded_at or answered
    row.response_text = "\n\n".join(t for t in (row.response_text, data.text.strip()) if t)
    row.status = S(data.status).value
    final = {S.CONFIRMED.value: ActionKind.TAKEDOWN_CONFIRMED, S.REFUSED.value: ActionKind.TAKEDOWN_REFUSED}.get(row.status)
    if final is not None:
        target = session.get(Target, row.target_id)
        assert target is not None
        actions.append(session, principal, target, final, actions.Figures(1, 0, 0, None, None), row.marking_id, now,
                       answered, data.text.strip(), takedown_id=row.id)
    audit.record(session, principal, "operation.takedown.response", now, "takedown_request", row.id, {"status": row.status})
    return row


def list_takedowns(session: Session, principal: Principal, operation_id: int | None = None,
                   overdue_at: datetime | None = None) -> list[TakedownRequest]:
    """Visible requests (of one operation when given); only those overdue at ``overdue_at`` when given, oldest due first."""
    query = select(TakedownRequest).where(gate(principal, TakedownRequest))
    if operation_id is not None:
        query = query.where(TakedownRequest.operation_id == scope.visible_operation(session, principal, operation_id).id)
    if overdue_at is not None:
        query = query.where(TakedownRequest.status.in_(AWAITING), TakedownRequest.due_at < overdue_at)
        return list(session.scalars(query.order_by(TakedownRequest.due_at)).unique())
    return list(session.scalars(query.order_by(TakedownRequest.id.desc())).unique())


def is_overdue(row: TakedownRequest, now: datetime) -> bool:
    return row.status in AWAITING and row.due_at is not None and row.due_at < now


def response_hours_of(row: TakedownRequest) -> float | None:
    if row.sent_at is None or row.responded_at is None:
        return None
    return round((row.responded_at - row.sent_at).total_seconds() / 3600, 2)
