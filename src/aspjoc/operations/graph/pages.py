"""Console pages of link analysis: the graph view, paths, clusters, entities and their relationships."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import Response

from aspjoc.accounts.models import Organisation, SharingGroup
from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel.models import CrimeType
from aspjoc.marking import Handling, TLP
from aspjoc.operations.graph import service
from aspjoc.operations.graph.models import EndType, EntityKind, EntityRole, RelationshipKind
from aspjoc.operations.graph.nodes import node
from aspjoc.operations.graph.schemas import EndIn, EntityIn, GraphOut, RecordMarkingIn, RelationshipIn
from aspjoc.operations.graph.serialize import entities_out, relationships_out
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Link analysis", "/graph")]


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "on", "yes")


def _depth(text: str) -> int:
    if text not in ("1", "2", "3"):
        raise InvalidInput("depth", "choose 1, 2 or 3")
    return int(text)


def _graph_page(request: Request, template: str, graph: GraphOut | None, context: dict[str, Any],
                error: AspjocError | None = None) -> Response:
    data = {"nodes": [n.model_dump() for n in graph.nodes], "edges": [e.model_dump() for e in graph.edges],
            "focus": graph.focus} if graph else None
    return render(request, template, {**context, "graph": graph, "graph_data": data, "error": error},
                  status_code=error.status_code if error else 200)


@router.get("/graph")
def graph_view(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
               focus: str = "", depth: str = "1", victims: str = "") -> Response:
    """The neighbourhood of ``focus`` as a cytoscape.js canvas, with the same nodes and edges as tables below it."""
    context = {"focus": focus, "depth": depth, "victims": _flag(victims)}
    if not focus.strip():
        return _graph_page(request, "graph/graph.html", None, context)
    try:
        graph = service.neighbourhood(session, principal, focus.strip(), now, _depth(depth), _flag(victims),
                                      settings.graph_max_nodes)
    except InvalidInput as exc:
        return _graph_page(request, "graph/graph.html", None, context, exc)
    return _graph_page(request, "graph/graph.html", graph, context)


@router.get("/graph/path")
def path_view(request: Request, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
              source: str = "", target: str = "", victims: str = "") -> Response:
    """The shortest visible path between two nodes."""
    context = {"source": source, "target": target, "victims": _flag(victims), "path": None}
    if not (source.strip() and target.strip()):
        return _graph_page(request, "graph/path.html", None, context)
    try:
        path = service.shortest_path(session, principal, source.strip(), target.strip(), now, _flag(victims),
                                     settings.graph_max_nodes)
    except InvalidInput as exc:
        return _graph_page(request, "graph/path.html", None, context, exc)
    return _graph_page(request, "graph/path.html", path, {**context, "path": path})


@router.get("/graph/clusters")
def clusters_view(request: Request, principal: SignedIn, session: DbSession, settings: AppSettings,
                  crime_type: str = "", since: str = "", victims: str = "") -> Response:
    """Clusters of shared infrastructure the user may see, largest first."""
    context: dict[str, Any] = {"crime_type": crime_type, "since": since, "victims": _flag(victims),
                               "crime_types": list(CrimeType), "items": [], "total": 0}
    try:
        after = datetime.fromisoformat(since).replace(tzinfo=UTC) if since else None
    except ValueError:
        return render(request, "graph/clusters.html", {**context, "error": InvalidInput("since", "use a date like 2026-05-01")},
                      status_code=422)
    try:
        items, total = service.clusters(session, principal, crime_type=crime_type or None, since=after,
                                        limit=settings.page_size, include_victims=_flag(victims))
    except InvalidInput as exc:
        return render(request, "graph/clusters.html", {**context, "error": exc}, status_code=422)
    return render(request, "graph/clusters.html", {**context, "items": items, "total": total})


def _marking_context(session: DbSession) -> dict[str, Any]:
    return {"orgs": session.scalars(select(Organisation).order_by(Organisation.name)).all(),
            "groups": session.scalars(select(SharingGroup).order_by(SharingGroup.name)).all(),
            "levels": [level.label for level in TLP],
            "handling": [h.name.lower() for h in Handling if h.name and h.name != "NONE"]}


def _marking(form: FormData) -> RecordMarkingIn:
    return RecordMarkingIn.model_validate({
        "tlp": str(form.get("tlp") or "amber"), "handling": [str(h) for h in form.getlist("handling")],
        "recipients": {"organisations": [str(o) for o in form.getlist("organisations")],
                       "groups": [str(g) for g in form.getlist("groups")]}})


def _validation(exc: ValidationError) -> AspjocError:
    first = exc.errors()[0]
    return InvalidInput(".".join(str(p) for p in first["loc"]) or "form", first["msg"])


@router.get("/graph/entities")
def entities_page(request: Request, principal: SignedIn, session: DbSession, settings: AppSettings,
                  q: str = "", role: str = "", cursor: str = "") -> Response:
    items, total, next_cursor = service.list_entities(session, principal, settings.page_size, cursor or None,
                                                      role=role or None, q=q or None)
    return render(request, "graph/entities.html", {
        **_marking_context(session), "items": entities_out(session, items), "total": total, "next": next_cursor,
        "q": q, "role": role, "kinds": list(EntityKind), "roles": list(EntityRole),
        "form": {"tlp": "amber", "role": "suspect", "kind": "person"}})


@router.post("/graph/entities")
async def create_entity(request: Request, principal: SignedIn, session: DbSession, now: Now,
                        settings: AppSettings) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items()}
    try:
        data = EntityIn(kind=values.get("kind", ""), name=values.get("name", ""), role=values.get("role", "unknown"),
                        country=values.get("country") or None, description=values.get("description", ""),
                        aliases=[a for a in values.get("aliases", "").split(",") if a.strip()], marking=_marking(form))
        entity = service.create_entity(session, principal, data, now)
    except (ValidationError, AspjocError) as exc:
        error = _validation(exc) if isinstance(exc, ValidationError) else exc
        items, total, next_cursor = service.list_entities(session, principal, settings.page_size)
        return render(request, "graph/entities.html", {
            **_marking_context(session), "items": entities_out(session, items), "total": total, "next": next_cursor,
            "q": "", "role": "", "kinds": list(EntityKind), "roles": list(EntityRole), "form": values, "error": error},
            status_code=error.status_code)
    return RedirectResponse(f"/graph/entities/{entity.id}", status_code=303)


def _entity_page(request: Request, principal: SignedIn, session: DbSession, entity_id: int,
                 form: dict[str, str] | None = None, error: AspjocError | None = None) -> Response:
    entity = service.get_entity(session, principal, entity_id)
    rels, _, _ = service.list_relationships(session, principal, 200, end=node("entity", entity.id))
    return render(request, "graph/entity.html", {
        **_marking_context(session), "e": entities_out(session, [entity])[0],
        "relationships": relationships_out(session, principal, rels), "rel_kinds": list(RelationshipKind),
        "end_types": list(EndType), "form": form or {"tlp": "amber", "target_type": "observable"}, "error": error},
        status_code=error.status_code if error else 200)


@router.get("/graph/entities/{entity_id}")
def entity_page(request: Request, entity_id: int, principal: SignedIn, session: DbSession) -> Response:
    """One entity, its relationships, a form to add one, and links to its graph and its evidence."""
    return _entity_page(request, principal, session, entity_id)


@router.post("/graph/entities/{entity_id}/relationships")
async def add_relationship(request: Request, entity_id: int, principal: SignedIn, session: DbSession, now: Now) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    values = {k: str(v) for k, v in form.items()}
    target_type = values.get("target_type", "observable")
    target = values.get("target", "").strip()
    try:
        if target_type == EndType.OBSERVABLE.value:
            end = EndIn(type=target_type, value=target or None)
        elif target.isdigit():
            end = EndIn(type=target_type, id=int(target))
        else:
            raise InvalidInput("target", f"give the number of the {target_type}, as shown on its page")
        data = RelationshipIn(kind=values.get("kind", ""), source=EndIn(type="entity", id=entity_id), target=end,
                              description=values.get("description", ""), marking=_marking(form))
        service.create_relationship(session, principal, data, now)
    except (ValidationError, AspjocError) as exc:
        error = _validation(exc) if isinstance(exc, ValidationError) else exc
        return _entity_page(request, principal, session, entity_id, values, error)
    return RedirectResponse(f"/graph/entities/{entity_id}", status_code=303)
