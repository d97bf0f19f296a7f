"""The action log: every takedown, freeze, hold, recovery, arrest, search, seizure and victim notification,
recorded against a target. Outcomes are computed from these rows only.

An action is visible when both it and its target pass the gate, so an action never reveals a target
(or its country) that the reader may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, gate
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import InvalidInput
from aspjoc.marking import marking_id_for
from aspjoc.operations import scope
from aspjoc.operations.models import Action, ActionKind, Target
from aspjoc.operations.money import from_micros, parse_currency, to_micros
from aspjoc.operations.schemas import ActionIn
from aspjoc.operations.targets import get_target

K = ActionKind
FUNDS = (K.FUNDS_HELD, K.FUNDS_RECOVERED)
COUNTED = (K.ARREST, K.SEARCH, K.VICTIMS_NOTIFIED, K.ACCOUNT_FROZEN)


def visible_action(principal: Principal) -> ColumnElement[bool]:
    """Condition on Action joined to Target: both the action and its target pass the gate."""
    return and_(gate(principal, Action), gate(principal, Target), Action.target_id == Target.id)


@dataclass(frozen=True)
class Figures:
    quantity: int
    servers: int
    devices: int
    amount_micros: int | None
    currency: str | None


def _figures(kind: ActionKind, data: ActionIn) -> Figures:
    """The figures the kind needs, checked; InvalidInput naming the missing or stray field."""
    if kind in FUNDS:
        if data.amount is None or data.currency is None:
            raise InvalidInput("amount", f"{kind.value} needs an amount and a currency")
        return Figures(1, 0, 0, to_micros(data.amount), parse_currency(data.currency))
    if data.amount is not None:
        raise InvalidInput("amount", f"{kind.value} carries no amount; record funds_held or funds_recovered")
    if kind is K.SEIZURE:
        if data.servers + data.devices < 1:
            raise InvalidInput("servers", "a seizure counts at least one server or device")
        return Figures(1, data.servers, data.devices, None, None)
    if kind in COUNTED:
        if data.quantity < 1:
            raise InvalidInput("quantity", f"{kind.value} counts at least one")
        return Figures(data.quantity, 0, 0, None, None)
    return Figures(1, 0, 0, None, None)


def parse_kind(value: str) -> ActionKind:
    if value not in ActionKind.__members__.values():
        raise InvalidInput("kind", f"'{value}' is not one of {', '.join(ActionKind)}")
    return ActionKind(value)


def record_action(session: Session, principal: Principal, operation_id: int, data: ActionIn, now: datetime) -> Action:
    """Append an action against a visible target of a visible operation (participants only); returns it."""
    require(principal, Permission.WRITE_INTEL)
    kind = parse_kind(data.kind)
    target = get_target(session, principal, operation_id, data.target_id)
    operation = scope.visible_operation(session, principal, operation_id)
    scope.require_participant(principal, operation)
    figures = _figures(kind, data)
    marking_id = marking_id_for(session, scope.marking_for(session, principal, operation, data.marking))
    return append(session, principal, target, kind, figures, marking_id, now, data.occurred_at or now, data.note)


def append(session: Session, actor: Principal, target: Target, kind: ActionKind, figures: Figures, marking_id: int,
           now: datetime, occurred_at: datetime, note: str = "", takedown_id: int | None = None,
           freeze_id: int | None = None) -> Action:
    """Store one action. Callers have checked that ``actor`` may act: a participant on a visible target, or
    the addressee of a takedown or freeze request (which then passes the request's marking)."""
    action = Action(operation_id=target.operation_id, target_id=target.id, kind=kind.value, occurred_at=occurred_at,
                    quantity=figures.quantity, servers=figures.servers, devices=figures.devices,
                    amount_micros=figures.amount_micros, currency=figures.currency, note=note,
                    takedown_id=takedown_id, freeze_id=freeze_id, marking_id=marking_id,
                    owner_org_id=actor.org_id, recorded_by_user_id=actor.user_id, recorded_at=now)
    session.add(action)
    session.flush()
    audit.record(session, actor, "operation.action.create", now, "operation_action", action.id,
                 {"operation": target.operation_id, "target": target.id, "kind": kind.value})
    return action


def list_actions(session: Session, principal: Principal, operation_id: int, target_id: int | None = None) -> list[Action]:
    """Visible actions of a visible operation, newest first."""
    operation = scope.visible_operation(session, principal, operation_id)
    query = select(Action).join(Target, Target.id == Action.target_id).where(
        Action.operation_id == operation.id, visible_action(principal))
    if target_id is not None:
        query = query.where(Action.target_id == target_id)
    return list(session.scalars(query.order_by(Action.occurred_at.desc(), Action.id.desc())).unique())


def action_country(session: Session, action: Action) -> str:
    """The acting country of the action's target (the caller has already passed both through the gate)."""
    return session.scalar(select(Target.acting_country).where(Target.id == action.target_id)) or ""


def amount_of(action: Action) -> Decimal | None:
    return None if action.amount_micros is None else from_micros(action.amount_micros)
