"""Console pages for sources: the list with each one's state, adding one, and one source's fetch history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation
from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel.formats import FORMATS
from aspjoc.intel.models import CrimeType
from aspjoc.intel.sources import service
from aspjoc.marking import TLP
from aspjoc.web.deps import DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Sources", "/sources")]
POLLED_FORMATS = [f for f in FORMATS.values() if f.name not in ("pdf", "html", "text")]


def _context(session: DbSession, principal: Principal, form: dict[str, str], error: AspjocError | None = None) -> dict[str, object]:
    return {"sources": service.list_sources(session, principal), "state": service.state, "form": form, "error": error,
            "formats": POLLED_FORMATS, "levels": [level.label for level in TLP], "crime_types": list(CrimeType)}


@router.get("/sources")
def sources_page(request: Request, principal: SignedIn, session: DbSession) -> Response:
    """The organisation's sources (admins only), a failing one shown as such, and the form to add one."""
    return render(request, "sources/sources.html", _context(session, principal, {"tlp": "amber", "interval": "60"}))


def _int(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput(field, f"'{value}' is not a whole number") from exc


@router.post("/sources")
async def add_source(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        spec = service.SourceSpec(
            name=values.get("name", ""), url=values.get("url", ""), format=values.get("format", ""),
            interval_minutes=_int(values.get("interval", ""), "interval_minutes") or 60, tlp=values.get("tlp", "amber"),
            reliability=values.get("reliability") or None, credibility=_int(values.get("credibility", ""), "credibility"),
            column_map=values.get("column_map", ""), crime_type=values.get("crime_type") or None,
            default_region=values.get("country") or None)
        owner = session.get(Organisation, principal.org_id)
        assert owner is not None
        source = service.add_source(session, principal, owner, spec, now)
    except AspjocError as exc:
        if exc.status_code in (401, 403):
            raise
        return render(request, "sources/sources.html", _context(session, principal, values, exc), status_code=exc.status_code)
    return RedirectResponse(f"/sources/{source.id}", status_code=303)


@router.get("/sources/{source_id}")
def source_page(request: Request, source_id: int, principal: SignedIn, session: DbSession) -> Response:
    source = service.get_source(session, principal, source_id)
    return render(request, "sources/source.html", {"s": source, "state": service.state(source),
                                                   "fetches": service.fetches(session, source),
                                                   "options": service.options_of(source)})


@router.post("/sources/{source_id}/{action}")
async def source_action(request: Request, source_id: int, action: str, principal: SignedIn, session: DbSession,
                        now: Now) -> Response:
    """Enable, disable, or poll at the worker's next tick."""
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    source = service.get_source(session, principal, source_id)
    if action in ("enable", "disable"):
        service.set_enabled(session, principal, source, action == "enable", now)
    elif action == "poll":
        service.poll_soon(source, now)
    else:
        raise InvalidInput("action", f"'{action}' is not enable, disable or poll")
    return RedirectResponse(f"/sources/{source_id}", status_code=303)

