"""The demo region's organisations, users and sharing groups.

Every name is fictitious or generic, and every address sits under the reserved
``.test`` domain, so the demo can never be mistaken for a real agency or inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation, OrgKind, Role, User
from aspjoc.accounts.passwords import hash_password
from aspjoc.countries import MEMBER_COUNTRIES, country_name

HUB_NAME = "Regional Cybercrime Coordination Hub"

# key -> (name, kind, country). Keys are how the dataset refers to partners.
PARTNERS: dict[str, tuple[str, OrgKind, str | None]] = {
    "hub": (HUB_NAME, OrgKind.HUB, "SG"),
    "igo_police": ("Example Intergovernmental Policing Organisation", OrgKind.IGO, None),
    "igo_finance": ("Example Regional Financial Intelligence Forum", OrgKind.IGO, None),
    "vendor": ("Example Threat Labs", OrgKind.PRIVATE, "SG"),
    "bank": ("Coral Sea Bank", OrgKind.PRIVATE, "FJ"),
    "telco": ("Islands Telecom", OrgKind.PRIVATE, "TO"),
    "registrar": ("Example Domain Registry", OrgKind.PRIVATE, "SG"),
}

# (e-mail, organisation key, role, display name); a country code as key means that country's unit.
USERS: tuple[tuple[str, str, Role, str], ...] = (
    ("admin@hub.aspjoc.test", "hub", Role.ADMIN, "Hub Administrator"),
    ("analyst@hub.aspjoc.test", "hub", Role.ANALYST, "Hub Analyst"),
    ("investigator@th.aspjoc.test", "TH", Role.INVESTIGATOR, "Thailand Investigator"),
    ("analyst@ph.aspjoc.test", "PH", Role.ANALYST, "Philippines Analyst"),
    ("analyst@id.aspjoc.test", "ID", Role.ANALYST, "Indonesia Analyst"),
    ("investigator@my.aspjoc.test", "MY", Role.INVESTIGATOR, "Malaysia Investigator"),
    ("analyst@kh.aspjoc.test", "KH", Role.ANALYST, "Cambodia Analyst"),
    ("analyst@fj.aspjoc.test", "FJ", Role.ANALYST, "Fiji Analyst"),
    ("viewer@to.aspjoc.test", "TO", Role.VIEWER, "Tonga Viewer"),
    ("partner@vendor.aspjoc.test", "vendor", Role.PARTNER, "Vendor Analyst"),
    ("partner@bank.aspjoc.test", "bank", Role.PARTNER, "Bank Fraud Analyst"),
    ("partner@telco.aspjoc.test", "telco", Role.PARTNER, "Telco Fraud Analyst"),
)

PACIFIC = ("FJ", "TO", "WS", "VU", "SB", "KI", "NR", "MH", "PG")
MEKONG = ("TH", "KH", "LA", "VN", "MY")
FINANCIAL = ("bank", "TH", "MY", "PH", "SG", "ID", "FJ")

# name -> (member keys, description); the hub owns every group and is always a member.
GROUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "Pacific Islands trust circle": (PACIFIC, "National units of the Pacific island members and the hub."),
    "Mekong investment-scam task force": (MEKONG, "Units working the scam compounds of the Mekong region."),
    "Financial partners": (FINANCIAL, "Units and banks that freeze and trace mule accounts."),
}


def unit_name(country: str) -> str:
    return f"{country_name(country)} National Cybercrime Unit"


def demo_org_names() -> list[str]:
    return [unit_name(c) for c in MEMBER_COUNTRIES] + [name for name, _, _ in PARTNERS.values()]


@dataclass(frozen=True)
class Region:
    """The stored demo organisations, users and groups, by the keys the dataset uses."""

    orgs: dict[str, Organisation]
    users: dict[str, User]
    groups: dict[str, int]

    def org_id(self, key: str) -> int:
        return self.orgs[key].id

    def user_of(self, key: str) -> User | None:
        """The first demo user of organisation ``key`` (author of its statements), or None."""
        org_id = self.orgs[key].id
        return next((u for u in self.users.values() if u.org_id == org_id), None)


def build_region(session: Session, now: datetime, password: str) -> Region:
    """Create the organisations, users (all with ``password``) and sharing groups."""
    orgs: dict[str, Organisation] = {}
    for country in MEMBER_COUNTRIES:
        orgs[country] = accounts.add_organisation(session, unit_name(country), country, OrgKind.LAW_ENFORCEMENT, now)
    for key, (name, kind, partner_country) in PARTNERS.items():
        orgs[key] = accounts.add_organisation(session, name, partner_country, kind, now)
    # argon2 costs tens of milliseconds per hash; every demo user shares one password, so hash it once.
    password_hash = hash_password(password)
    users: dict[str, User] = {}
    for email, key, role, name in USERS:
        user = accounts.add_user(session, email, orgs[key], role, None, now, name=name)
        user.password_hash = password_hash
        users[email] = user
    groups: dict[str, int] = {}
    for name, (members, description) in GROUPS.items():
        group = accounts.add_group(session, name, orgs["hub"], [orgs[m] for m in members], now, description)
        groups[name] = group.id
    session.flush()
    return Region(orgs, users, groups)


def count_demo_accounts(session: Session) -> tuple[int, int]:
    """(demo organisations, demo users) present in the database."""
    orgs = session.scalar(select(func.count()).select_from(Organisation)
                          .where(Organisation.name.in_(demo_org_names()))) or 0
    users = session.scalar(select(func.count()).select_from(User)
                           .where(User.email.in_([email for email, *_ in USERS]))) or 0
    return orgs, users


def demo_sign_ins(session: Session) -> list[tuple[str, str]]:
    """(e-mail, organisation name) of each demo user present, in the roster's order."""
    rows = session.execute(select(User.email, Organisation.name).join(Organisation, Organisation.id == User.org_id)
                           .where(User.email.in_([email for email, *_ in USERS]))).all()
    found = {email: org for email, org in rows}
    return [(email, found[email]) for email, *_ in USERS if email in found]
