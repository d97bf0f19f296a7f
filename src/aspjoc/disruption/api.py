"""REST routes to manage block-list subscriptions under /api/v1/blocklists (the lists themselves are at /feeds/)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from aspjoc.disruption import service
from aspjoc.disruption.models import Subscription
from aspjoc.disruption.refresh import refresh
from aspjoc.disruption.schemas import (
    OrgRef, RefreshOut, SelectionIn, SubscriptionCreated, SubscriptionIn, SubscriptionOut, TokenOut,
)
from aspjoc.web.deps import DbSession, Now, SignedIn

router = APIRouter(tags=["block lists"])


def data_of(body: SubscriptionIn) -> service.SubscriptionData:
    s = body.selection
    return service.SubscriptionData(name=body.name, subscriber=body.subscriber, format=body.format,
                                    crime_types=tuple(s.crime_types), types=tuple(s.types), min_score=s.min_score,
                                    max_age_days=s.max_age_days, owners=tuple(s.owners))


def out(subscription: Subscription) -> SubscriptionOut:
    chosen = service.selection_of(subscription)
    return SubscriptionOut(
        id=subscription.id, name=subscription.name,
        subscriber=OrgRef(id=subscription.subscriber.id, name=subscription.subscriber.name),
        format=subscription.format, url=service.feed_path(subscription),
        selection=SelectionIn(crime_types=list(chosen.crime_types), types=list(chosen.types), min_score=chosen.min_score,
                              max_age_days=chosen.max_age_days, owners=list(chosen.owners)),
        active=subscription.active, serial=subscription.serial, entries=subscription.entry_count,
        refreshed_at=subscription.refreshed_at, token_prefix=subscription.token_prefix, created_at=subscription.created_at)


@router.get("/blocklists", response_model=list[SubscriptionOut])
def list_blocklists(principal: SignedIn, session: DbSession) -> list[SubscriptionOut]:
    """The block lists the caller's organisation manages."""
    return [out(s) for s in service.list_managed(session, principal)]


@router.post("/blocklists", status_code=201, response_model=SubscriptionCreated)
def create_blocklist(body: SubscriptionIn, principal: SignedIn, session: DbSession, now: Now) -> SubscriptionCreated:
    """Create a subscription; the answer holds the feed token, which is not shown again."""
    subscription, token = service.create(session, principal, data_of(body), now)
    return SubscriptionCreated(**out(subscription).model_dump(), token=token)


@router.get("/blocklists/{subscription_id}", response_model=SubscriptionOut)
def get_blocklist(subscription_id: int, principal: SignedIn, session: DbSession) -> SubscriptionOut:
    return out(service.find(session, principal, subscription_id))


@router.put("/blocklists/{subscription_id}", response_model=SubscriptionOut)
def update_blocklist(subscription_id: int, body: SubscriptionIn, principal: SignedIn, session: DbSession,
                     now: Now) -> SubscriptionOut:
    """Change the name, subscriber, format or selection; entries follow at the next refresh."""
    subscription = service.find(session, principal, subscription_id)
    service.update(session, principal, subscription, data_of(body), now)
    return out(subscription)


@router.post("/blocklists/{subscription_id}/refresh", response_model=RefreshOut)
def refresh_blocklist(subscription_id: int, principal: SignedIn, session: DbSession, now: Now) -> RefreshOut:
    """Refresh the list now; the serial grows only when the list changed."""
    subscription = service.find(session, principal, subscription_id)
    result = refresh(session, subscription, now, principal)
    return RefreshOut(serial=result.serial, added=result.added, removed=result.removed, changed=result.changed,
                      entries=result.entries)


@router.post("/blocklists/{subscription_id}/token", response_model=TokenOut)
def rotate_blocklist_token(subscription_id: int, principal: SignedIn, session: DbSession, now: Now) -> TokenOut:
    """A new feed token; the old one stops working at once."""
    subscription = service.find(session, principal, subscription_id)
    return TokenOut(token=service.rotate_token(session, principal, subscription, now))


@router.post("/blocklists/{subscription_id}/pause", response_model=SubscriptionOut)
def pause_blocklist(subscription_id: int, principal: SignedIn, session: DbSession, now: Now) -> SubscriptionOut:
    """Stop serving the list (its URL answers 404) until resumed."""
    subscription = service.find(session, principal, subscription_id)
    service.set_active(session, principal, subscription, False, now)
    return out(subscription)


@router.post("/blocklists/{subscription_id}/resume", response_model=SubscriptionOut)
def resume_blocklist(subscription_id: int, principal: SignedIn, session: DbSession, now: Now) -> SubscriptionOut:
    subscription = service.find(session, principal, subscription_id)
    service.set_active(session, principal, subscription, True, now)
    return out(subscription)


@router.delete("/blocklists/{subscription_id}", status_code=204)
def delete_blocklist(subscription_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    service.delete(session, principal, service.find(session, principal, subscription_id), now)
    return Response(status_code=204)
