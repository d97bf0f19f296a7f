"""The neighbourhood of a node and the shortest path between two, on the subgraph the caller may see.

Both load only visible nodes and edges (``expand``) and then run networkx on what was loaded.
Victims are left out unless asked for; a neighbourhood centred on a victim shows victims, since
the analyst asked for that victim by name.
"""

from __future__ import annotations

from datetime import datetime

import networkx as nx
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose
from aspjoc.errors import InvalidInput
from aspjoc.operations.graph.expand import Subgraph, grow
from aspjoc.operations.graph.nodes import NodeRef, describe, resolve_focus
from aspjoc.operations.graph.schemas import GraphOut, NodeOut, PathOut
from aspjoc.operations.graph.visibility import View

MAX_DEPTH = 3
RESTRICTED = ("amber+strict", "red")


def _is_victim(session: Session, principal: Principal, ref: NodeRef) -> bool:
    found = describe(session, View(principal, include_victims=True), [ref]).get(str(ref))
    return bool(found and found.victim_data)


def _answer(session: Session, view: View, graph: Subgraph, focus: list[NodeRef]) -> GraphOut:
    """The subgraph as API shapes; nodes the viewer cannot see (none, if expand kept the rules) are dropped with their edges."""
    described = describe(session, view, graph.nodes)
    nodes: list[NodeOut] = []
    for ref, depth in sorted(graph.nodes.items(), key=lambda item: (item[1], item[0])):
        found = described.get(str(ref))
        if found is not None:
            nodes.append(found.model_copy(update={"depth": depth}))
    keys = {n.id for n in nodes}
    edges = [e for e in graph.edges.values() if e.source in keys and e.target in keys]
    return GraphOut(focus=[str(f) for f in focus], nodes=nodes, edges=sorted(edges, key=lambda e: e.id),
                    truncated=graph.truncated)


def _audit_restricted(session: Session, principal: Principal, answer: GraphOut, what: str, now: datetime) -> None:
    """Record reads of other organisations' AMBER+STRICT and RED records (DESIGN: audit reads of restricted data)."""
    restricted = [n.id for n in answer.nodes if n.tlp in RESTRICTED and n.owner != principal.org_name]
    restricted += [e.id for e in answer.edges if e.tlp in RESTRICTED and e.owner != principal.org_name]
    if restricted:
        audit.record(session, principal, f"graph.{what}.restricted", now, "graph", ",".join(answer.focus)[:64],
                     {"restricted": restricted[:200]})


def neighbourhood(session: Session, principal: Principal, focus: str, now: datetime, depth: int = 1,
                  include_victims: bool = False, max_nodes: int = 300, purpose: Purpose = Purpose.READ) -> GraphOut:
    """The visible nodes within ``depth`` (1–3) steps of ``focus`` (a node key or an identifier value), and their edges.

    An identifier nothing visible mentions answers an empty graph, whether it is stored or not.
    """
    if not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput("depth", f"must be between 1 and {MAX_DEPTH}")
    view = View(principal, purpose, include_victims)
    ref = resolve_focus(session, View(principal, purpose, True), focus)
    if ref is None:
        return GraphOut(focus=[], nodes=[], edges=[], truncated=False)
    if not include_victims and _is_victim(session, principal, ref):
        view = View(principal, purpose, True)
    graph = Subgraph(max_nodes)
    graph.add_node(ref, 0)
    frontier = {ref}
    for level in range(1, depth + 1):
        frontier = grow(session, view, graph, frontier, level)
        if not frontier:
            break
    answer = _answer(session, view, graph, [ref])
    _audit_restricted(session, principal, answer, "neighbourhood", now)
    return answer


def _check_end(session: Session, view: View, ref: NodeRef, field: str) -> None:
    if not view.include_victims and _is_victim(session, view.principal, ref):
        raise InvalidInput(field, "is a victim; victims are left out of paths unless include_victims is set")


def shortest_path(session: Session, principal: Principal, source: str, target: str, now: datetime,
                  include_victims: bool = False, max_nodes: int = 300, purpose: Purpose = Purpose.READ) -> PathOut:
    """The shortest visible path between two nodes (up to 2×3 steps), grown from both ends at once.

    ``found`` is False when no visible path that short exists; the answer then holds neither end's surroundings.
    """
    view = View(principal, purpose, include_victims)
    a = resolve_focus(session, View(principal, purpose, True), source, "source")
    b = resolve_focus(session, View(principal, purpose, True), target, "target")
    if a is None or b is None:
        return PathOut(focus=[], nodes=[], edges=[], truncated=False, found=False, length=None)
    _check_end(session, view, a, "source")
    _check_end(session, view, b, "target")
    sides = [Subgraph(max_nodes), Subgraph(max_nodes)]
    frontiers = [{a}, {b}]
    sides[0].add_node(a, 0)
    sides[1].add_node(b, 0)
    for level in range(1, MAX_DEPTH + 1):
        for i in (0, 1):
            if not set(sides[0].nodes) & set(sides[1].nodes) and frontiers[i]:
                frontiers[i] = grow(session, view, sides[i], frontiers[i], level)
    merged = nx.Graph()
    merged.add_nodes_from([str(a), str(b)])
    for side in sides:
        for edge in side.edges.values():
            merged.add_edge(edge.source, edge.target, key=edge.id)
    truncated = sides[0].truncated or sides[1].truncated
    try:
        steps: list[str] = nx.shortest_path(merged, str(a), str(b))
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return PathOut(focus=[str(a), str(b)], nodes=[], edges=[], truncated=truncated, found=False, length=None)
    path = Subgraph(len(steps))
    edge_ids = {merged.edges[u, v]["key"] for u, v in zip(steps, steps[1:], strict=False)}
    for position, key in enumerate(steps):
        kind, _, rest = key.partition(":")
        path.add_node(NodeRef(kind, rest), position)
    path.edges = {e.id: e for side in sides for e in side.edges.values() if e.id in edge_ids}
    answer = _answer(session, view, path, [a, b])
    _audit_restricted(session, principal, answer, "path", now)
    return PathOut(**answer.model_dump(), found=True, length=len(steps) - 1)
