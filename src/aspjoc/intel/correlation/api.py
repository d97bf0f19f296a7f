"""REST routes for matches and requests for information under /api/v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.intel.correlation import requests
from aspjoc.intel.correlation.matches import list_matches
from aspjoc.intel.correlation.models import RequestForInformation
from aspjoc.intel.correlation.schemas import BodyIn, MatchPage, RequestIn, RequestOut, RequestPage, match_out, request_out
from aspjoc.intel.models import Observable
from aspjoc.observables import canonicalise
from aspjoc.errors import InvalidInput
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn

router = APIRouter(tags=["requests for information"])


@router.get("/matches", response_model=MatchPage)
def matches(principal: SignedIn, session: DbSession, settings: AppSettings,
            limit: Annotated[int | None, Query(ge=1)] = None,
            before: Annotated[int | None, Query(description="Only matches older than this match id.")] = None) -> MatchPage:
    """Identifiers your organisation holds that another organisation holds too, newest first."""
    size = min(limit or settings.page_size, settings.max_page_size)
    items = list_matches(session, principal, size, before)
    return MatchPage(items=[match_out(m) for m in items], next=items[-1].id if len(items) == size else None)


def find_observable(session: Session, principal: Principal, type: str | None, value: str,
                    default_region: str | None) -> Observable | None:
    """The stored observable for a typed-in identifier, None when nobody holds it; InvalidObservable for garbage."""
    canonical = canonicalise(value, type or None, default_region=default_region or principal.country)
    return session.scalar(select(Observable).where(Observable.type == canonical.type.value, Observable.value == canonical.value))


def open_from_input(session: Session, principal: Principal, data: RequestIn, now: datetime,
                    default_region: str | None) -> list[RequestForInformation]:
    """Open the requests ``data`` asks for: to a match's holder, a named holder, or every holder."""
    if data.match is not None:
        return [requests.open_request_from_match(session, principal, data.match, data.question, data.deadline, now)]
    if data.observable is None:
        raise InvalidInput("observable", "give the identifier asked about, or a match id")
    target = accounts.find_organisation(session, data.target).id if data.target not in (None, "") else None
    observable = find_observable(session, principal, data.observable.type, data.observable.value,
                                 data.observable.country or default_region)
    return requests.open_requests_for_value(session, principal, observable, data.question, data.deadline, now, target)


@router.post("/requests", status_code=201, response_model=list[RequestOut])
def create_request(data: RequestIn, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> list[RequestOut]:
    """Ask the holders of an identifier about it; one request per holder, anonymous holders stay anonymous until they answer."""
    created = open_from_input(session, principal, data, now, settings.default_region)
    return [request_out(r, principal.org_id, now, requests.messages(session, r)) for r in created]


@router.get("/requests", response_model=RequestPage)
def list_requests(principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
                  box: Annotated[str, Query(description="inbox (asked of your organisation) or outbox (asked by it).")] = "inbox",
                  status: Annotated[str | None, Query(description="open, answered, declined or closed.")] = None,
                  limit: Annotated[int | None, Query(ge=1)] = None) -> RequestPage:
    """Requests to or from your organisation, newest first."""
    size = min(limit or settings.page_size, settings.max_page_size)
    items, total = requests.list_requests(session, principal, box, size, status)
    return RequestPage(items=[request_out(r, principal.org_id, now) for r in items], total=total)


@router.get("/requests/{request_id}", response_model=RequestOut)
def get_request(request_id: int, principal: SignedIn, session: DbSession, now: Now) -> RequestOut:
    """One request with its thread."""
    rfi = requests.get_request(session, principal, request_id)
    return request_out(rfi, principal.org_id, now, requests.messages(session, rfi))


def _after(session: Session, principal: Principal, request_id: int, now: datetime) -> RequestOut:
    rfi = requests.get_request(session, principal, request_id)
    return request_out(rfi, principal.org_id, now, requests.messages(session, rfi))


@router.post("/requests/{request_id}/answer", response_model=RequestOut)
def answer(request_id: int, data: BodyIn, principal: SignedIn, session: DbSession, now: Now) -> RequestOut:
    """The organisation asked answers; the requester then learns who it is."""
    requests.answer(session, principal, request_id, data.body, now)
    return _after(session, principal, request_id, now)


@router.post("/requests/{request_id}/messages", response_model=RequestOut)
def message(request_id: int, data: BodyIn, principal: SignedIn, session: DbSession, now: Now) -> RequestOut:
    """A follow-up message from either side."""
    requests.add_message(session, principal, request_id, data.body, now)
    return _after(session, principal, request_id, now)


@router.post("/requests/{request_id}/decline", response_model=RequestOut)
def decline(request_id: int, data: BodyIn, principal: SignedIn, session: DbSession, now: Now) -> RequestOut:
    """The organisation asked declines; it stays anonymous if it was."""
    requests.decline(session, principal, request_id, data.body, now)
    return _after(session, principal, request_id, now)


@router.post("/requests/{request_id}/close", response_model=RequestOut)
def close(request_id: int, data: BodyIn, principal: SignedIn, session: DbSession, now: Now) -> RequestOut:
    """The requester closes its request."""
    requests.close(session, principal, request_id, data.body, now)
    return _after(session, principal, request_id, now)
