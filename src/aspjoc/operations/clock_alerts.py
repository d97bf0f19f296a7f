"""Alerts before a freeze request's legal clock runs out, and expiry when it has.

``check_clocks(session, now)`` is what a worker (or ``aspjoc operation check-clocks``) runs every few
minutes. It is idempotent: each threshold of each stage alerts once, recorded in ``freeze_alerts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.intel.models import Notice
from aspjoc.operations.clocks import format_left
from aspjoc.operations.models import FreezeAlert, FreezeRequest, FreezeStatus, OPEN_FREEZE
from aspjoc.operations.money import format_amount

DEFAULT_THRESHOLDS = (12.0, 2.0)
EXPIRY = 0


@dataclass(frozen=True)
class ClockAlert:
    freeze_id: int
    stage: str
    threshold_minutes: int
    expired: bool


def _stage(request: FreezeRequest) -> str:
    return "hold" if request.status == FreezeStatus.HELD.value else "freeze"


def _tell(session: Session, request: FreezeRequest, message: str, now: datetime) -> None:
    for org_id in sorted({request.acting_org_id, request.requesting_org_id}):
        session.add(Notice(org_id=org_id, kind="freeze_clock", observable_id=request.observable_id, message=message,
                           created_at=now))


def _what(request: FreezeRequest) -> str:
    return (f"{request.kind.replace('_', '-')} request FR-{request.id} ({format_amount(request.amount_micros, request.currency)} "
            f"on {request.observable.value} at {request.institution_name})")


def _expire(session: Session, request: FreezeRequest, stage: str, now: datetime) -> ClockAlert:
    request.status, request.closed_at, request.updated_at = FreezeStatus.EXPIRED.value, now, now
    session.add(FreezeAlert(freeze_id=request.id, stage=stage, threshold_minutes=EXPIRY, sent_at=now))
    _tell(session, request, f"The {request.acting_country} {stage} clock of {_what(request)} ran out at "
          f"{request.expires_at:%Y-%m-%d %H:%M} UTC; the request has expired.", now)
    audit.record(session, None, "operation.freeze.expired", now, "freeze_request", request.id, {"stage": stage})
    return ClockAlert(request.id, stage, EXPIRY, True)


def _warn(session: Session, request: FreezeRequest, stage: str, thresholds: list[int], sent: set[int],
          now: datetime) -> ClockAlert | None:
    left = request.expires_at - now
    crossed = [t for t in thresholds if left <= timedelta(minutes=t)]
    new = [t for t in crossed if t not in sent]
    if not new:
        return None
    for minutes in new:
        session.add(FreezeAlert(freeze_id=request.id, stage=stage, threshold_minutes=minutes, sent_at=now))
    # A late check that crosses several thresholds at once sends one alert, for the tightest.
    _tell(session, request, f"The {request.acting_country} {stage} clock of {_what(request)}: {format_left(left)} "
          f"(runs out {request.expires_at:%Y-%m-%d %H:%M} UTC).", now)
    return ClockAlert(request.id, stage, min(crossed), False)


def check_clocks(session: Session, now: datetime, thresholds_hours: Sequence[float] = DEFAULT_THRESHOLDS) -> list[ClockAlert]:
    """Alert the acting and requesting organisations of open requests whose clock is within a threshold, and
    expire those whose clock has run out. Returns the alerts created (none twice for the same threshold)."""
    thresholds = sorted({round(h * 60) for h in thresholds_hours if h > 0}, reverse=True)
    horizon = now + timedelta(minutes=thresholds[0] if thresholds else 0)
    due = session.scalars(select(FreezeRequest).where(
        FreezeRequest.status.in_([s.value for s in OPEN_FREEZE]), FreezeRequest.expires_at <= horizon)
        .order_by(FreezeRequest.expires_at, FreezeRequest.id)).unique().all()
    alerts: list[ClockAlert] = []
    for request in due:
        stage = _stage(request)
        if request.expires_at <= now:
            alerts.append(_expire(session, request, stage, now))
            continue
        sent = set(session.scalars(select(FreezeAlert.threshold_minutes).where(
            FreezeAlert.freeze_id == request.id, FreezeAlert.stage == stage)))
        alert = _warn(session, request, stage, thresholds, sent, now)
        if alert is not None:
            alerts.append(alert)
    session.flush()
    return alerts
