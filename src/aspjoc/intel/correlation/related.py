"""Related values of an identifier: its host and registered domain, the CIDRs around an IP, the
identifiers under a domain or inside a CIDR, as far as the caller may see them.

Two kinds of relation, told apart because they leak differently:

* *derived* values follow from the identifier itself (the registered domain of a URL, the
  networks an IPv4 address belongs to). The caller could look each of them up, so each is shown
  with the same hit/no-hit answer a lookup gives: the value, how many statements the caller
  may see, and whether others hold more.
* *found* values are other identifiers that happen to share a domain or a range. Only those
  with a statement the caller may see are listed by value; the rest collapse into one
  anonymous entry saying that others hold related identifiers.

Every query goes by index: (type, value), ``observables.domain``, ``(num_lo, num_hi)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.intel.models import Observable, Statement
from aspjoc.observables import Canonical, ObservableType
from aspjoc.observables.network import ipv4_number

FOUND_LIMIT = 20
# How many identifiers under one domain or range are examined; a domain with a million URLs
# must not turn one lookup into a scan.
CANDIDATE_LIMIT = 1000


@dataclass(frozen=True)
class Related:
    """One related identifier (``type``/``value`` None for the anonymous "others hold related identifiers" entry)."""

    relation: str
    type: str | None
    value: str | None
    statements: int
    held_elsewhere: bool


def _ipv4_text(number: int) -> str:
    return ".".join(str(number >> shift & 0xFF) for shift in (24, 16, 8, 0))


def _networks(number: int) -> list[str]:
    """The canonical text of every IPv4 CIDR that contains the address ``number``."""
    found = []
    for prefix in range(33):
        mask = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF
        found.append(f"{_ipv4_text(number & mask)}/{prefix}")
    return found


def _host_of(url: str) -> tuple[str, str] | None:
    host = urlsplit(url).hostname
    if not host:
        return None
    return ("ipv4", host) if ipv4_number(host) is not None else ("domain", host)


def derived_values(canonical: Canonical) -> list[tuple[str, str, str]]:
    """(relation, type, value) of the values that follow from ``canonical`` itself, nearest first."""
    kind, value = canonical.type, canonical.value
    derived: list[tuple[str, str, str]] = []
    if kind in (ObservableType.url, ObservableType.email):
        host = _host_of(value) if kind is ObservableType.url else ("domain", value.rpartition("@")[2])
        if host is not None:
            derived.append(("host", *host))
    if kind is ObservableType.ipv4 and canonical.num_lo is not None:
        derived += [("inside_cidr", "cidr", net) for net in reversed(_networks(canonical.num_lo))]
    if kind is ObservableType.cidr and canonical.num_lo is not None:
        prefix = int(value.rpartition("/")[2])
        derived += [("inside_cidr", "cidr", net) for net in reversed(_networks(canonical.num_lo)[:prefix])]
    if kind in (ObservableType.url, ObservableType.email, ObservableType.domain) and canonical.domain:
        derived.append(("registered_domain", "domain", canonical.domain))
    return [d for d in dict.fromkeys(derived) if (d[1], d[2]) != (kind.value, value)]


def _current() -> ColumnElement[bool]:
    return Statement.withdrawn.is_(False)


def _tally(principal: Principal) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Per observable: how many current statements the caller may see, and 1 if there is one it may not."""
    seen = gate(principal, Statement)
    return func.sum(case((seen, 1), else_=0)), func.max(case((seen, 0), else_=1))


def _counts(session: Session, principal: Principal, observable_ids: Sequence[int]) -> tuple[dict[int, int], set[int]]:
    """Visible statement counts per observable, and the observables with statements the caller may not see."""
    if not observable_ids:
        return {}, set()
    visible, hidden = _tally(principal)
    rows = session.execute(select(Statement.observable_id, visible, hidden).where(
        Statement.observable_id.in_(observable_ids), _current()).group_by(Statement.observable_id)).all()
    return {oid: n for oid, n, _ in rows if n}, {oid for oid, _, h in rows if h}


def _derived(session: Session, principal: Principal, canonical: Canonical) -> list[Related]:
    wanted = derived_values(canonical)
    if not wanted:
        return []
    ids: dict[tuple[str, str], int] = {}
    for kind in sorted({t for _, t, _ in wanted}):
        values = [v for _, t, v in wanted if t == kind]
        ids.update(((kind, v), i) for i, v in session.execute(
            select(Observable.id, Observable.value).where(Observable.type == kind, Observable.value.in_(values))))
    visible, hidden = _counts(session, principal, list(ids.values()))
    found = []
    for relation, t, v in wanted:
        oid = ids.get((t, v))
        if oid is not None and (visible.get(oid) or oid in hidden):
            found.append(Related(relation, t, v, visible.get(oid, 0), oid in hidden))
    return found


def _candidates(canonical: Canonical, self_id: int | None) -> tuple[str, Select[int]] | None:
    """The relation name and the (bounded) query of other identifiers under the same domain or inside the range."""
    query: Select[int]
    if canonical.type is ObservableType.cidr and canonical.num_lo is not None and canonical.num_hi is not None:
        # Only IPv4 addresses and networks carry numbers. No condition on the type: it would
        # tempt SQLite into the (type, value) index and a scan of every address.
        query = select(Observable.id).where(Observable.num_lo >= canonical.num_lo, Observable.num_lo <= canonical.num_hi,
                                            Observable.num_hi <= canonical.num_hi)
        relation = "inside"
    elif canonical.type in (ObservableType.domain, ObservableType.url) and canonical.domain:
        query = select(Observable.id).where(Observable.domain == canonical.domain)
        relation = "same_registered_domain"
    else:
        return None
    if self_id is not None:
        query = query.where(Observable.id != self_id)
    return relation, query.limit(CANDIDATE_LIMIT)


def _found(session: Session, principal: Principal, canonical: Canonical, self_id: int | None,
           exclude: set[tuple[str, str]]) -> list[Related]:
    spec = _candidates(canonical, self_id)
    if spec is None:
        return []
    relation, candidates = spec
    # One pass over the candidates' statements, the gate evaluated in SQL for each: how many the
    # caller may see, whether any it may not, and when it last saw one.
    visible, hidden = _tally(principal)
    per_observable = (
        select(Statement.observable_id.label("id"), visible.label("visible"), hidden.label("hidden"),
               func.max(case((gate(principal, Statement), Statement.last_seen))).label("last_seen"))
        .where(Statement.observable_id.in_(candidates.scalar_subquery()), _current())
        .group_by(Statement.observable_id).subquery())
    rows = session.execute(
        select(Observable.type, Observable.value, per_observable.c.visible, per_observable.c.hidden)
        .join(per_observable, per_observable.c.id == Observable.id).where(per_observable.c.visible > 0)
        .order_by(per_observable.c.last_seen.desc(), Observable.id).limit(FOUND_LIMIT + len(exclude))).all()
    found = [Related(relation, t, v, n, bool(h)) for t, v, n, h in rows if (t, v) not in exclude][:FOUND_LIMIT]
    only_hidden = session.scalar(select(exists().where(per_observable.c.visible == 0)))
    if only_hidden:
        found.append(Related(relation, None, None, 0, True))
    return found


def related_values(session: Session, principal: Principal, canonical: Canonical, observable_id: int | None) -> list[Related]:
    """What ``principal`` may know about identifiers related to ``canonical`` (stored as ``observable_id``, if at all).

    Derived values first (host, networks, registered domain), then found ones (at most
    FOUND_LIMIT by value, most recently seen first, then one anonymous entry when others hold
    related identifiers the caller may not see). Values nobody holds are left out.
    """
    derived = _derived(session, principal, canonical)
    return derived + _found(session, principal, canonical, observable_id, {(r.type or "", r.value or "") for r in derived})
