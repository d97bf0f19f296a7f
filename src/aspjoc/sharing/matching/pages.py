"""The console page for private matching: ask about a few identifiers, see hit or no-hit, ask the holders."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from aspjoc.errors import AspjocError
from aspjoc.sharing.matching import service
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Private match", "/match")]


def _page(request: Request, session: DbSession, principal: SignedIn, now: Now, settings: AppSettings,
          status: int = 200, **context: object) -> Response:
    limits = service.Limits.from_settings(settings)
    return render(request, "matching/match.html", {
        "remaining": service.remaining(session, principal, limits, now), "batch_max": limits.batch_max, **context,
    }, status_code=status)


@router.get("/match")
def match_form(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    return _page(request, session, principal, now, settings, values="")


@router.post("/match")
async def match(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    """Match the identifiers typed one per line; refusals (bulk, quota) show on the page with a 422 or 429."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    text = str(form.get("values", ""))
    values = [line.strip() for line in text.splitlines() if line.strip()]
    if not values:
        return _page(request, session, principal, now, settings, 422, values=text,
                     error=AspjocError("values", "type at least one identifier"))
    result = service.match_values(session, principal, values, now, service.Limits.from_settings(settings),
                                  service.signer(settings), settings.default_region)
    if isinstance(result, service.Refusal):
        return _page(request, session, principal, now, settings, result.status, values=text,
                     error=AspjocError(result.field, result.reason))
    return _page(request, session, principal, now, settings, values=text, outcome=result, asked=values)


@router.post("/match/ask")
async def ask(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    try:
        ids = service.ask_holders(session, principal, str(form.get("offer", "")), str(form.get("question", "")), None,
                                  now, service.signer(settings))
    except AspjocError as exc:
        return _page(request, session, principal, now, settings, exc.status_code, values="", error=exc)
    return _page(request, session, principal, now, settings, values="", sent=len(ids))
