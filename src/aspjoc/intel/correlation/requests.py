"""Requests for information: open, read, answer, decline, close. Every read goes through the access gate.

A request goes to the holders of an identifier, even holders the requester may not see: the
platform routes it and tells the requester who the holder is only when the holder answers (or
when the requester could already see one of the holder's statements on it). The holder always
learns who asks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from aspjoc.intel.correlation.models import RequestForInformation, RequestMessage, RequestStatus
from aspjoc.intel.correlation.service import MATCH
from aspjoc.intel.models import Notice, Observable, Statement
from aspjoc.marking import Handling, MarkingSpec, TLP, marking_id_for

QUESTION_LIMIT = 10000
RFI = RequestForInformation


def _holders(session: Session, observable_id: int, principal: Principal, visible_only: bool) -> set[int]:
    """Organisations other than the principal's with a current statement on the observable (those it may see, if ``visible_only``)."""
    query = select(Statement.owner_org_id).where(Statement.observable_id == observable_id, Statement.withdrawn.is_(False),
                                                 Statement.owner_org_id != principal.org_id)
    if visible_only:
        query = query.where(gate(principal, Statement))
    return set(session.scalars(query.distinct()))


def _knows(session: Session, principal: Principal, observable_id: int) -> bool:
    """Whether the principal has a way to know the identifier: a statement it may see on it, or a match notice about it."""
    seen = session.scalar(select(Statement.id).where(Statement.observable_id == observable_id, gate(principal, Statement)).limit(1))
    told = session.scalar(select(Notice.id).where(Notice.org_id == principal.org_id, Notice.kind == MATCH,
                                                  Notice.observable_id == observable_id).limit(1))
    return seen is not None or told is not None


def _check_text(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(field, "must not be empty")
    if len(text) > QUESTION_LIMIT:
        raise InvalidInput(field, f"is longer than {QUESTION_LIMIT} characters")
    return text


def _notify(session: Session, org_id: int, rfi: RFI, actor: Principal | None, message: str, now: datetime) -> None:
    session.add(Notice(org_id=org_id, kind="request", observable_id=rfi.observable_id, message=message, created_at=now,
                       actor_org_id=actor.org_id if actor else None, actor_user_id=actor.user_id if actor else None))


def _subject(observable: Observable) -> str:
    return f"{observable.type} {observable.value}"


def _create(session: Session, principal: Principal, observable: Observable, target: int, disclosed: bool,
            question: str, deadline: datetime | None, now: datetime) -> RFI:
    assert principal.org_id is not None
    spec = MarkingSpec(principal.org_id, TLP.AMBER_STRICT, orgs=frozenset({target}), handling=Handling.NO_ONWARD_SHARING)
    rfi = RFI(requester_org_id=principal.org_id, requester_user_id=principal.user_id, target_org_id=target,
              observable_id=observable.id, marking_id=marking_id_for(session, spec), question=question, deadline=deadline,
              status=RequestStatus.OPEN.value, disclosed=disclosed, created_at=now, updated_at=now)
    session.add(rfi)
    session.flush()
    audit.record(session, principal, "request.open", now, "request", rfi.id,
                 {"observable": f"{observable.type}:{observable.value}", "target_org": target, "deadline": deadline})
    _notify(session, target, rfi, principal, f"{principal.org_name} asks about {_subject(observable)}, which you hold "
            f"(request {rfi.id}).", now)
    return rfi


def _already_open(session: Session, principal: Principal, observable_id: int) -> set[int]:
    return set(session.scalars(select(RFI.target_org_id).where(
        RFI.requester_org_id == principal.org_id, RFI.observable_id == observable_id, RFI.status == RequestStatus.OPEN.value)))


def _open(session: Session, principal: Principal, observable: Observable, targets: set[int], visible: set[int],
          question: str, deadline: datetime | None, now: datetime) -> list[RFI]:
    require(principal, Permission.WRITE_INTEL)
    text = _check_text(question, "question")
    if deadline is not None and deadline <= now:
        raise InvalidInput("deadline", "is not in the future")
    if not targets:
        raise NotFound("observable", "no other organisation holds information on this identifier")
    fresh = sorted(targets - _already_open(session, principal, observable.id))
    if not fresh:
        raise Conflict("observable", "your organisation already has an open request about this identifier to its holders")
    return [_create(session, principal, observable, t, t in visible, text, deadline, now) for t in fresh]


def open_requests(session: Session, principal: Principal, observable_id: int, question: str, deadline: datetime | None,
                  now: datetime, target_org_id: int | None = None) -> list[RFI]:
    """Open a request about an observable the principal knows of, to ``target_org_id`` or to every other holder.

    A named target must hold a statement on it that the principal may see (so naming an
    organisation cannot probe what it holds); without one, every other organisation holding a
    current statement gets its own request, the ones the principal may not see anonymously.
    Holders already asked (an open request from the same organisation) are skipped.
    Raises NotFound for an observable the principal has no way to know, or nobody else holds;
    Conflict when every holder has an open request already; InvalidInput for an empty question
    or a past deadline; PermissionDenied for roles that may not write.
    """
    observable = session.get(Observable, observable_id)
    if observable is None or not _knows(session, principal, observable_id):
        raise NotFound("observable", f"no observable {observable_id}")
    return _open_to(session, principal, observable, question, deadline, now, target_org_id)


def _open_to(session: Session, principal: Principal, observable: Observable, question: str, deadline: datetime | None,
             now: datetime, target_org_id: int | None) -> list[RFI]:
    visible = _holders(session, observable.id, principal, visible_only=True)
    if target_org_id is not None:
        if target_org_id not in visible:
            raise NotFound("target", "no statement you may see from that organisation on this identifier; "
                                     "leave the target empty to ask every holder")
        return _open(session, principal, observable, {target_org_id}, visible, question, deadline, now)
    targets = _holders(session, observable.id, principal, visible_only=False)
    return _open(session, principal, observable, targets, visible, question, deadline, now)


def open_request(session: Session, principal: Principal, observable_id: int, question: str, deadline: datetime | None,
                 now: datetime, target_org_id: int | None = None) -> RFI:
    """``open_requests`` for callers that link to one request: the first one opened (all appear in the outbox)."""
    return open_requests(session, principal, observable_id, question, deadline, now, target_org_id)[0]


def open_requests_for_value(session: Session, principal: Principal, observable: Observable | None, question: str,
                            deadline: datetime | None, now: datetime, target_org_id: int | None = None) -> list[RFI]:
    """``open_requests`` for an identifier the caller typed in (so knows), already looked up as ``observable``."""
    if observable is None:
        raise NotFound("observable", "no organisation holds information on this identifier")
    return _open_to(session, principal, observable, question, deadline, now, target_org_id)


def open_request_from_match(session: Session, principal: Principal, match_id: int, question: str,
                            deadline: datetime | None, now: datetime) -> RFI:
    """Open a request to the other holder of one of the principal's organisation's match notices, named or not."""
    notice = session.get(Notice, match_id)
    if notice is None or notice.org_id != principal.org_id or notice.kind != MATCH or notice.observable_id is None:
        raise NotFound("match", f"no match {match_id}")
    observable = session.get(Observable, notice.observable_id)
    assert observable is not None and notice.actor_org_id is not None
    holders = _holders(session, observable.id, principal, visible_only=False)
    if notice.actor_org_id not in holders:
        raise NotFound("match", "that organisation no longer holds information on this identifier")
    visible = _holders(session, observable.id, principal, visible_only=True)
    return _open(session, principal, observable, {notice.actor_org_id}, visible, question, deadline, now)[0]


def get_request(session: Session, principal: Principal, request_id: int) -> RFI:
    """The request if the principal's organisation asked or was asked; NotFound otherwise."""
    rfi = session.scalar(select(RFI).where(RFI.id == request_id, gate(principal, RFI)))
    if rfi is None:
        raise NotFound("request", f"no request {request_id}")
    return rfi


def list_requests(session: Session, principal: Principal, box: str, limit: int, status: str | None = None) -> tuple[list[RFI], int]:
    """Requests to (``inbox``) or from (``outbox``) the principal's organisation, newest first; (page, total)."""
    if box not in ("inbox", "outbox"):
        raise InvalidInput("box", "use inbox or outbox")
    side = RFI.target_org_id if box == "inbox" else RFI.requester_org_id
    conditions = [side == principal.org_id, gate(principal, RFI)]
    if status:
        if status not in RequestStatus.__members__.values():
            raise InvalidInput("status", f"'{status}' is not one of {', '.join(RequestStatus)}")
        conditions.append(RFI.status == status)
    total = session.scalar(select(func.count()).select_from(RFI).where(*conditions)) or 0
    rows = list(session.scalars(select(RFI).where(*conditions).order_by(RFI.id.desc()).limit(limit)).unique())
    return rows, total


def messages(session: Session, rfi: RFI) -> list[RequestMessage]:
    """The thread of a request the caller already passed through ``get_request``, oldest first."""
    return list(session.scalars(select(RequestMessage).where(RequestMessage.request_id == rfi.id).order_by(RequestMessage.id)))


def _post(session: Session, principal: Principal, rfi: RFI, kind: str, body: str, now: datetime) -> RequestMessage:
    message = RequestMessage(request_id=rfi.id, author_org_id=principal.org_id, author_user_id=principal.user_id,
                             kind=kind, body=body, created_at=now)
    session.add(message)
    rfi.updated_at = now
    session.flush()
    audit.record(session, principal, f"request.{kind}", now, "request", rfi.id, {"message": message.id})
    return message


def _writable(session: Session, principal: Principal, request_id: int) -> RFI:
    require(principal, Permission.WRITE_INTEL)
    rfi = get_request(session, principal, request_id)
    if rfi.status == RequestStatus.CLOSED.value:
        raise Conflict("status", "the request is closed")
    return rfi


def answer(session: Session, principal: Principal, request_id: int, body: str, now: datetime) -> RequestMessage:
    """The holder answers: the request becomes answered and the requester learns who the holder is."""
    rfi = _writable(session, principal, request_id)
    if principal.org_id != rfi.target_org_id:
        raise PermissionDenied("request", "only the organisation asked may answer; add a message instead")
    message = _post(session, principal, rfi, "answer", _check_text(body, "body"), now)
    rfi.status = RequestStatus.ANSWERED.value
    rfi.disclosed = True
    _notify(session, rfi.requester_org_id, rfi, principal,
            f"{principal.org_name} answered your request about {_subject(rfi.observable)} (request {rfi.id}).", now)
    return message


def add_message(session: Session, principal: Principal, request_id: int, body: str, now: datetime) -> RequestMessage:
    """A follow-up from either side; the request's status stays as it is."""
    rfi = _writable(session, principal, request_id)
    message = _post(session, principal, rfi, "message", _check_text(body, "body"), now)
    if principal.org_id == rfi.requester_org_id:
        _notify(session, rfi.target_org_id, rfi, principal,
                f"{principal.org_name} added to its request about {_subject(rfi.observable)} (request {rfi.id}).", now)
    else:
        _notify(session, rfi.requester_org_id, rfi, principal if rfi.disclosed else None,
                f"{holder_name(rfi, rfi.requester_org_id)} added to your request about {_subject(rfi.observable)} (request {rfi.id}).", now)
    return message


def decline(session: Session, principal: Principal, request_id: int, reason: str, now: datetime) -> RequestMessage:
    """The holder declines an open request; it stays anonymous to the requester unless already disclosed."""
    rfi = _writable(session, principal, request_id)
    if principal.org_id != rfi.target_org_id:
        raise PermissionDenied("request", "only the organisation asked may decline")
    if rfi.status != RequestStatus.OPEN.value:
        raise Conflict("status", f"the request is {rfi.status}, not open")
    message = _post(session, principal, rfi, "decline", _check_text(reason or "Declined.", "reason"), now)
    rfi.status = RequestStatus.DECLINED.value
    _notify(session, rfi.requester_org_id, rfi, principal if rfi.disclosed else None,
            f"{holder_name(rfi, rfi.requester_org_id)} declined your request about {_subject(rfi.observable)} (request {rfi.id}).", now)
    return message


def close(session: Session, principal: Principal, request_id: int, note: str, now: datetime) -> RFI:
    """The requester closes its request; nothing more can be added."""
    rfi = _writable(session, principal, request_id)
    if principal.org_id != rfi.requester_org_id:
        raise PermissionDenied("request", "only the organisation that asked may close the request")
    _post(session, principal, rfi, "close", note.strip() or "Closed.", now)
    rfi.status = RequestStatus.CLOSED.value
    _notify(session, rfi.target_org_id, rfi, principal,
            f"{principal.org_name} closed its request about {_subject(rfi.observable)} (request {rfi.id}).", now)
    return rfi


def holder_name(rfi: RFI, viewer_org_id: int | None) -> str:
    """How the asked organisation appears to ``viewer_org_id``: its name, or "another organisation" until disclosed."""
    if viewer_org_id == rfi.target_org_id or rfi.disclosed:
        return rfi.target.name
    return "Another organisation"


def target_for(rfi: RFI, viewer_org_id: int | None) -> Organisation | None:
    """The asked organisation if ``viewer_org_id`` may know it, else None."""
    return rfi.target if viewer_org_id == rfi.target_org_id or rfi.disclosed else None


def is_overdue(rfi: RFI, now: datetime) -> bool:
    return rfi.status == RequestStatus.OPEN.value and rfi.deadline is not None and rfi.deadline < now


def visible_holders(session: Session, principal: Principal, observable_id: int) -> list[Organisation]:
    """Other organisations holding a statement on the observable that the principal may see, by name."""
    ids = _holders(session, observable_id, principal, visible_only=True)
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))
