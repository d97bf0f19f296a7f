"""The MISP-compatible API at /misp/, enough for PyMISP and MISP sync to work against aspjoc.

Transport as MISP has it: the raw API key (an aspjoc API token) in the ``Authorization`` header
(``X-MISP-AUTH`` and ``Bearer`` are accepted too), JSON both ways, named parameters appended to the
path as ``/key:value``, and errors as 4xx with a JSON body ``{name, message, url}`` (plus aspjoc's
``error``, ``field`` and ``reason``). ``HEAD`` on a view answers 200 or 404 without a body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.errors import AspjocError, AuthenticationFailed, InvalidInput
from aspjoc.sharing.misp import server, service, tagging
from aspjoc.sharing.misp.params import named_params, search_params
from aspjoc.sharing.misp.parse import as_bool
from aspjoc.sharing.misp.types import describe_types_bytes
from aspjoc.web.deps import DbSession, Now


def misp_error(request: Request, status: int, field: str, reason: str, code: str = "invalid") -> JSONResponse:
    path = request.url.path.removeprefix("/misp")
    body = {"name": reason, "message": reason, "url": path, "errors": {field: [reason]},
            "error": code, "field": field, "reason": reason}
    return JSONResponse(body, status_code=status)


class MispRoute(APIRoute):
    """Renders domain and validation errors in MISP's shape instead of the app-wide one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except AspjocError as exc:
                if request.method == "HEAD":
                    return Response(status_code=exc.status_code)
                return misp_error(request, exc.status_code, exc.field, exc.reason, exc.code)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {"loc": ("request",), "msg": "invalid request"}
                field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
                return misp_error(request, 422, field or "request", str(first.get("msg")))

        return wrapped


router = APIRouter(prefix="/misp", route_class=MispRoute, tags=["misp"], include_in_schema=False)


def _key(request: Request) -> str:
    raw = request.headers.get("authorization") or request.headers.get("x-misp-auth") or ""
    scheme, _, rest = raw.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else raw.strip()


def misp_principal(request: Request, session: DbSession, now: Now) -> Principal:
    """The user whose API token is the MISP key; 401 without one (the console cookie does not count here)."""
    key = _key(request)
    if not key:
        raise AuthenticationFailed("Authorization", "Authentication failed. Send your aspjoc API token as the Authorization header.")
    principal = accounts.principal_for(session, accounts.user_for_token(session, key, now))
    request.state.principal = principal
    return principal


Caller = Annotated[Principal, Depends(misp_principal)]


async def json_body(request: Request) -> Any:
    """The request's JSON body, {} when empty; InvalidInput when it is not JSON."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("body", f"not JSON: {exc}") from exc


Body = Annotated[Any, Depends(json_body)]


def _filters(body: Any, rest: str = "") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("body", "search filters must be a JSON object")
    _, named = named_params(rest)
    return {**named, **body}


@router.get("/servers/getVersion")
@router.get("/servers/getVersion.json")
def get_version(principal: Caller) -> dict[str, Any]:
    return server.version()


@router.get("/servers/getPyMISPVersion.json")
def pymisp_version(principal: Caller) -> dict[str, Any]:
    return {"version": server.version()["pymisp_recommended_version"]}


@router.get("/users/view/{ref}")
def view_user(ref: str, principal: Caller, session: DbSession) -> dict[str, Any]:
    if ref not in ("me", str(principal.user_id)):
        raise InvalidInput("user", "only 'me' may be viewed through the MISP API")
    return server.me(session, principal)


@router.get("/attributes/describeTypes.json")
def describe(principal: Caller) -> Response:
    return Response(describe_types_bytes(), media_type="application/json")


@router.api_route("/events/index", methods=["GET", "POST"])
@router.api_route("/events/index/{rest:path}", methods=["GET", "POST"])
def index(principal: Caller, session: DbSession, now: Now, body: Body, rest: str = "") -> list[dict[str, Any]]:
    return service.index(session, principal, search_params(_filters(body, rest), now))


@router.post("/events/restSearch")
@router.post("/events/restSearch/{rest:path}")
def search_events(principal: Caller, session: DbSession, now: Now, body: Body, rest: str = "") -> dict[str, Any]:
    return service.rest_search_events(session, principal, search_params(_filters(body, rest), now), now)


@router.post("/attributes/restSearch")
@router.post("/attributes/restSearch/{rest:path}")
def search_attributes(principal: Caller, session: DbSession, now: Now, body: Body, rest: str = "") -> dict[str, Any]:
    return service.rest_search_attributes(session, principal, search_params(_filters(body, rest), now), now)


def _ref(rest: str) -> str:
    positional, _ = named_params(rest)
    if not positional:
        raise InvalidInput("id", "name the event by id or uuid")
    return positional[0].removesuffix(".json")


@router.api_route("/events/view/{rest:path}", methods=["GET", "HEAD", "POST"])
def view_event(rest: str, request: Request, principal: Caller, session: DbSession, now: Now) -> Response:
    reply = service.view_event(session, principal, _ref(rest), now)
    return Response(status_code=200) if request.method == "HEAD" else JSONResponse(reply)


@router.post("/events/add")
@router.post("/events/add/{rest:path}")
def add_event(principal: Caller, session: DbSession, now: Now, body: Body, rest: str = "") -> dict[str, Any]:
    return service.add_event(session, principal, body, now)


@router.post("/events/edit/{rest:path}")
def edit_event(rest: str, principal: Caller, session: DbSession, now: Now, body: Body) -> dict[str, Any]:
    return service.edit_event(session, principal, _ref(rest), body, now)


@router.post("/events/publish/{rest:path}")
def publish_event(rest: str, principal: Caller, session: DbSession, now: Now) -> dict[str, Any]:
    return service.publish_event(session, principal, _ref(rest), now)


@router.post("/attributes/add/{rest:path}")
def add_attribute(rest: str, principal: Caller, session: DbSession, now: Now, body: Body) -> dict[str, Any]:
    return service.add_attributes(session, principal, _ref(rest), body, now)


@router.api_route("/attributes/view/{rest:path}", methods=["GET", "HEAD"])
def view_attribute(rest: str, request: Request, principal: Caller, session: DbSession, now: Now) -> Response:
    reply = service.view_attribute(session, principal, _ref(rest), now)
    return Response(status_code=200) if request.method == "HEAD" else JSONResponse(reply)


def _tag_request(body: Any) -> tuple[str, Any, bool]:
    if not isinstance(body, dict) or not body.get("uuid"):
        raise InvalidInput("uuid", "name the event or attribute to tag by its uuid")
    return str(body["uuid"]), body.get("tag"), as_bool(body.get("local", False), "local")


@router.post("/tags/attachTagToObject")
def attach_tag(principal: Caller, session: DbSession, now: Now, body: Body) -> dict[str, Any]:
    ref, tag, local = _tag_request(body)
    return tagging.attach(session, principal, ref, tag, local, now)


@router.post("/tags/removeTagFromObject")
def remove_tag(principal: Caller, session: DbSession, now: Now, body: Body) -> dict[str, Any]:
    ref, tag, _ = _tag_request(body)
    return tagging.remove(session, principal, ref, tag, now)


def include(app: FastAPI) -> None:
    app.include_router(router)

