"""Growing the visible graph outward from some nodes, one level at a time, in gated SQL.

Edges come from three places:
* recorded relationships (each marked; visible only with both ends);
* statements: a visible statement links to the observable it is about (``about``), so statements
  of several organisations on one observable, and entities linked to those statements, meet there;
* observables: a URL, e-mail address or host links to its registered domain (``on_domain``), so two
  scam pages on one registered domain meet at the domain node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from aspjoc.accounts.models import Organisation
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import Marking, TLP
from aspjoc.operations.graph.models import Relationship
from aspjoc.operations.graph.nodes import NodeRef, node
from aspjoc.operations.graph.schemas import EdgeOut
from aspjoc.operations.graph.visibility import View, observable_in_graph, relationship_condition, statement_condition

DOMAIN_TYPES = ("url", "email", "domain")
CHUNK = 500


@dataclass
class Subgraph:
    """Nodes reached (key → depth) and edges between them; ``truncated`` once the node limit cut something."""

    max_nodes: int
    nodes: dict[NodeRef, int] = field(default_factory=dict)
    edges: dict[str, EdgeOut] = field(default_factory=dict)
    truncated: bool = False

    def add_node(self, ref: NodeRef, depth: int) -> bool:
        """Add ``ref`` unless the limit is reached; True when ``ref`` is (now) in the subgraph."""
        if ref in self.nodes:
            return True
        if len(self.nodes) >= self.max_nodes:
            self.truncated = True
            return False
        self.nodes[ref] = depth
        return True


@dataclass(frozen=True)
class Link:
    edge: EdgeOut
    a: NodeRef
    b: NodeRef


def _chunked(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def _ids(frontier: Iterable[NodeRef], kind: str) -> list[int]:
    return [ref.id for ref in frontier if ref.kind == kind]


def relationship_links(session: Session, view: View, frontier: set[NodeRef]) -> list[Link]:
    """Visible relationships touching any node of ``frontier`` (domains have none)."""
    r = Relationship
    touches = []
    for kind in ("entity", "observable", "statement"):
        for chunk in _chunked(_ids(frontier, kind)):
            touches.append(and_(r.source_type == kind, r.source_id.in_(chunk)))
            touches.append(and_(r.target_type == kind, r.target_id.in_(chunk)))
    if not touches:
        return []
    rows = session.execute(select(r, Marking.tlp, Organisation.name).join(Marking, Marking.id == r.marking_id)
                           .join(Organisation, Organisation.id == r.owner_org_id)
                           .where(or_(*touches), relationship_condition(view))).all()
    links = []
    for rel, tlp, owner in rows:
        a, b = node(rel.source_type, rel.source_id), node(rel.target_type, rel.target_id)
        links.append(Link(EdgeOut(id=f"relationship:{rel.id}", source=str(a), target=str(b), kind=rel.kind,
                                  derived=False, tlp=TLP(tlp).label, owner=owner), a, b))  # type: ignore[arg-type]
    return links


def _about(statement_id: int, observable_id: int, tlp: int, owner: str) -> Link:
    a, b = node("statement", statement_id), node("observable", observable_id)
    return Link(EdgeOut(id=f"about:{statement_id}", source=str(a), target=str(b), kind="about", derived=True,
                        tlp=TLP(tlp).label, owner=owner), a, b)  # type: ignore[arg-type]


def statement_links(session: Session, view: View, frontier: set[NodeRef], limit: int) -> list[Link]:
    """Visible statements about the frontier's observables, and the observables of the frontier's statements."""
    links: list[Link] = []
    base = (select(Statement.id, Statement.observable_id, Marking.tlp, Organisation.name)
            .join(Marking, Marking.id == Statement.marking_id).join(Organisation, Organisation.id == Statement.owner_org_id))
    for chunk in _chunked(_ids(frontier, "observable")):
        rows = session.execute(base.where(Statement.observable_id.in_(chunk), statement_condition(view))
                               .order_by(Statement.last_seen.desc()).limit(limit)).all()
        links += [_about(*row) for row in rows]
    for chunk in _chunked(_ids(frontier, "statement")):
        rows = session.execute(base.where(Statement.id.in_(chunk), statement_condition(view))).all()
        links += [_about(*row) for row in rows]
    return links


def _on_domain(observable_id: int, domain: str | None) -> Link:
    a, b = node("observable", observable_id), node("domain", domain)
    return Link(EdgeOut(id=f"on_domain:{observable_id}", source=str(a), target=str(b), kind="on_domain", derived=True), a, b)


def domain_links(session: Session, view: View, frontier: set[NodeRef], limit: int) -> list[Link]:
    """Registered domains of the frontier's URLs, e-mails and hosts; and, for domain nodes, their visible observables."""
    links: list[Link] = []
    for chunk in _chunked(_ids(frontier, "observable")):
        rows = session.execute(select(Observable.id, Observable.domain).where(
            Observable.id.in_(chunk), Observable.type.in_(DOMAIN_TYPES), Observable.domain.is_not(None))).all()
        links += [_on_domain(oid, domain) for oid, domain in rows]
    domains = sorted(ref.key for ref in frontier if ref.kind == "domain")
    if domains:
        rows = session.execute(select(Observable.id, Observable.domain).where(
            Observable.domain.in_(domains), Observable.type.in_(DOMAIN_TYPES),
            observable_in_graph(view, Observable.id)).order_by(Observable.id).limit(limit)).all()
        links += [_on_domain(oid, domain) for oid, domain in rows]
    return links


def links_of(session: Session, view: View, frontier: set[NodeRef], limit: int) -> list[Link]:
    """Every visible edge touching ``frontier``; ``limit`` bounds the statement and domain fan-out per query."""
    return (relationship_links(session, view, frontier) + statement_links(session, view, frontier, limit)
            + domain_links(session, view, frontier, limit))


def grow(session: Session, view: View, graph: Subgraph, frontier: set[NodeRef], depth: int) -> set[NodeRef]:
    """Add the neighbours of ``frontier`` (at ``depth``) and their edges to ``graph``; return the new nodes."""
    fresh: set[NodeRef] = set()
    for link in links_of(session, view, frontier, graph.max_nodes):
        missing = {end for end in (link.a, link.b) if end not in graph.nodes}
        if len(graph.nodes) + len(missing) > graph.max_nodes:
            graph.truncated = True
            continue
        for end in missing:
            graph.nodes[end] = depth
        fresh |= missing
        graph.edges[link.edge.id] = link.edge
    return fresh
