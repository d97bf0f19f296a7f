"""Organisations, users, tokens and sharing groups: creation, lookup and authentication.

Services take a session and never commit; the caller's unit of work does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.models import ApiToken, Organisation, OrgKind, Role, SharingGroup, SharingGroupMember, User
from aspjoc.accounts.passwords import hash_password
from aspjoc.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from aspjoc.countries import is_country

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOKEN_PREFIX = "aspjoc_"


def _choice(value: str, allowed: type[OrgKind] | type[Role], field: str) -> str:
    values = [member.value for member in allowed]
    if value not in values:
        raise InvalidInput(field, f"'{value}' is not one of {', '.join(values)}")
    return value


def add_organisation(session: Session, name: str, country: str | None, kind: str, now: datetime) -> Organisation:
    """Create an organisation; raise Conflict when the name is taken, InvalidInput for a bad country or kind."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", "an organisation needs a name")
    if country:
        country = country.upper()
        if not is_country(country):
            raise InvalidInput("country", f"'{country}' is not an ISO 3166 country code")
    _choice(kind, OrgKind, "kind")
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise Conflict("name", f"an organisation named '{name}' already exists")
    org = Organisation(name=name, country=country or None, kind=kind, created_at=now)
    session.add(org)
    session.flush()
    return org


def find_organisation(session: Session, ref: str | int) -> Organisation:
    """Find by id or exact name; NotFound otherwise."""
    org = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        org = session.get(Organisation, int(ref))
    if org is None:
        org = session.scalar(select(Organisation).where(Organisation.name == str(ref)))
    if org is None:
        raise NotFound("organisation", f"no organisation '{ref}'")
    return org


def add_user(session: Session, email: str, org: Organisation, role: str, password: str | None, now: datetime, name: str = "") -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput("email", f"'{email}' is not an e-mail address")
    _choice(role, Role, "role")
    if password is not None and len(password) < 10:
        raise InvalidInput("password", "must be at least 10 characters")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("email", f"a user '{email}' already exists")
    user = User(email=email, name=name, org_id=org.id, role=role, created_at=now,
                password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, ref: str | int) -> User:
    user = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        user = session.get(User, int(ref))
    if user is None:
        user = session.scalar(select(User).where(User.email == str(ref).strip().lower()))
    if user is None:
        raise NotFound("user", f"no user '{ref}'")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, now: datetime, name: str = "") -> str:
    """Create an API token for ``user`` and return it; only its hash is stored, so it cannot be shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, prefix=token[:12], token_hash=_token_hash(token), created_at=now))
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime) -> User:
    """The active user a bearer token belongs to; AuthenticationFailed otherwise."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token.strip())))
    if row is None or row.revoked_at is not None:
        raise AuthenticationFailed("Authorization", "unknown or revoked token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("Authorization", "the token's user is disabled")
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=5):
        row.last_used_at = now
    return user


def principal_for(session: Session, user: User) -> Principal:
    """The principal the access gate sees for ``user``: its organisation and that organisation's sharing groups."""
    groups = session.scalars(select(SharingGroupMember.group_id).where(SharingGroupMember.org_id == user.org_id)).all()
    org = user.organisation
    return Principal(
        user_id=user.id, org_id=org.id, org_kind=org.kind, role=user.role, email=user.email,
        org_name=org.name, country=org.country, group_ids=frozenset(groups),
    )


def principal_for_org(session: Session, org: Organisation) -> Principal:
    """The principal for ``org`` as a whole: what any of its users may see, less grants to named users."""
    groups = session.scalars(select(SharingGroupMember.group_id).where(SharingGroupMember.org_id == org.id)).all()
    return Principal(org_id=org.id, org_kind=org.kind, role="viewer", org_name=org.name, country=org.country,
                     group_ids=frozenset(groups), whole_organisation=True)


def add_group(session: Session, name: str, owner: Organisation, members: list[Organisation], now: datetime, description: str = "") -> SharingGroup:
    if session.scalar(select(SharingGroup.id).where(SharingGroup.name == name)) is not None:
        raise Conflict("name", f"a sharing group named '{name}' already exists")
    group = SharingGroup(name=name, description=description, owner_org_id=owner.id, created_at=now)
    session.add(group)
    session.flush()
    for org_id in sorted({owner.id, *(m.id for m in members)}):
        session.add(SharingGroupMember(group_id=group.id, org_id=org_id))
    session.flush()
    return group


def find_group(session: Session, ref: str | int) -> SharingGroup:
    group = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        group = session.get(SharingGroup, int(ref))
    if group is None:
        group = session.scalar(select(SharingGroup).where(SharingGroup.name == str(ref)))
    if group is None:
        raise NotFound("group", f"no sharing group '{ref}'")
    return group


def record_account_change(session: Session, actor: Principal | None, action: str, obj: Organisation | User | SharingGroup, now: datetime) -> None:
    audit.record(session, actor, action, now, type(obj).__name__.lower(), obj.id)


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
