"""What a product covers: a period, optionally some countries and one crime type; and the SQL pieces over it.

Definitions every section shares:

* a statement is *in the period* when it was first seen in it (``first_seen`` from the first day
  00:00 UTC to the day after the last day, exclusive), so monthly figures add up to the total;
* a statement is *in the countries* when its owner organisation is of one of them or its
  observable belongs to one of them (a phone number's or bank account's country): a Malaysian
  mule account reported by Thailand counts for both;
* the *reporting country* of a statement is its owner organisation's country ("—" when the
  owner has none, such as an intergovernmental organisation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, cast, func, or_, select
from sqlalchemy.orm import Session

from aspjoc.accounts.models import Organisation
from aspjoc.countries import is_country
from aspjoc.errors import InvalidInput
from aspjoc.intel.models import CrimeType, Observable, Statement

MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Scope:
    """A period (both days included), the countries (empty: all) and the crime type (None: all)."""

    start: date
    end: date
    countries: tuple[str, ...] = ()
    crime_type: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("to", f"the period ends ({self.end}) before it starts ({self.start})")
        if (self.end - self.start).days > MAX_DAYS:
            raise InvalidInput("to", f"a period may cover at most {MAX_DAYS} days")
        for code in self.countries:
            if not is_country(code):
                raise InvalidInput("countries", f"'{code}' is not an ISO 3166 country code")
        if self.crime_type is not None and self.crime_type not in CrimeType.__members__.values():
            raise InvalidInput("crime_type", f"'{self.crime_type}' is not one of {', '.join(CrimeType)}")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    def previous(self) -> Scope:
        """The period of the same length just before this one (for trends)."""
        days = (self.end - self.start).days + 1
        return Scope(self.start - timedelta(days=days), self.start - timedelta(days=1), self.countries, self.crime_type)

    def months(self) -> list[str]:
        """Every month the period touches, as ``YYYY-MM``, in order."""
        out: list[str] = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def statements_joined(*columns: Any) -> Select[Any]:
    """SELECT ``columns`` FROM statements joined to their observable and owner organisation."""
    return (select(*columns).select_from(Statement)
            .join(Observable, Observable.id == Statement.observable_id)
            .join(Organisation, Organisation.id == Statement.owner_org_id))


def scope_conditions(scope: Scope, since: datetime | None = None) -> list[ColumnElement[bool]]:
    """Conditions for current statements of ``scope`` (first seen from ``since``, default the period start)."""
    conditions: list[ColumnElement[bool]] = [
        Statement.withdrawn.is_(False),
        Statement.first_seen >= (since or scope.since),
        Statement.first_seen < scope.until,
    ]
    if scope.crime_type:
        conditions.append(Statement.crime_type == scope.crime_type)
    if scope.countries:
        conditions.append(or_(Organisation.country.in_(scope.countries), Observable.country.in_(scope.countries)))
    return conditions


class Dialect:
    """SQL expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, session: Session) -> None:
        bind = session.get_bind()
        self.name = bind.dialect.name

    def month(self, column: Any) -> ColumnElement[str]:
        """``YYYY-MM`` of a timestamp column (UTC)."""
        if self.name == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM")
        # SQLite keeps timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (db.UTCDateTime): the month is the first 7 characters.
        return func.substr(column, 1, 7)

    def after_first_dot(self, column: Any) -> ColumnElement[str]:
        """The text after the first '.': a registered domain's public suffix (its top-level domain)."""
        if self.name == "postgresql":
            return func.substring(column, func.strpos(column, ".") + 1)
        return func.substr(column, func.instr(column, ".") + 1)

    def before_first_colon(self, column: Any) -> ColumnElement[str]:
        """The text before the first ':': a wallet's chain (``tron:T...``)."""
        if self.name == "postgresql":
            return func.split_part(column, ":", 1)
        return func.substr(column, 1, func.instr(column, ":") - 1)

    @staticmethod
    def network24(column: Any) -> ColumnElement[int]:
        """The /24 network number of an IPv4 address stored as an integer."""
        return cast(column / 256, Integer)
