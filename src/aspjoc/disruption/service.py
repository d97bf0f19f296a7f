"""Subscriptions: create, change, list, find, rotate tokens, delete; who may manage them.

Admins and analysts of hub and law-enforcement organisations manage block lists, for their own
organisation or for a partner (a bank, a telco, a registrar). A subscription is visible to the
organisation that manages it; offline deliveries made from the command line (no managing
organisation) are visible to hub staff. Anything else answers NotFound, as if it did not exist.
What a list holds never depends on who manages it: it is always what the subscriber organisation
may receive (``selection``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation, OrgKind, Role
from aspjoc.disruption import formats
from aspjoc.disruption.models import Entry, Subscription
from aspjoc.disruption.selection import Selection, build_selection
from aspjoc.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied

TOKEN_PREFIX = "aspjoc_feed_"
MANAGER_KINDS = frozenset({OrgKind.HUB.value, OrgKind.LAW_ENFORCEMENT.value})
MANAGER_ROLES = frozenset({Role.ADMIN.value, Role.ANALYST.value})


@dataclass(frozen=True)
class SubscriptionData:
    """What a manager fills in; ``owners`` are organisation ids or names."""

    name: str
    subscriber: str | int
    format: str
    crime_types: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    min_score: int | None = None
    max_age_days: int | None = None
    owners: tuple[str | int, ...] = ()


def may_manage(principal: Principal) -> bool:
    return (principal.authenticated and principal.org_kind in MANAGER_KINDS and principal.role in MANAGER_ROLES
            and not principal.whole_organisation)


def require_manager(principal: Principal) -> None:
    """Raise unless ``principal`` is an admin or analyst of a hub or law-enforcement organisation."""
    if not principal.authenticated:
        raise AuthenticationFailed("Authorization", "sign in first")
    if not may_manage(principal):
        raise PermissionDenied("role", "block lists are managed by admins and analysts of hub and law-enforcement "
                                       "organisations")


def managed_by(principal: Principal) -> ColumnElement[bool]:
    """The condition on subscriptions ``principal`` manages."""
    own = Subscription.managed_by_org_id == principal.org_id
    if principal.org_kind == OrgKind.HUB.value:
        return or_(own, Subscription.managed_by_org_id.is_(None))
    return own


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def _new_token(subscription: Subscription) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    subscription.token_hash = token_hash(token)
    subscription.token_prefix = token[:16]
    return token


def _apply(session: Session, subscription: Subscription, data: SubscriptionData) -> None:
    name = data.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name", "give the block list a name of 1 to 200 characters")
    spec = formats.get(data.format)
    try:
        owners = [accounts.find_organisation(session, ref).id for ref in data.owners]
    except NotFound as exc:
        raise InvalidInput("owners", exc.reason) from exc
    selection = build_selection(list(data.crime_types), list(data.types), data.min_score, data.max_age_days, owners,
                                spec.types)
    try:
        subscriber = accounts.find_organisation(session, data.subscriber)
    except NotFound as exc:
        raise InvalidInput("subscriber", exc.reason) from exc
    subscription.name = name
    subscription.format = spec.name
    subscription.selection = selection.to_json()
    subscription.subscriber_org_id = subscriber.id


def _check_unique(session: Session, subscription: Subscription) -> None:
    clash = session.scalar(select(Subscription.id).where(
        Subscription.name == subscription.name, Subscription.id != (subscription.id or 0),
        Subscription.managed_by_org_id.is_(None) if subscription.managed_by_org_id is None
        else Subscription.managed_by_org_id == subscription.managed_by_org_id))
    if clash is not None:
        raise Conflict("name", f"a block list named '{subscription.name}' already exists")


def create(session: Session, principal: Principal, data: SubscriptionData, now: datetime) -> tuple[Subscription, str]:
    """A new subscription managed by the principal's organisation, and its feed token (shown once, stored hashed)."""
    require_manager(principal)
    subscription = Subscription(managed_by_org_id=principal.org_id, created_by_user_id=principal.user_id,
                                created_at=now, updated_at=now, serial=0, entry_count=0, active=True)
    _apply(session, subscription, data)
    _check_unique(session, subscription)
    token = _new_token(subscription)
    session.add(subscription)
    session.flush()
    audit.record(session, principal, "blocklist.create", now, "blocklist_subscription", subscription.id,
                 {"name": subscription.name, "subscriber": subscription.subscriber_org_id, "format": subscription.format,
                  "selection": subscription.selection})
    return subscription, token


def create_offline(session: Session, data: SubscriptionData, now: datetime) -> Subscription:
    """The offline delivery named ``data.name`` for the subscriber, made or updated to ``data`` (no token, no URL).

    Re-using the name for the next delivery keeps the entries, so the removed-since list tells the
    receiver what to unblock.
    """
    org = accounts.find_organisation(session, data.subscriber)
    found = session.scalar(select(Subscription).where(
        Subscription.name == data.name.strip(), Subscription.managed_by_org_id.is_(None),
        Subscription.subscriber_org_id == org.id))
    subscription = found or Subscription(managed_by_org_id=None, created_at=now, serial=0, entry_count=0, active=True,
                                         token_hash=None, token_prefix="")
    _apply(session, subscription, data)
    subscription.updated_at = now
    if found is None:
        _check_unique(session, subscription)
        session.add(subscription)
        session.flush()
    return subscription


def find(session: Session, principal: Principal, subscription_id: int) -> Subscription:
    """The subscription if ``principal`` manages it; NotFound otherwise (and PermissionDenied for non-managers)."""
    require_manager(principal)
    found = session.scalar(select(Subscription).where(Subscription.id == subscription_id, managed_by(principal)))
    if found is None:
        raise NotFound("subscription", f"no block list {subscription_id}")
    return found


def list_managed(session: Session, principal: Principal) -> list[Subscription]:
    require_manager(principal)
    return list(session.scalars(select(Subscription).where(managed_by(principal))
                                .order_by(Subscription.name, Subscription.id)).unique())


def update(session: Session, principal: Principal, subscription: Subscription, data: SubscriptionData,
           now: datetime) -> None:
    """Change name, subscriber, format or selection; the next refresh moves entries on or off the list."""
    _apply(session, subscription, data)
    _check_unique(session, subscription)
    subscription.updated_at = now
    audit.record(session, principal, "blocklist.update", now, "blocklist_subscription", subscription.id,
                 {"name": subscription.name, "subscriber": subscription.subscriber_org_id, "format": subscription.format,
                  "selection": subscription.selection})


def rotate_token(session: Session, principal: Principal, subscription: Subscription, now: datetime) -> str:
    """A new feed token; the old one stops working at once."""
    token = _new_token(subscription)
    subscription.updated_at = now
    audit.record(session, principal, "blocklist.token", now, "blocklist_subscription", subscription.id)
    return token


def set_active(session: Session, principal: Principal, subscription: Subscription, active: bool, now: datetime) -> None:
    """Pause (the feed answers 404) or resume a subscription."""
    subscription.active = active
    subscription.updated_at = now
    audit.record(session, principal, "blocklist.resume" if active else "blocklist.pause", now,
                 "blocklist_subscription", subscription.id)


def delete(session: Session, principal: Principal, subscription: Subscription, now: datetime) -> None:
    """Delete a subscription and its entries: the feed URL answers 404 from now on.

    Its removed-since history goes too, so the audit entry keeps what the subscriber last
    loaded (serial, entry count) for whoever must tell the subscriber to drop the list.
    """
    audit.record(session, principal, "blocklist.delete", now, "blocklist_subscription", subscription.id,
                 {"name": subscription.name, "subscriber": subscription.subscriber_org_id, "format": subscription.format,
                  "serial": subscription.serial, "entries": subscription.entry_count})
    session.execute(sql_delete(Entry).where(Entry.subscription_id == subscription.id))
    session.delete(subscription)
    session.flush()


def for_token(session: Session, subscription_id: int, token: str | None) -> Subscription:
    """The active subscription ``subscription_id`` if ``token`` is its feed token.

    AuthenticationFailed when no token is given; NotFound when the token is wrong, belongs to
    another subscription, or the subscription is unknown, paused or offline-only (all alike).
    """
    if not token:
        raise AuthenticationFailed("token", "send the feed token as ?token= or 'Authorization: Bearer <token>'")
    found = session.get(Subscription, subscription_id)
    given = token_hash(token)
    if found is None or not found.active or found.token_hash is None or not hmac.compare_digest(found.token_hash, given):
        raise NotFound("subscription", f"no block list {subscription_id} for this token")
    return found


def selection_of(subscription: Subscription) -> Selection:
    return Selection.from_json(subscription.selection)


def feed_path(subscription: Subscription) -> str:
    """The stable path of the subscription's list, e.g. ``/feeds/3/rpz``."""
    return f"/feeds/{subscription.id}/{formats.get(subscription.format).ext}"


def owner_names(session: Session, subscription: Subscription) -> list[str]:
    """Names of the owner organisations the selection is limited to ([] for any owner)."""
    ids = selection_of(subscription).owners
    if not ids:
        return []
    return list(session.scalars(select(Organisation.name).where(Organisation.id.in_(ids)).order_by(Organisation.name)))
