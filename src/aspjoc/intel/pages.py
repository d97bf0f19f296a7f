"""Console pages for intelligence: dashboard, search and lookup, statement list, new statement, notices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from aspjoc.accounts.models import Organisation, SharingGroup
from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel import service
from aspjoc.intel.dashboard import dashboard
from aspjoc.intel.ingest import warninglists
from aspjoc.intel.models import CrimeType, Notice, StatementKind
from aspjoc.intel.schemas import StatementIn
from aspjoc.intel.tags import parse_tags
from aspjoc.marking import Handling, TLP
from aspjoc.observables import ObservableType
from aspjoc.sharing.matching.service import Limits, lookup_meter
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Dashboard", "/"), ("Search", "/search"), ("Statements", "/statements"), ("Add statement", "/statements/new"),
       ("Notices", "/notices")]


@router.get("/")
def home(request: Request, principal: SignedIn, session: DbSession) -> Response:
    figures = dashboard(session, principal)
    return render(request, "intel/dashboard.html", {"d": figures})


@router.get("/search")
def search(request: Request, principal: SignedIn, q: str = "") -> Response:
    if q.strip():
        return RedirectResponse(f"/lookup?q={q.strip()}", status_code=303)
    return render(request, "intel/search.html", {"q": ""})


@router.get("/lookup")
def lookup_page(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
                q: str = "", type: str = "") -> Response:
    """What the user may see of one identifier, and a hit/no-hit notice when others hold more."""
    if not q.strip():
        return RedirectResponse("/search", status_code=303)
    try:
        result = service.lookup(session, principal, q, now, settings.default_region, type or None,
                                meter=lookup_meter(Limits.from_settings(settings)))
    except InvalidInput as exc:
        return render(request, "intel/search.html", {"q": q, "error": exc}, status_code=422)
    flags = warninglists.lists_for(result.canonical.type.value, result.canonical.value)
    return render(request, "intel/lookup.html", {"q": q, "r": result, "flags": flags, "tags_of": parse_tags})


@router.get("/statements")
def statements_page(request: Request, principal: SignedIn, session: DbSession, settings: AppSettings,
                    crime_type: str = "", type: str = "", tag: str = "", cursor: str = "") -> Response:
    flt = service.StatementFilter(type=type or None, crime_type=crime_type or None, tags=(tag,) if tag.strip() else ())
    items, total, next_cursor = service.list_statements(session, principal, flt, settings.page_size, cursor or None)
    return render(request, "intel/statements.html", {"items": items, "total": total, "next": next_cursor,
                                                     "crime_type": crime_type, "type": type, "tag": tag,
                                                     "tags_of": parse_tags,
                                                     "crime_types": list(CrimeType), "types": list(ObservableType)})


def _form_context(session: DbSession) -> dict[str, object]:
    return {
        "orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        "groups": session.scalars(select(SharingGroup).order_by(SharingGroup.name)).all(),
        "kinds": list(StatementKind), "crime_types": list(CrimeType), "types": list(ObservableType),
        "levels": [level.label for level in TLP],
        "handling": [h.name.lower() for h in Handling if h.name and h.name != "NONE"],
    }


@router.get("/statements/new")
def new_statement_form(request: Request, principal: SignedIn, session: DbSession) -> Response:
    return render(request, "intel/new_statement.html", {**_form_context(session), "form": {"tlp": "amber", "kind": "indicator", "confidence": 50}})


@router.post("/statements/new")
async def new_statement(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items()}
    try:
        data = StatementIn.model_validate({
            "observable": {"type": values.get("type") or None, "value": values.get("value", "")},
            "kind": values.get("kind", "indicator"), "crime_type": values.get("crime_type") or None,
            "confidence": values.get("confidence") or 50, "source": values.get("source", ""),
            "description": values.get("description", ""),
            "first_seen": values.get("first_seen") or None,
            "marking": {"tlp": values.get("tlp", "amber"), "public_use": "public_use" in form,
                        "handling": [str(h) for h in form.getlist("handling")],
                        "recipients": {"organisations": [str(o) for o in form.getlist("organisations")],
                                       "groups": [str(g) for g in form.getlist("groups")]}},
        })
        statement, _ = service.add_statement(session, principal, data, now, settings.default_region)
    except ValidationError as exc:
        first = exc.errors()[0]
        error = AspjocError(".".join(str(p) for p in first["loc"]), first["msg"])
        return render(request, "intel/new_statement.html", {**_form_context(session), "form": values, "error": error}, status_code=422)
    except AspjocError as exc:
        return render(request, "intel/new_statement.html", {**_form_context(session), "form": values, "error": exc}, status_code=422)
    observable = statement.observable
    return RedirectResponse(f"/lookup?q={observable.value}&type={observable.type}", status_code=303)


@router.get("/notices")
def notices(request: Request, principal: SignedIn, session: DbSession, now: Now) -> Response:
    """Notices to the user's organisation; opening the page marks them read."""
    rows = session.scalars(select(Notice).where(Notice.org_id == principal.org_id)
                           .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(200)).all()
    unread = [n.id for n in rows if n.read_at is None]
    response = render(request, "intel/notices.html", {"notices": rows, "unread": set(unread)})
    for n in rows:
        if n.read_at is None:
            n.read_at = now
    return response
