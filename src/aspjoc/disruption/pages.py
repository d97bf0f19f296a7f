"""Console pages to manage block lists: list, create (the token is shown once), view, change, refresh, pause."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation
from aspjoc.disruption import formats, service
from aspjoc.disruption.models import Entry, Subscription
from aspjoc.disruption.refresh import refresh
from aspjoc.disruption.selection import CRIME_BITS
from aspjoc.errors import Conflict, InvalidInput
from aspjoc.observables import ObservableType
from aspjoc.web.deps import DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Block lists", "/feeds")]


def _number(form: FormData, name: str) -> int | None:
    text = str(form.get(name, "")).strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(name, "must be a whole number")
    return int(text)


def _data(form: FormData) -> service.SubscriptionData:
    """The subscription the form describes; InvalidInput names the field at fault."""
    return service.SubscriptionData(
        name=str(form.get("name", "")), subscriber=str(form.get("subscriber", "")), format=str(form.get("format", "")),
        crime_types=tuple(str(c) for c in form.getlist("crime_types")), types=tuple(str(t) for t in form.getlist("types")),
        min_score=_number(form, "min_score"), max_age_days=_number(form, "max_age_days"),
        owners=tuple(str(o) for o in form.getlist("owners")))


def _form_context(session: Session) -> dict[str, Any]:
    return {"orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
            "formats": list(formats.FORMATS.values()), "crime_types": list(CRIME_BITS),
            "types": [t.value for t in ObservableType]}


def _form_values(subscription: Subscription) -> dict[str, Any]:
    chosen = service.selection_of(subscription)
    return {"name": subscription.name, "subscriber": str(subscription.subscriber_org_id), "format": subscription.format,
            "crime_types": list(chosen.crime_types), "types": list(chosen.types),
            "min_score": chosen.min_score if chosen.min_score is not None else "",
            "max_age_days": chosen.max_age_days if chosen.max_age_days is not None else "",
            "owners": [str(o) for o in chosen.owners]}


def _submitted(form: FormData) -> dict[str, Any]:
    return {"name": form.get("name", ""), "subscriber": form.get("subscriber", ""), "format": form.get("format", ""),
            "crime_types": form.getlist("crime_types"), "types": form.getlist("types"),
            "min_score": form.get("min_score", ""), "max_age_days": form.get("max_age_days", ""),
            "owners": form.getlist("owners")}


def _token_page(request: Request, subscription: Subscription, token: str, created: bool) -> Response:
    url = f"{str(request.base_url).rstrip('/')}{service.feed_path(subscription)}"
    response = render(request, "disruption/token.html", {"s": subscription, "token": token, "url": url, "created": created})
    response.headers["Cache-Control"] = "no-store"  # the token must not linger in caches
    return response


async def _managed_form(request: Request, session: Session, principal: Principal,
                        subscription_id: int) -> tuple[Subscription, FormData]:
    """The subscription the principal manages (NotFound otherwise) and the posted form, its CSRF token checked."""
    subscription = service.find(session, principal, subscription_id)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    return subscription, form


@router.get("/feeds")
def feeds_page(request: Request, principal: SignedIn, session: DbSession) -> Response:
    items = service.list_managed(session, principal)
    return render(request, "disruption/feeds.html", {"items": items, "formats": formats.FORMATS})


@router.get("/feeds/new")
def new_feed_form(request: Request, principal: SignedIn, session: DbSession) -> Response:
    service.require_manager(principal)
    return render(request, "disruption/feed_form.html", {**_form_context(session), "form": {"format": "rpz"}, "s": None})


@router.post("/feeds/new")
async def new_feed(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    try:
        subscription, token = service.create(session, principal, _data(form), now)
    except (InvalidInput, Conflict) as exc:
        return render(request, "disruption/feed_form.html",
                      {**_form_context(session), "form": _submitted(form), "s": None, "error": exc}, status_code=422)
    return _token_page(request, subscription, token, created=True)


def _detail(request: Request, session: Session, subscription: Subscription, **extra: Any) -> Response:
    removed = session.scalar(select(func.count()).select_from(Entry).where(
        Entry.subscription_id == subscription.id, Entry.removed_serial.is_not(None))) or 0
    base = str(request.base_url).rstrip("/")
    context = {"s": subscription, "spec": formats.get(subscription.format), "removed": removed,
               "url": base + service.feed_path(subscription), "base": base,
               "chosen": service.selection_of(subscription), "owners": service.owner_names(session, subscription),
               **_form_context(session), "form": _form_values(subscription)}
    context.update(extra)
    return render(request, "disruption/feed.html", context, status_code=422 if "error" in extra else 200)


@router.get("/feeds/{subscription_id}")
def feed_page(request: Request, subscription_id: int, principal: SignedIn, session: DbSession) -> Response:
    return _detail(request, session, service.find(session, principal, subscription_id))


@router.post("/feeds/{subscription_id}")
async def change_feed(request: Request, subscription_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    subscription, form = await _managed_form(request, session, principal, subscription_id)
    try:
        with session.begin_nested():
            service.update(session, principal, subscription, _data(form), now)
    except (InvalidInput, Conflict) as exc:
        session.refresh(subscription)
        return _detail(request, session, subscription, error=exc, form=_submitted(form))
    return RedirectResponse(f"/feeds/{subscription.id}?saved=1", status_code=303)


@router.post("/feeds/{subscription_id}/refresh")
async def refresh_feed(request: Request, subscription_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    subscription = service.find(session, principal, subscription_id)
    check_csrf(request, str((await request.form()).get("csrf_token", "")))
    result = refresh(session, subscription, now, principal)
    return _detail(request, session, subscription, refreshed=result)


@router.post("/feeds/{subscription_id}/token")
async def rotate_feed_token(request: Request, subscription_id: int, principal: SignedIn, session: DbSession,
                            now: Now) -> Response:
    subscription = service.find(session, principal, subscription_id)
    check_csrf(request, str((await request.form()).get("csrf_token", "")))
    return _token_page(request, subscription, service.rotate_token(session, principal, subscription, now), created=False)


@router.post("/feeds/{subscription_id}/active")
async def pause_or_resume(request: Request, subscription_id: int, principal: SignedIn, session: DbSession,
                          now: Now) -> Response:
    subscription, form = await _managed_form(request, session, principal, subscription_id)
    service.set_active(session, principal, subscription, form.get("active") == "1", now)
    return RedirectResponse(f"/feeds/{subscription.id}", status_code=303)


@router.post("/feeds/{subscription_id}/delete")
async def delete_feed(request: Request, subscription_id: int, principal: SignedIn, session: DbSession,
                      now: Now) -> Response:
    subscription, form = await _managed_form(request, session, principal, subscription_id)
    if form.get("confirm") != subscription.name:
        return _detail(request, session, subscription,
                       error=InvalidInput("confirm", "type the block list's name to delete it"))
    service.delete(session, principal, subscription, now)
    return RedirectResponse("/feeds?deleted=1", status_code=303)
