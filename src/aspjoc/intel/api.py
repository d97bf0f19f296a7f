"""REST routes for statements and lookups under /api/v1."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from aspjoc.intel import service
from aspjoc.intel.schemas import LookupOut, ObservableOut, RelatedOut, StatementIn, StatementOut, StatementPage
from aspjoc.intel.serialize import observable_out, statements_out
from aspjoc.sharing.matching.service import Limits, lookup_meter
from aspjoc.web.deps import AppSettings, CurrentPrincipal, DbSession, Now, SignedIn

router = APIRouter(tags=["statements"])


@router.post("/statements", status_code=201, response_model=StatementOut)
def create_statement(data: StatementIn, principal: SignedIn, session: DbSession, now: Now,
                     settings: AppSettings, response: Response) -> StatementOut:
    """Assert a statement about an observable; the same owner, observable, kind and source again updates it (200)."""
    statement, created = service.add_statement(session, principal, data, now, settings.default_region)
    if not created:
        response.status_code = 200
    return statements_out(session, [statement])[0]


@router.get("/statements", response_model=StatementPage)
def list_statements(
    principal: SignedIn, session: DbSession, settings: AppSettings,
    type: Annotated[str | None, Query(description="Observable type.")] = None,
    crime_type: str | None = None,
    owner: Annotated[str | None, Query(description="Owner organisation id or name.")] = None,
    kind: str | None = None,
    since: Annotated[datetime | None, Query(description="Only statements changed at or after this time.")] = None,
    tag: Annotated[list[str] | None, Query(description="A source tag (any case); repeat for statements carrying any of several.")] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    cursor: str | None = None,
) -> StatementPage:
    """Statements the caller may see, newest first, paged with ``cursor``."""
    size = min(limit or settings.page_size, settings.max_page_size)
    flt = service.StatementFilter(type=type, crime_type=crime_type, owner=owner, kind=kind, since=since,
                                  tags=tuple(tag or ()))
    items, total, next_cursor = service.list_statements(session, principal, flt, size, cursor)
    return StatementPage(items=statements_out(session, items), total=total, next=next_cursor)


@router.get("/lookup", response_model=LookupOut)
def lookup(q: Annotated[str, Query(min_length=1, max_length=4096, description="Any identifier.")],
           principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
           type: Annotated[str | None, Query(description="Read q as this observable type instead of detecting it.")] = None,
           ) -> LookupOut:
    """Detect the type of ``q``, canonicalise it and answer what the caller may see, plus whether others hold more."""
    result = service.lookup(session, principal, q, now, settings.default_region, type,
                            meter=lookup_meter(Limits.from_settings(settings)))
    statements = statements_out(session, result.statements)
    for out, statement in zip(statements, result.statements):
        out.score = result.scores.get(statement.id)
    related = [RelatedOut(relation=r.relation, statements=r.statements, held_elsewhere=r.held_elsewhere,
                          observable=ObservableOut(type=r.type, value=r.value) if r.type and r.value else None)
               for r in result.related]
    return LookupOut(query=q, observable=observable_out(result.observable) if result.observable else None,
                     statements=statements, held_elsewhere=result.held_elsewhere, related=related)
