"""REST routes for link analysis under /api/v1: entities, relationships, neighbourhood, path, clusters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from aspjoc.errors import InvalidInput
from aspjoc.operations.graph import service
from aspjoc.operations.graph.nodes import parse_ref
from aspjoc.operations.graph.schemas import (
    ClusterPage,
    EntityIn,
    EntityOut,
    EntityPage,
    GraphOut,
    PathOut,
    RelationshipIn,
    RelationshipOut,
    RelationshipPage,
)
from aspjoc.operations.graph.serialize import cluster_out, entities_out, relationships_out
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn

router = APIRouter(tags=["link analysis"])
Victims = Annotated[bool, Query(description="Show victims and victim statements too (left out by default).")]


def _size(limit: int | None, settings: AppSettings) -> int:
    return min(limit or settings.page_size, settings.max_page_size)


@router.post("/entities", status_code=201, response_model=EntityOut)
def create_entity(data: EntityIn, principal: SignedIn, session: DbSession, now: Now) -> EntityOut:
    """Record a person, group, company or account, under the caller's organisation and the given marking."""
    return entities_out(session, [service.create_entity(session, principal, data, now)])[0]


@router.get("/entities", response_model=EntityPage)
def list_entities(principal: SignedIn, session: DbSession, settings: AppSettings,
                  kind: str | None = None, role: str | None = None,
                  q: Annotated[str | None, Query(max_length=200, description="Part of a name or alias.")] = None,
                  limit: Annotated[int | None, Query(ge=1)] = None, cursor: str | None = None) -> EntityPage:
    """Entities the caller may see, newest first."""
    items, total, next_cursor = service.list_entities(session, principal, _size(limit, settings), cursor, kind, role, q)
    return EntityPage(items=entities_out(session, items), total=total, next=next_cursor)


@router.get("/entities/{entity_id}", response_model=EntityOut)
def get_entity(entity_id: int, principal: SignedIn, session: DbSession) -> EntityOut:
    """One entity; 404 when it does not exist or the caller may not see it."""
    return entities_out(session, [service.get_entity(session, principal, entity_id)])[0]


@router.post("/relationships", status_code=201, response_model=RelationshipOut)
def create_relationship(data: RelationshipIn, principal: SignedIn, session: DbSession, now: Now) -> RelationshipOut:
    """Link two entities, or an entity and an observable or statement; both ends must be visible to the caller."""
    rel = service.create_relationship(session, principal, data, now)
    return relationships_out(session, principal, [rel])[0]


@router.get("/relationships", response_model=RelationshipPage)
def list_relationships(principal: SignedIn, session: DbSession, settings: AppSettings,
                       node: Annotated[str | None, Query(description="Only links touching this node, e.g. entity:12.")] = None,
                       kind: str | None = None, limit: Annotated[int | None, Query(ge=1)] = None,
                       cursor: str | None = None) -> RelationshipPage:
    """Relationships the caller may see (each with both ends visible), newest first."""
    end = parse_ref(node, "node") if node else None
    if node and end is None:
        raise InvalidInput("node", f"'{node}' is not a node key; use entity:<id>, observable:<id> or statement:<id>")
    items, total, next_cursor = service.list_relationships(session, principal, _size(limit, settings), cursor, end, kind)
    return RelationshipPage(items=relationships_out(session, principal, items), total=total, next=next_cursor)


@router.get("/relationships/{relationship_id}", response_model=RelationshipOut)
def get_relationship(relationship_id: int, principal: SignedIn, session: DbSession) -> RelationshipOut:
    """One relationship; 404 unless it and both its ends are visible to the caller."""
    return relationships_out(session, principal, [service.get_relationship(session, principal, relationship_id)])[0]


@router.get("/graph/neighbourhood", response_model=GraphOut)
def neighbourhood(principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
                  focus: Annotated[str, Query(min_length=1, max_length=4096,
                                              description="A node key (entity:12, observable:5, statement:9, domain:example.com) or any identifier.")],
                  depth: Annotated[int, Query(ge=1, le=3)] = 1, include_victims: Victims = False) -> GraphOut:
    """The visible nodes and edges within ``depth`` steps of ``focus``."""
    return service.neighbourhood(session, principal, focus, now, depth, include_victims, settings.graph_max_nodes)


@router.get("/graph/path", response_model=PathOut)
def path(principal: SignedIn, session: DbSession, now: Now, settings: AppSettings,
         source: Annotated[str, Query(min_length=1, max_length=4096, description="Node key or identifier.")],
         target: Annotated[str, Query(min_length=1, max_length=4096, description="Node key or identifier.")],
         include_victims: Victims = False) -> PathOut:
    """The shortest visible path between two nodes (at most six steps)."""
    return service.shortest_path(session, principal, source, target, now, include_victims, settings.graph_max_nodes)


@router.get("/graph/clusters", response_model=ClusterPage)
def clusters(principal: SignedIn, session: DbSession, settings: AppSettings,
             crime_type: str | None = None,
             since: Annotated[datetime | None, Query(description="Only clusters changed at or after this time.")] = None,
             min_members: Annotated[int, Query(ge=1, description="Least entities plus statements in a cluster.")] = 2,
             limit: Annotated[int | None, Query(ge=1)] = None, include_victims: Victims = False) -> ClusterPage:
    """Clusters of shared infrastructure the caller may see, largest first."""
    found, total = service.clusters(session, principal, crime_type=crime_type, since=since, min_members=min_members,
                                    limit=_size(limit, settings), include_victims=include_victims)
    return ClusterPage(items=[cluster_out(c) for c in found], total=total)
