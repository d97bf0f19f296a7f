"""The feed URLs subscribers' systems poll, protected by the per-subscription token.

* ``GET /feeds/<id>/<ext>``: the list (``rpz``, ``hosts``, ``txt``, ``rules``, ``csv``, ``json``),
  with ``ETag``; ``If-None-Match`` with the current ETag answers 304;
* ``GET /feeds/<id>/removed?since=<serial>&format=txt|csv|json``: what left the list after a serial;
* ``GET /feeds/<id>/refs/<ref>`` and ``GET /feeds/<id>/entries/<value>``: the statements behind an
  entry, as far as the subscriber may still receive them.

The token comes as ``?token=`` or ``Authorization: Bearer``. No token answers 401; a wrong token,
another subscription's token, a paused or unknown subscription all answer 404 alike. These are
machine endpoints: errors are JSON whatever the client accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.disruption import feeds, formats, service
from aspjoc.disruption.models import Subscription
from aspjoc.errors import AspjocError, AuthenticationFailed, InvalidInput, NotFound
from aspjoc.web.deps import DbSession, Now

router = APIRouter(tags=["block list feeds"])


def _token(request: Request, token: str | None) -> str | None:
    if token:
        return token
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _error(exc: AspjocError) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="aspjoc feeds"'} if isinstance(exc, AuthenticationFailed) else None
    return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=headers)


def _subscription(request: Request, session: Session, subscription_id: int, token: str | None) -> Subscription:
    return service.for_token(session, subscription_id, _token(request, token))


def _stream(db: Database, subscription_id: int, settings: Settings, request: Request) -> Iterator[bytes]:
    """Render in a session of its own: the request's unit of work has committed by the time the body streams."""
    now = request.app.state.clock.now()
    with db.unit_of_work() as session:
        subscription = session.get(Subscription, subscription_id)
        assert subscription is not None
        for chunk in feeds.render(session, subscription, now, settings):
            yield chunk.encode()


@router.get("/feeds/{subscription_id}/removed", summary="What left the list after a serial")
def removed(request: Request, subscription_id: int, session: DbSession,
            since: Annotated[str | None, Query(description="The serial the client last loaded.")] = None,
            format: Annotated[str, Query(description="txt, csv or json.")] = "txt",
            token: Annotated[str | None, Query(description="The feed token (or send it as a bearer token).")] = None,
            ) -> Response:
    try:
        subscription = _subscription(request, session, subscription_id, token)
        after = feeds.parse_since(since)
        if format not in feeds.REMOVED_MEDIA:
            raise InvalidInput("format", "use txt, csv or json")
    except AspjocError as exc:
        return _error(exc)
    db: Database = request.app.state.db
    subscription_id = subscription.id

    def body() -> Iterator[bytes]:
        with db.reader() as reading:
            found = reading.get(Subscription, subscription_id)
            assert found is not None
            for chunk in feeds.removed_text(reading, found, after, format):
                yield chunk.encode()

    return StreamingResponse(body(), media_type=feeds.REMOVED_MEDIA[format],
                             headers={"X-Blocklist-Serial": str(subscription.serial)})


def _trace_body(trace: feeds.Trace) -> dict[str, object]:
    entry = trace.entry
    return {"ref": entry.id, "type": entry.type, "value": entry.value, "on_list": entry.removed_serial is None,
            "added_serial": entry.added_serial, "removed_serial": entry.removed_serial, "rev": entry.rev,
            "statements": [{"id": s.id, "uuid": s.uuid, "owner": s.owner, "kind": s.kind, "crime_type": s.crime_type,
                            "tlp": s.tlp, "confidence": s.confidence, "first_seen": s.first_seen.isoformat(),
                            "last_seen": s.last_seen.isoformat(), "withdrawn": s.withdrawn} for s in trace.statements]}


@router.get("/feeds/{subscription_id}/refs/{ref}", summary="The statements behind an entry, by its reference")
def by_ref(request: Request, subscription_id: int, ref: int, session: DbSession, now: Now,
           token: Annotated[str | None, Query()] = None) -> Response:
    try:
        subscription = _subscription(request, session, subscription_id, token)
        trace = feeds.trace(session, subscription, feeds.entry_by_ref(session, subscription, ref), now)
    except AspjocError as exc:
        return _error(exc)
    return JSONResponse(_trace_body(trace))


@router.get("/feeds/{subscription_id}/entries/{value:path}", summary="The statements behind an entry, by its value")
def by_value(request: Request, subscription_id: int, value: str, session: DbSession, now: Now,
             token: Annotated[str | None, Query()] = None) -> Response:
    try:
        subscription = _subscription(request, session, subscription_id, token)
        trace = feeds.trace(session, subscription, feeds.find_entry(session, subscription, value), now)
    except AspjocError as exc:
        return _error(exc)
    return JSONResponse(_trace_body(trace))


@router.get("/feeds/{subscription_id}/{ext}", summary="The block list")
def download(request: Request, subscription_id: int, ext: str, session: DbSession, now: Now,
             token: Annotated[str | None, Query()] = None) -> Response:
    settings: Settings = request.app.state.settings
    try:
        subscription = _subscription(request, session, subscription_id, token)
        spec = formats.get(subscription.format)
        if ext != spec.ext:
            raise NotFound("ext", f"this list is served as /feeds/{subscription_id}/{spec.ext}")
    except AspjocError as exc:
        return _error(exc)
    feeds.refresh_if_stale(session, subscription, now, settings.disruption_refresh_minutes)
    tag = feeds.etag(subscription)
    headers = {"ETag": tag, "X-Blocklist-Serial": str(subscription.serial), "Cache-Control": "no-cache"}
    if feeds.not_modified(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    feeds.record_download(session, subscription, now, "feed")
    # The unit of work commits the refresh and the audit entry before the body streams from a new session.
    return StreamingResponse(_stream(request.app.state.db, subscription.id, settings, request),
                             media_type=spec.media_type, headers=headers)


def include(app: FastAPI) -> None:
    app.include_router(router)
