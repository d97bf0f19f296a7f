"""Console pages: the organisation's matches and its requests for information (and, mounted here, retention review)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel.correlation import requests
from aspjoc.intel.correlation.api import find_observable, open_from_input
from aspjoc.intel.correlation.matches import get_match, list_matches
from aspjoc.intel.correlation.retention_pages import router as retention_router
from aspjoc.intel.correlation.schemas import RequestIn
from aspjoc.intel.schemas import ObservableIn
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(retention_router)
NAV = [("Matches", "/matches"), ("Requests", "/requests"), ("Retention", "/retention")]
PAGE = 100
ACTIONS = {"answer": requests.answer, "message": requests.add_message, "decline": requests.decline}


@router.get("/matches")
def matches_page(request: Request, principal: SignedIn, session: DbSession, before: int | None = None) -> Response:
    """The organisation's matches, newest first, with who else holds each as far as the reader may know."""
    items = list_matches(session, principal, PAGE, before)
    return render(request, "correlation/matches.html",
                  {"items": items, "next": items[-1].id if len(items) == PAGE else None})


@router.get("/requests")
def requests_page(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    inbox, inbox_total = requests.list_requests(session, principal, "inbox", PAGE)
    outbox, outbox_total = requests.list_requests(session, principal, "outbox", PAGE)
    return render(request, "correlation/requests.html", {
        "inbox": inbox, "outbox": outbox, "inbox_total": inbox_total, "outbox_total": outbox_total, "now": now,
        "holder_name": requests.holder_name, "overdue": requests.is_overdue})


def _form_context(session: DbSession, principal: Principal, values: dict[str, str], settings: AppSettings) -> dict[str, object]:
    """What the new-request form shows: the identifier, and either the match's holder or the holders the user may name."""
    context: dict[str, object] = {"form": values, "observable": None, "holders": [], "match": None}
    if values.get("match"):
        if not values["match"].isdigit():
            raise InvalidInput("match", f"no match {values['match']}")
        context["match"] = get_match(session, principal, int(values["match"]))
        return context
    observable = find_observable(session, principal, values.get("type") or None, values.get("value", ""), settings.default_region)
    context["observable"] = observable
    if observable is not None:
        context["holders"] = requests.visible_holders(session, principal, observable.id)
    return context


@router.get("/requests/new")
def new_request_form(request: Request, principal: SignedIn, session: DbSession, settings: AppSettings,
                     type: str = "", value: str = "", match: str = "") -> Response:
    values = {"type": type, "value": value, "match": match}
    try:
        context = _form_context(session, principal, values, settings)
    except AspjocError as exc:
        return render(request, "correlation/new_request.html", {"form": values, "error": exc, "holders": []}, status_code=422)
    return render(request, "correlation/new_request.html", context)


def _deadline(text: str) -> datetime | None:
    """A date from the form, taken as the end of that day in UTC."""
    if not text.strip():
        return None
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidInput("deadline", "use a date like 2026-06-30") from exc
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _request_in(values: dict[str, str]) -> RequestIn:
    if values.get("match"):
        if not values["match"].isdigit():
            raise InvalidInput("match", f"no match {values['match']}")
        observable = None
        match: int | None = int(values["match"])
    else:
        observable, match = ObservableIn(type=values.get("type") or None, value=values.get("value") or "?"), None
    question = values.get("question", "").strip()
    if not question:
        raise InvalidInput("question", "must not be empty")
    return RequestIn(observable=observable, match=match, target=values.get("target") or None, question=question,
                     deadline=_deadline(values.get("deadline", "")))


@router.post("/requests/new")
async def new_request(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        created = open_from_input(session, principal, _request_in(values), now, settings.default_region)
    except AspjocError as exc:
        try:
            context = _form_context(session, principal, values, settings)
        except AspjocError:
            context = {"form": values, "holders": []}
        return render(request, "correlation/new_request.html", {**context, "error": exc}, status_code=422)
    target = f"/requests/{created[0].id}" if len(created) == 1 else "/requests"
    return RedirectResponse(target, status_code=303)


@router.get("/requests/{request_id}")
def request_page(request: Request, request_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    rfi = requests.get_request(session, principal, request_id)
    return render(request, "correlation/request.html", {
        "rfi": rfi, "thread": requests.messages(session, rfi), "now": now, "holder": requests.holder_name(rfi, principal.org_id),
        "incoming": rfi.target_org_id == principal.org_id, "overdue": requests.is_overdue(rfi, now)})


def _body(form: FormData) -> str:
    return str(form.get("body", ""))


@router.post("/requests/{request_id}/{action}")
async def request_action(request: Request, request_id: int, action: str, principal: SignedIn, session: DbSession,
                         now: Now) -> Response:
    """Answer, message, decline or close from the request page; errors come back on the same page."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    try:
        if action == "close":
            requests.close(session, principal, request_id, _body(form), now)
        elif action in ACTIONS:
            ACTIONS[action](session, principal, request_id, _body(form), now)
        else:
            raise InvalidInput("action", f"'{action}' is not answer, message, decline or close")
    except AspjocError as exc:
        rfi = requests.get_request(session, principal, request_id)
        return render(request, "correlation/request.html", {
            "rfi": rfi, "thread": requests.messages(session, rfi), "now": now, "error": exc,
            "holder": requests.holder_name(rfi, principal.org_id), "incoming": rfi.target_org_id == principal.org_id,
            "overdue": requests.is_overdue(rfi, now)}, status_code=exc.status_code)
    return RedirectResponse(f"/requests/{request_id}", status_code=303)

