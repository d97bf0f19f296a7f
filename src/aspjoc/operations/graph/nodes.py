"""Node keys (``entity:12``, ``observable:5``, ``statement:9``, ``domain:example.com``) and their descriptions.

Descriptions are loaded in one gated query per kind for a whole set of keys; a key the viewer may
not see is simply absent from the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.accounts.models import Organisation
from aspjoc.errors import InvalidInput, NotFound
from aspjoc.intel.models import Observable, Statement
from aspjoc.marking import Marking, TLP
from aspjoc.observables import canonicalise
from aspjoc.operations.graph.models import Entity, EntityRole
from aspjoc.operations.graph.schemas import NodeOut
from aspjoc.operations.graph.visibility import View, entity_condition, observable_in_graph, statement_condition

KINDS = ("entity", "observable", "statement", "domain")


@dataclass(frozen=True, order=True)
class NodeRef:
    kind: str
    key: str

    @property
    def id(self) -> int:
        return int(self.key)

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


def node(kind: str, key: object) -> NodeRef:
    return NodeRef(kind, str(key))


def parse_ref(text: str, field: str = "focus") -> NodeRef | None:
    """Read ``entity:12``-style keys; None when ``text`` is not one (it may be an identifier value)."""
    kind, sep, key = text.strip().partition(":")
    if not sep or kind not in KINDS:
        return None
    if kind == "domain":
        if not key:
            raise InvalidInput(field, "a domain key needs a registered domain, like domain:example.com")
        return NodeRef(kind, key.lower())
    if not key.isdigit():
        raise InvalidInput(field, f"'{text}' is not a node key; use {kind}:<number>")
    return NodeRef(kind, str(int(key)))


def resolve_focus(session: Session, view: View, text: str, field: str = "focus") -> NodeRef | None:
    """The node ``text`` names, or None when it names an identifier nothing visible mentions.

    ``text`` is a node key or any identifier value. A key the viewer may not see raises NotFound;
    an identifier that is stored but only under hidden records answers None, exactly like one that
    is not stored at all, so the graph never tells who holds what.
    """
    ref = parse_ref(text, field)
    if ref is None:
        canonical = canonicalise(text)
        found = session.scalar(select(Observable.id).where(
            Observable.type == canonical.type.value, Observable.value == canonical.value,
            observable_in_graph(view, Observable.id)))
        return node("observable", found) if found is not None else None
    if ref.kind != "domain" and str(ref) not in describe(session, view, [ref]):
        raise NotFound(field, f"no {ref.kind} {ref.key}")
    return ref


def _tlp(level: int) -> str:
    return TLP(level).label


def _entities(session: Session, view: View, ids: set[int]) -> dict[str, NodeOut]:
    rows = session.execute(select(Entity, Marking.tlp, Organisation.name).join(Marking, Marking.id == Entity.marking_id)
                           .join(Organisation, Organisation.id == Entity.owner_org_id)
                           .where(Entity.id.in_(ids), entity_condition(view))).all()
    return {f"entity:{e.id}": NodeOut(id=f"entity:{e.id}", kind="entity", label=e.name, type=e.kind, role=e.role,
                                      victim_data=e.role == EntityRole.VICTIM.value, tlp=_tlp(tlp), owner=owner)  # type: ignore[arg-type]
            for e, tlp, owner in rows}


def _observables(session: Session, view: View, ids: set[int]) -> dict[str, NodeOut]:
    rows = session.execute(select(Observable.id, Observable.type, Observable.value)
                           .where(Observable.id.in_(ids), observable_in_graph(view, Observable.id))).all()
    return {f"observable:{i}": NodeOut(id=f"observable:{i}", kind="observable", label=value, type=type_)
            for i, type_, value in rows}


def _statements(session: Session, view: View, ids: set[int]) -> dict[str, NodeOut]:
    rows = session.scalars(select(Statement).where(Statement.id.in_(ids), statement_condition(view))).unique().all()
    out = {}
    for s in rows:
        owner = s.owner.country or s.owner.name
        label = f"{owner} {s.kind}" + (f" · {s.crime_type.replace('_', ' ')}" if s.crime_type else "")
        out[f"statement:{s.id}"] = NodeOut(id=f"statement:{s.id}", kind="statement", label=label, type=s.kind,
                                           tlp=_tlp(s.marking.tlp), owner=s.owner.name,  # type: ignore[arg-type]
                                           victim_data=s.kind == "victim")
    return out


def describe(session: Session, view: View, refs: Iterable[NodeRef]) -> dict[str, NodeOut]:
    """Descriptions of the visible nodes among ``refs``, keyed by node key; hidden ones are left out."""
    wanted: dict[str, set[str]] = {k: set() for k in KINDS}
    for ref in refs:
        wanted[ref.kind].add(ref.key)
    out: dict[str, NodeOut] = {}
    for chunk in _chunks(wanted["entity"]):
        out.update(_entities(session, view, chunk))
    for chunk in _chunks(wanted["observable"]):
        out.update(_observables(session, view, chunk))
    for chunk in _chunks(wanted["statement"]):
        out.update(_statements(session, view, chunk))
    for name in wanted["domain"]:
        out[f"domain:{name}"] = NodeOut(id=f"domain:{name}", kind="domain", label=name, type="registered domain")
    return out


def _chunks(keys: set[str], size: int = 500) -> Iterable[set[int]]:
    ids = sorted(int(k) for k in keys)
    for start in range(0, len(ids), size):
        yield set(ids[start:start + size])
