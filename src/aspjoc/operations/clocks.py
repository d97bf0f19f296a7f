"""Per-country legal clocks for freezes and stop-payments, and how time left is shown.

The ``legal_clocks`` table is seeded by the migration with illustrative defaults (Thailand: a 72-hour bank
freeze, then a hold of up to 7 days; other members 48 hours for a freeze, 24 for a stop-payment, then 7 days).
They are placeholders, not legal advice: administrators set each country's real figures. A request copies
the clock it was made under, so a later change does not move a running clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.permissions import Permission, require
from aspjoc.countries import is_country
from aspjoc.errors import InvalidInput
from aspjoc.operations.models import FreezeKind, LegalClock
from aspjoc.operations.schemas import LegalClockIn


def _kind(value: str) -> str:
    if value not in FreezeKind.__members__.values():
        raise InvalidInput("kind", f"'{value}' is not one of {', '.join(FreezeKind)}")
    return value


def clock_for(session: Session, country: str, kind: str) -> LegalClock:
    """The clock of ``country`` for ``kind``; InvalidInput when none is configured."""
    found = session.scalar(select(LegalClock).where(LegalClock.country == country.upper(), LegalClock.kind == _kind(kind)))
    if found is None:
        raise InvalidInput("acting_org", f"no legal clock for a {kind.replace('_', '-')} in {country}; an administrator "
                                         "adds it on the legal clocks page")
    return found


def list_clocks(session: Session) -> list[LegalClock]:
    return list(session.scalars(select(LegalClock).order_by(LegalClock.country, LegalClock.kind)))


def set_clock(session: Session, principal: Principal, country: str, kind: str, data: LegalClockIn, now: datetime) -> LegalClock:
    """Create or change one country's clock (administrators only); it is no longer marked illustrative."""
    require(principal, Permission.MANAGE_ACCOUNTS)
    code = country.strip().upper()
    if not is_country(code):
        raise InvalidInput("country", f"'{country}' is not an ISO 3166 country code")
    clock = session.scalar(select(LegalClock).where(LegalClock.country == code, LegalClock.kind == _kind(kind)))
    if clock is None:
        clock = LegalClock(country=code, kind=kind)
        session.add(clock)
    clock.freeze_hours, clock.hold_days, clock.basis = data.freeze_hours, data.hold_days, data.basis.strip()
    clock.illustrative, clock.updated_at, clock.updated_by_user_id = False, now, principal.user_id
    session.flush()
    audit.record(session, principal, "operation.legal_clock.set", now, "legal_clock", clock.id,
                 {"country": code, "kind": kind, "freeze_hours": data.freeze_hours, "hold_days": data.hold_days})
    return clock


def describe(freeze_hours: int, hold_days: int, kind: str) -> str:
    """'freeze 72 h, then hold up to 7 days' style text."""
    stage = "stop-payment" if kind == FreezeKind.STOP_PAYMENT.value else "freeze"
    return f"{stage} {freeze_hours} h, then hold up to {hold_days} day{'s' if hold_days != 1 else ''}"


def format_left(left: timedelta) -> str:
    """Hours and minutes: '61 h 05 min left', or 'expired 2 h 10 min ago'. Seconds are dropped, rounding down."""
    seconds = int(left.total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    text = f"{hours} h {minutes:02d} min"
    return f"{text} left" if seconds >= 0 else f"expired {text} ago"
