"""Takedown requests to registrars, hosts, telcos and platforms: a generated notice with the evidence, sent by
SMTP or exported as .eml, then the provider's answers and response times.

The notice carries the target's identifier, the statements on it and the files attached to the target, its
identifier or those statements, each only when the sender, the provider and everyone who may read the request
may see it for export (``takedown_evidence``). The files go as MIME attachments, with their SHA-256 in the text,
and each transfer is a custody event. The notice is composed when the request is drafted and again, for the
sender, when it goes out. Sending records ``takedown_requested`` in the action log; a confirmed or refused
answer records ``takedown_confirmed`` or ``takedown_refused``.
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
from aspjoc.marking import marking_id_for
from aspjoc.operations import actions, scope
from aspjoc.operations.evidence.models import CustodyAction, EvidenceItem
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.mailer import MailFile, Mailer, MailNotSent, build_message
from aspjoc.operations.models import ActionKind, Operation, TakedownRequest, TakedownStatus, Target
from aspjoc.operations.schemas import TakedownIn, TakedownResponseIn
from aspjoc.operations.takedown_evidence import (Attachment, Evidence, already_sent, gather, log_sent, log_tampered,
                                                 read_files, readers, reference)
from aspjoc.operations.takedown_notice import compose_notice
from aspjoc.operations.targets import get_target

S = TakedownStatus
AWAITING = (S.SENT.value, S.ACKNOWLEDGED.value)
UNSENT = (S.DRAFT.value, S.FAILED.value)


@dataclass(frozen=True)
class Eml:
    """An exported notice: the .eml bytes, or why there are none (a file failed its hash check)."""

    data: bytes | None
    reason: str = ""


def _check_email(value: str) -> str:
    email = value.strip()
    if not accounts.EMAIL.match(email):
        raise InvalidInput("provider_email", f"'{value}' is not an e-mail address")
    return email


def _check_readers_see_target(session: Session, target: Target, others: list[Principal]) -> None:
    """InvalidInput when someone who may read the request (the provider aside) may not see its target."""
    for reader in others[1:]:
        if session.scalar(select(Target.id).where(Target.id == target.id, gate(reader, Target))) is None:
            raise InvalidInput("marking", f"{reader.org_name} could read this request but may not see its target; "
                                          "mark the request no wider than the target")


def _evidence(session: Session, principal: Principal, row: TakedownRequest,
              provider: Organisation | None) -> tuple[Operation, Target, Evidence]:
    """The request's operation and target, and the evidence ``principal`` may send with it (NotFound: target not visible)."""
    operation = scope.visible_operation(session, principal, row.operation_id)
    target = get_target(session, principal, operation.id, row.target_id)
    return operation, target, gather(session, principal, target, readers(session, row.marking_id, provider))


def _compose(session: Session, principal: Principal, row: TakedownRequest, provider: Organisation | None,
             response_hours: int) -> Evidence:
    """(Re)write the request's notice with the evidence ``principal`` may send; returns that evidence."""
    operation, target, evidence = _evidence(session, principal, row, provider)
    notice = compose_notice(operation, target, principal.org_name, f"{row.provider_name} ({row.provider_kind})",
                            row.grounds, evidence, evidence.tlp(session), response_hours, reference(row))
    row.subject, row.body, row.notice_tlp = notice.subject, notice.body, int(notice.tlp)
    return evidence


def _provider(session: Session, row: TakedownRequest) -> Organisation | None:
    return session.get(Organisation, row.provider_org_id) if row.provider_org_id is not None else None


def create_takedown(session: Session, principal: Principal, operation_id: int, data: TakedownIn, now: datetime,
                    response_hours: int) -> TakedownRequest:
    """A draft request for a visible observable target (participants only), its notice already composed.

    InvalidInput when the target has no identifier, the e-mail address is not one, or the request's marking
    would let someone read it who may not see the target.
    """
    require(principal, Permission.WRITE_INTEL)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_participant(principal, operation)
    target = get_target(session, principal, operation.id, data.target_id)
    if target.observable is None:
        raise InvalidInput("target_id", "an entity target has no identifier to take down")
    email = _check_email(data.provider_email)
    provider = accounts.find_organisation(session, data.provider_org) if data.provider_org is not None else None
    extra = (provider.id,) if provider is not None else ()
    marking_id = marking_id_for(session, scope.marking_for(session, principal, operation, data.marking, extra_orgs=extra))
    _check_readers_see_target(session, target, readers(session, marking_id, provider))
    row = TakedownRequest(operation_id=operation.id, target_id=target.id, observable_id=target.observable.id,
                          provider_kind=data.provider_kind, provider_name=data.provider_name.strip(), provider_email=email,
                          provider_org_id=provider.id if provider else None, grounds=data.grounds, notice_tlp=0,
                          subject="", body="", status=S.DRAFT.value, marking_id=marking_id,
                          owner_org_id=principal.org_id, created_by_user_id=principal.user_id, created_at=now)
    session.add(row)
    session.flush()
    evidence = _compose(session, principal, row, provider, response_hours)
    audit.record(session, principal, "operation.takedown.create", now, "takedown_request", row.id,
                 {"operation": operation.id, "target": target.id, "provider": row.provider_name,
                  "evidence": [s.id for s in evidence.statements], "files": [f.id for f in evidence.files]})
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


def _mail_files(attached: list[Attachment]) -> list[MailFile]:
    return [MailFile(a.item.filename, a.item.content_type, a.data) for a in attached]


def send_takedown(session: Session, principal: Principal, takedown_id: int, mailer: Mailer, store: EvidenceStore,
                  now: datetime, response_hours: int) -> TakedownRequest:
    """Compose the notice for the sender and send it by SMTP with its files attached.

    A failed send — the server's refusal, or a file that no longer matches its intake hash — is kept as
    status ``failed`` with the reason (not raised), so the sender sees it; Conflict when already sent.
    """
    row = _sendable(session, principal, takedown_id)
    if row.status not in UNSENT:
        raise Conflict("status", f"takedown request TD-{row.id} was already sent ({row.status})")
    evidence = _compose(session, principal, row, _provider(session, row), response_hours)
    attached, failed = read_files(store, evidence.files)
    if failed:
        row.status, row.last_error = S.FAILED.value, log_tampered(session, principal, row, store, failed, now)
        audit.record(session, principal, "operation.takedown.send_failed", now, "takedown_request", row.id,
                     {"reason": row.last_error})
        return row
    message = build_message(mailer.sender, row.provider_email, row.subject, row.body, now, files=_mail_files(attached))
    try:
        mailer.send(message)
    except MailNotSent as exc:
        row.status, row.last_error = S.FAILED.value, exc.reason
        audit.record(session, principal, "operation.takedown.send_failed", now, "takedown_request", row.id, {"reason": exc.reason})
        return row
    _mark_sent(session, principal, row, "smtp", str(message["Message-ID"]), now, response_hours)
    log_sent(session, principal, row, attached, CustodyAction.SEND, "smtp", now)
    audit.record(session, principal, "operation.takedown.send", now, "takedown_request", row.id,
                 {"to": row.provider_email, "files": [a.item.id for a in attached]})
    return row


def export_eml(session: Session, principal: Principal, takedown_id: int, sender: str, store: EvidenceStore, now: datetime,
               response_hours: int) -> Eml:
    """The notice as an .eml file with its files attached, to send from another mail client.

    Exporting an unsent request composes it for the exporter and counts as sending it; exporting a sent one
    gives the same notice with the files that went out then (as far as the exporter may export them). No file
    is given when one no longer matches its intake hash: ``reason`` says which.
    """
    row = _sendable(session, principal, takedown_id)
    unsent = row.status in UNSENT
    items = _compose(session, principal, row, _provider(session, row), response_hours).files if unsent else (
        already_sent(session, principal, row))
    attached, failed = read_files(store, items)
    if failed:
        reason = log_tampered(session, principal, row, store, failed, now).replace("was not sent", "was not exported")
        audit.record(session, principal, "operation.takedown.export_failed", now, "takedown_request", row.id, {"reason": reason})
        return Eml(None, reason)
    message = build_message(sender, row.provider_email, row.subject, row.body, row.sent_at or now, row.message_id,
                            files=_mail_files(attached))
    if unsent:
        _mark_sent(session, principal, row, "eml", str(message["Message-ID"]), now, response_hours)
    log_sent(session, principal, row, attached, CustodyAction.EXPORT, "eml", now)
    audit.record(session, principal, "operation.takedown.export", now, "takedown_request", row.id,
                 {"format": "eml", "files": [a.item.id for a in attached]})
    return Eml(message.as_bytes())


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


def notice_files(session: Session, principal: Principal, row: TakedownRequest) -> tuple[list[EvidenceItem], list[EvidenceItem]]:
    """The files of the request's notice as ``principal`` may see them: (attached, listed only by their hash).

    Once sent, those that went out (from the custody log); before, those the notice would attach if
    ``principal`` sent it now. Nothing when ``principal`` may not see the request's target.
    """
    if row.status not in (TakedownStatus.DRAFT.value, TakedownStatus.FAILED.value):
        return already_sent(session, principal, row, Purpose.READ), []
    try:
        evidence = _evidence(session, principal, row, _provider(session, row))[2]
    except NotFound:
        return [], []
    return evidence.files, evidence.too_large
