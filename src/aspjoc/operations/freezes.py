"""Freeze and stop-payment requests: victim-country agency → destination-country agency → bank or exchange.

Status: requested → acknowledged → frozen → held → recovered, or released, or expired when the clock runs
out. The clock is the acting country's: the freeze window runs from the request, the hold from the moment
the funds are held. Inside an operation, a request on a target records ``account_frozen`` and ``funds_held``
when the funds are first frozen or held, and ``funds_recovered`` on recovery.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from aspjoc.intel.models import Notice
from aspjoc.intel.service import observable_for
from aspjoc.marking import MarkingSpec, TLP, marking_id_for
from aspjoc.observables import canonicalise
from aspjoc.operations import actions, scope
from aspjoc.operations.clocks import clock_for, describe
from aspjoc.operations.models import ActionKind, FreezeRequest, FreezeStatus, OPEN_FREEZE, Operation, Target
from aspjoc.operations.money import format_amount, parse_currency, to_micros
from aspjoc.operations.schemas import FreezeIn, FreezeStatusIn, OpMarkingIn
from aspjoc.operations.targets import get_target

F = FreezeStatus
ACCOUNT_TYPES = ("bank_account", "iban", "crypto_wallet", "phone")
NEXT: dict[str, tuple[str, ...]] = {
    F.REQUESTED: (F.ACKNOWLEDGED, F.FROZEN, F.HELD, F.RELEASED),
    F.ACKNOWLEDGED: (F.FROZEN, F.HELD, F.RELEASED),
    F.FROZEN: (F.HELD, F.RECOVERED, F.RELEASED),
    F.HELD: (F.RECOVERED, F.RELEASED),
}
CLOSED = (F.RECOVERED.value, F.RELEASED.value, F.EXPIRED.value)


def _operation_and_target(session: Session, principal: Principal, data: FreezeIn) -> tuple[Operation | None, Target | None]:
    if data.operation_id is None:
        if data.target_id is not None:
            raise InvalidInput("operation_id", "a target belongs to an operation; give the operation too")
        return None, None
    operation = scope.visible_operation(session, principal, data.operation_id)
    scope.require_participant(principal, operation)
    target = get_target(session, principal, operation.id, data.target_id) if data.target_id is not None else None
    return operation, target


def _marking(session: Session, principal: Principal, operation: Operation | None, data: OpMarkingIn | None,
             parties: tuple[int, ...]) -> MarkingSpec:
    """Inside an operation: its rule plus the parties. Outside: AMBER+STRICT (or the author's RED) to the parties."""
    if operation is not None:
        return scope.marking_for(session, principal, operation, data, extra_orgs=parties)
    assert principal.org_id is not None
    tlp = TLP.RED if data is not None and data.tlp == "red" else TLP.AMBER_STRICT
    return MarkingSpec(principal.org_id, tlp, orgs=frozenset(parties))


def _acting(session: Session, ref: str | int) -> Organisation:
    org = accounts.find_organisation(session, ref)
    if org.kind not in scope.ACTING_KINDS or not org.country:
        raise InvalidInput("acting_org", f"'{org.name}' is not a law-enforcement agency with a country")
    return org


def _notify(session: Session, org_ids: set[int], request: FreezeRequest, message: str, now: datetime) -> None:
    for org_id in sorted(org_ids):
        session.add(Notice(org_id=org_id, kind="freeze_request", observable_id=request.observable_id, message=message,
                           created_at=now))


def create_freeze(session: Session, principal: Principal, data: FreezeIn, now: datetime,
                  default_region: str | None = None) -> FreezeRequest:
    """Store a request under the acting country's legal clock and tell the acting agency (and the bank, when
    it is a partner here). InvalidInput for an account type that cannot be frozen, a country without a clock,
    a bad amount or currency."""
    require(principal, Permission.WRITE_INTEL)
    assert principal.org_id is not None
    operation, target = _operation_and_target(session, principal, data)
    acting = _acting(session, data.acting_org)
    assert acting.country is not None
    institution = accounts.find_organisation(session, data.institution_org) if data.institution_org is not None else None
    canonical = canonicalise(data.account.value, data.account.type, default_region=data.account.country or default_region or principal.country)
    if canonical.type.value not in ACCOUNT_TYPES:
        raise InvalidInput("account.type", f"a {canonical.type.value} cannot be frozen; give a bank account, IBAN, e-wallet (phone) or crypto wallet")
    clock = clock_for(session, acting.country, data.kind)
    micros, currency = to_micros(data.amount), parse_currency(data.currency)
    parties = tuple(sorted({acting.id, *((institution.id,) if institution else ())}))
    marking_id = marking_id_for(session, _marking(session, principal, operation, data.marking, parties))
    request = FreezeRequest(
        operation_id=operation.id if operation else None, target_id=target.id if target else None, kind=data.kind,
        observable_id=observable_for(session, canonical, now).id, requesting_org_id=principal.org_id,
        acting_org_id=acting.id, acting_country=acting.country, institution_name=data.institution_name.strip(),
        institution_org_id=institution.id if institution else None, amount_micros=micros, currency=currency,
        transaction_refs="\n".join(r.strip() for r in data.transaction_refs if r.strip()), note=data.note,
        status=F.REQUESTED.value, clock_freeze_hours=clock.freeze_hours, clock_hold_days=clock.hold_days,
        clock_basis=clock.basis, requested_at=now, expires_at=now + timedelta(hours=clock.freeze_hours),
        marking_id=marking_id, owner_org_id=principal.org_id, created_by_user_id=principal.user_id, updated_at=now)
    session.add(request)
    session.flush()
    _notify(session, set(parties), request, f"Urgent {data.kind.replace('_', '-')} request FR-{request.id} from "
            f"{principal.org_name}: {format_amount(micros, currency)} on {canonical.value} at {request.institution_name}; "
            f"the {acting.country} clock ({describe(clock.freeze_hours, clock.hold_days, data.kind)}) runs out "
            f"{request.expires_at:%Y-%m-%d %H:%M} UTC.", now)
    audit.record(session, principal, "operation.freeze.create", now, "freeze_request", request.id,
                 {"acting_org": acting.id, "amount": str(data.amount), "currency": currency, "kind": data.kind})
    return request


def get_freeze(session: Session, principal: Principal, freeze_id: int) -> FreezeRequest:
    found = session.scalar(select(FreezeRequest).where(FreezeRequest.id == freeze_id, gate(principal, FreezeRequest)))
    if found is None:
        raise NotFound("freeze", f"no freeze request {freeze_id}")
    return found


def list_freezes(session: Session, principal: Principal, open_only: bool = True,
                 operation_id: int | None = None) -> list[FreezeRequest]:
    """Visible requests, the clock that runs out first at the top."""
    query = select(FreezeRequest).where(gate(principal, FreezeRequest))
    if open_only:
        query = query.where(FreezeRequest.status.in_([s.value for s in OPEN_FREEZE]))
    if operation_id is not None:
        query = query.where(FreezeRequest.operation_id == scope.visible_operation(session, principal, operation_id).id)
    return list(session.scalars(query.order_by(FreezeRequest.expires_at, FreezeRequest.id)).unique())


def _may_change(session: Session, principal: Principal, request: FreezeRequest) -> None:
    parties = {request.requesting_org_id, request.acting_org_id, request.institution_org_id}
    if principal.org_id in parties:
        return
    if request.operation_id is not None:
        operation = session.get(Operation, request.operation_id)
        if operation is not None and principal.org_id in (operation.lead_org_id, operation.owner_org_id):
            return
    raise PermissionDenied("freeze", "only the requesting, acting or holding organisation may change this request")


def change_status(session: Session, principal: Principal, freeze_id: int, data: FreezeStatusIn, now: datetime) -> FreezeRequest:
    """Move a visible request on; Conflict for a step its status does not allow (a closed request stays closed)."""
    require(principal, Permission.WRITE_INTEL)
    request = get_freeze(session, principal, freeze_id)
    _may_change(session, principal, request)
    if data.status not in NEXT.get(request.status, ()):
        raise Conflict("status", f"freeze request FR-{request.id} is {request.status}; it cannot become {data.status}")
    amount = to_micros(data.amount) if data.amount is not None else None
    first_hold = request.frozen_at is None and request.held_at is None
    request.status = data.status
    if data.status == F.ACKNOWLEDGED:
        request.acknowledged_at = now
    elif data.status in (F.FROZEN, F.HELD):
        _hold(session, principal, request, amount, first_hold, now)
    elif data.status == F.RECOVERED:
        request.recovered_micros = amount or request.held_micros or request.amount_micros
        request.closed_at = now
        _derive(session, principal, request, ActionKind.FUNDS_RECOVERED, request.recovered_micros, now, data.note)
    else:
        request.closed_at = now
    request.note = "\n".join(t for t in (request.note, data.note.strip()) if t)
    request.updated_at = now
    if principal.org_id != request.requesting_org_id:
        _notify(session, {request.requesting_org_id}, request, f"Freeze request FR-{request.id} is now {request.status} "
                f"({principal.org_name}).", now)
    audit.record(session, principal, "operation.freeze.status", now, "freeze_request", request.id,
                 {"status": data.status, "amount": str(data.amount) if data.amount is not None else None})
    return request


def _hold(session: Session, principal: Principal, request: FreezeRequest, amount: int | None, first: bool, now: datetime) -> None:
    if request.status == F.FROZEN:
        request.frozen_at = now
    else:
        request.held_at = now
        request.expires_at = now + timedelta(days=request.clock_hold_days)
    if amount is not None or request.held_micros is None:
        request.held_micros = amount or request.amount_micros
    if first:
        _derive(session, principal, request, ActionKind.ACCOUNT_FROZEN, None, now, "")
        _derive(session, principal, request, ActionKind.FUNDS_HELD, request.held_micros, now, "")


def _derive(session: Session, principal: Principal, request: FreezeRequest, kind: ActionKind, micros: int | None,
            now: datetime, note: str) -> None:
    """The action-log entry a status step implies, when the request is on an operation's target."""
    if request.target_id is None:
        return
    target = session.get(Target, request.target_id)
    assert target is not None
    figures = actions.Figures(1, 0, 0, micros, request.currency if micros is not None else None)
    actions.append(session, principal, target, kind, figures, request.marking_id, now, now, note, freeze_id=request.id)


def seconds_left(request: FreezeRequest, now: datetime) -> int | None:
    """Seconds until the current stage of the clock runs out (negative once passed); None once closed."""
    if request.status in CLOSED:
        return None
    return int((request.expires_at - now).total_seconds())
