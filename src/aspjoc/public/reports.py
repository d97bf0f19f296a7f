"""Scam reports from the public: read the form, route to the national unit, state and correlate.

The report goes to the law-enforcement organisation of the reporter's country (the hub when
there is none). Each identifier found in it becomes a ``victim`` statement owned by that unit,
marked AMBER with the unit as its only recipient, and is correlated at once so that other
holders of the same identifier hear of a match (as far as their markings allow).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.accounts.models import Organisation, OrgKind
from aspjoc.countries import is_country
from aspjoc.errors import InvalidInput, InvalidObservable
from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.models import CrimeType, Statement, StatementKind
from aspjoc.intel.service import RETENTION, observable_for
from aspjoc.marking import TLP, MarkingSpec, marking_id_for
from aspjoc.observables import Canonical, ObservableType, canonicalise, extract
from aspjoc.operations.money import format_amount, parse_currency, to_micros
from aspjoc.public.models import PublicReport, PublicReportIdentifier
from aspjoc.public.references import new_reference

MAX_IDENTIFIERS = 40
NARRATIVE_MAX = 5000
# Nobody can vouch for an anonymous report until it is triaged: Admiralty F6, low confidence.
RELIABILITY, CREDIBILITY, CONFIDENCE = "F", 6, 30
# A range or a file hash from the public is no identifier of a scam to act on.
NOT_FROM_THE_PUBLIC = frozenset({ObservableType.cidr, ObservableType.md5, ObservableType.sha1, ObservableType.sha256})


@dataclass(frozen=True)
class ReportIn:
    narrative: str
    country: str | None
    language: str
    occurred_on: date | None = None
    crime_type: str | None = None
    amount_micros: int | None = None
    currency: str | None = None
    identifiers_text: str = ""
    bank_code: str = ""
    account_number: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


def _text(form: Mapping[str, str], name: str, limit: int) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise InvalidInput(name, f"is longer than {limit} characters")
    return value


def _date(text: str, today: date) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("occurred_on", "is not a date (YYYY-MM-DD)") from exc
    if day > today:
        raise InvalidInput("occurred_on", "is in the future")
    return day


def read_form(form: Mapping[str, str], language: str, today: date) -> ReportIn:
    """The report in ``form``; InvalidInput naming the field at fault."""
    narrative = _text(form, "narrative", NARRATIVE_MAX)
    if not narrative:
        raise InvalidInput("narrative", "say briefly what happened")
    country = _text(form, "country", 2).upper() or None
    if country is not None and not is_country(country):
        raise InvalidInput("country", f"'{country}' is not a country code")
    crime_type = _text(form, "crime_type", 32) or None
    if crime_type is not None and crime_type not in CrimeType.__members__.values():
        raise InvalidInput("crime_type", f"'{crime_type}' is not a kind of scam this form offers")
    amount_text = _text(form, "amount", 40)
    amount = to_micros(amount_text, "amount") if amount_text else None
    currency = parse_currency(_text(form, "currency", 8), "currency") if amount else None
    email = _text(form, "contact_email", 254)
    if email and "@" not in email:
        raise InvalidInput("contact_email", "is not an e-mail address")
    return ReportIn(
        narrative=narrative, country=country, language=language, occurred_on=_date(_text(form, "occurred_on", 10), today),
        crime_type=crime_type, amount_micros=amount, currency=currency,
        identifiers_text=_text(form, "identifiers", 4000), bank_code=_text(form, "bank_code", 15),
        account_number=_text(form, "account_number", 40), contact_name=_text(form, "contact_name", 200),
        contact_email=email, contact_phone=_text(form, "contact_phone", 40),
    )


def _bank_account(data: ReportIn) -> Canonical | None:
    if not data.bank_code and not data.account_number:
        return None
    if not data.bank_code or not data.account_number:
        raise InvalidInput("bank_code" if not data.bank_code else "account_number", "give both the bank code and the account number")
    if data.country is None:
        raise InvalidInput("country", "choose your country so the bank account can be read")
    try:
        return canonicalise(f"{data.country}:{data.bank_code}:{data.account_number}", ObservableType.bank_account)
    except InvalidObservable as exc:
        raise InvalidInput("account_number", exc.reason) from exc


def identifiers(data: ReportIn) -> list[Canonical]:
    """The identifiers in the report, canonical and de-duplicated: each line of the identifiers box read
    whole first (so '081 234 5678' is one phone number), then whatever ``extract`` finds in the rest.
    """
    found: list[Canonical] = []
    rest: list[str] = [data.narrative]
    for line in data.identifiers_text.splitlines():
        if not line.strip():
            continue
        try:
            found.append(canonicalise(line, default_region=data.country))
        except InvalidObservable:
            rest.append(line)
    found += extract("\n".join(rest), default_region=data.country)
    account = _bank_account(data)
    if account is not None:
        found.append(account)
    unique = {(c.type, c.value): c for c in found if c.type not in NOT_FROM_THE_PUBLIC}
    return list(unique.values())[:MAX_IDENTIFIERS]


def receiving_unit(session: Session, country: str | None) -> Organisation:
    """The national unit (law enforcement) of ``country``, else the hub; InvalidInput when neither exists."""
    if country:
        unit = session.scalar(select(Organisation).where(
            Organisation.kind == OrgKind.LAW_ENFORCEMENT.value, Organisation.country == country).order_by(Organisation.id))
        if unit is not None:
            return unit
    hub = session.scalar(select(Organisation).where(Organisation.kind == OrgKind.HUB.value).order_by(Organisation.id))
    if hub is None:
        raise InvalidInput("country", "no unit can receive reports yet; please contact your local police")
    return hub


def _unique_reference(session: Session, now: datetime) -> str:
    while True:
        reference = new_reference("SR", now)
        if session.scalar(select(PublicReport.id).where(PublicReport.reference == reference)) is None:
            return reference


def _description(data: ReportIn, reference: str) -> str:
    loss = f" Loss reported: {format_amount(data.amount_micros, data.currency)}." if data.amount_micros else ""
    return f"Scam reported by a member of the public ({reference}).{loss} {data.narrative[:1000]}"


def submit(session: Session, data: ReportIn, now: datetime) -> PublicReport:
    """Store the report for its receiving unit with one victim statement per identifier, and correlate them."""
    found = identifiers(data)
    unit = receiving_unit(session, data.country)
    marking_id = marking_id_for(session, MarkingSpec(unit.id, TLP.AMBER, orgs=frozenset({unit.id})))
    reference = _unique_reference(session, now)
    report = PublicReport(
        reference=reference, org_id=unit.id, marking_id=marking_id, country=data.country, language=data.language,
        crime_type=data.crime_type, narrative=data.narrative, identifiers_text=data.identifiers_text,
        occurred_on=data.occurred_on, amount_micros=data.amount_micros, currency=data.currency,
        contact_name=data.contact_name, contact_email=data.contact_email, contact_phone=data.contact_phone,
        created_at=now, updated_at=now)
    session.add(report)
    session.flush()
    seen = datetime.combine(data.occurred_on, time(0), UTC) if data.occurred_on else now
    statement_ids: list[int] = []
    for canonical in found:
        observable = observable_for(session, canonical, now)
        statement = Statement(
            observable_id=observable.id, owner_org_id=unit.id, marking_id=marking_id, kind=StatementKind.VICTIM.value,
            crime_type=data.crime_type, confidence=CONFIDENCE, reliability=RELIABILITY, credibility=CREDIBILITY,
            first_seen=seen, last_seen=seen, retention_until=now + RETENTION, sightings=1,
            source=f"public report {reference}", description=_description(data, reference),
            created_at=now, updated_at=now)
        session.add(statement)
        session.flush()
        session.add(PublicReportIdentifier(report_id=report.id, observable_id=observable.id, statement_id=statement.id))
        statement_ids.append(statement.id)
    session.flush()
    audit.record(session, None, "public_report.create", now, "public_report", report.id,
                 {"reference": reference, "org": unit.id, "identifiers": len(statement_ids)})
    correlate(session, statement_ids, now)
    return report
