"""Matches found by index lookup on the observable, at the moment statements are stored.

No table of pairs is ever built: the observables of the new statements are looked up in the
statements index, and each owner is told once per (observable, other organisation), as far as
the markings allow. Everything is batched: a call with ten thousand statement ids costs a
handful of queries per chunk, not queries per statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, visible_markings
from aspjoc.accounts.models import Organisation
from aspjoc.accounts.service import principal_for_org
from aspjoc.intel.models import Notice, Observable, Statement
from aspjoc.marking import Marking

MATCH = "match"
# Well under SQLite's bound-parameter limit, and a sensible IN-list size for PostgreSQL too.
CHUNK = 2000


class _Held(NamedTuple):
    statement_id: int
    observable_id: int
    org_id: int
    marking_id: int


_Key = tuple[int, int, int]  # (recipient organisation, observable, the other organisation)
# Core columns rather than ORM attributes: these queries return tens of thousands of plain rows,
# and the ORM's per-row work would dominate the time.
_S = Statement.__table__.c
_N = Notice.__table__.c


def _chunks(values: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _holders(session: Session, statement_ids: Sequence[int]) -> list[_Held]:
    """Every current statement on the observables of ``statement_ids``, theirs included: one self-join by index."""
    mine, other = Statement.__table__.alias("mine"), Statement.__table__.alias("other")
    found: dict[int, _Held] = {}
    for chunk in _chunks(statement_ids):
        rows = session.execute(
            select(other.c.id, other.c.observable_id, other.c.owner_org_id, other.c.marking_id)
            .select_from(mine.join(other, other.c.observable_id == mine.c.observable_id))
            .where(mine.c.id.in_(chunk), mine.c.withdrawn.is_(False), other.c.withdrawn.is_(False))).all()
        found.update((row[0], _Held._make(row)) for row in rows)
    return list(found.values())


def _already_told(session: Session, observable_ids: Sequence[int]) -> set[_Key]:
    """The keys of the match notices already sent for ``observable_ids``."""
    told: set[_Key] = set()
    for chunk in _chunks(observable_ids):
        rows = session.execute(select(_N.org_id, _N.observable_id, _N.actor_org_id).where(
            _N.kind == MATCH, _N.observable_id.in_(chunk))).all()
        told.update((org, obs, other) for org, obs, other in rows if obs is not None and other is not None)
    return told


def _pending(new: list[_Held], holders: list[_Held], told: set[_Key]) -> tuple[dict[_Key, set[_Held]], int]:
    """Notices still to send, each key with the other organisation's statements it is about; and the match count.

    Both sides of each match are told: the owner of the new statement about the other holder,
    and the other holder about the new statement's owner.
    """
    by_observable: dict[int, list[_Held]] = defaultdict(list)
    for held in holders:
        by_observable[held.observable_id].append(held)
    pending: dict[_Key, set[_Held]] = defaultdict(set)
    matches = 0
    for mine in new:
        for other in by_observable[mine.observable_id]:
            if other.org_id == mine.org_id:
                continue
            matches += 1
            to_mine, to_other = (mine.org_id, mine.observable_id, other.org_id), (other.org_id, mine.observable_id, mine.org_id)
            if to_mine not in told:
                pending[to_mine].add(other)
            if to_other not in told:
                pending[to_other].add(mine)
    return pending, matches


def _visible_markings(session: Session, principal: Principal, marking_ids: set[int]) -> set[int]:
    """Which of ``marking_ids`` the access gate lets ``principal`` see.

    The gate decides per marking (``access.visible_markings`` is its own condition), and every
    statement under a marking shares its visibility; asking about the few markings in play is
    the same answer as asking about each of thousands of statements, at a fraction of the cost.
    """
    return set(session.scalars(visible_markings(principal).where(Marking.id.in_(marking_ids))))


def _message(other_name: str | None, observable: tuple[str, str]) -> str:
    kind, value = observable
    if other_name is not None:
        return f"{other_name} also holds {kind} {value}."
    return f"Another organisation holds information on {kind} {value}; ask through a request for information."


def _notices(session: Session, pending: dict[_Key, set[_Held]], now: datetime) -> list[dict[str, object]]:
    """One notice row per pending key: named, with the statement, when the recipient organisation as a whole may see one of them."""
    orgs = {org.id: org for org in session.scalars(select(Organisation).where(
        Organisation.id.in_({org for key in pending for org in (key[0], key[2])})))}
    in_play: dict[int, set[int]] = defaultdict(set)
    for (recipient, _, _), helds in pending.items():
        in_play[recipient].update(h.marking_id for h in helds)
    visible = {recipient: _visible_markings(session, principal_for_org(session, orgs[recipient]), markings)
               for recipient, markings in in_play.items()}
    observables: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted({key[1] for key in pending})):
        observables.update((i, (t, v)) for i, t, v in session.execute(
            select(Observable.id, Observable.type, Observable.value).where(Observable.id.in_(chunk))).all())
    rows: list[dict[str, object]] = []
    for (recipient, observable_id, other), helds in pending.items():
        shown = min((h.statement_id for h in helds if h.marking_id in visible[recipient]), default=None)
        rows.append({"org_id": recipient, "kind": MATCH, "observable_id": observable_id, "statement_id": shown,
                     "actor_org_id": other, "created_at": now,
                     "message": _message(orgs[other].name if shown is not None else None, observables[observable_id])})
    return rows


def correlate(session: Session, statement_ids: Sequence[int], now: datetime) -> int:
    """Find other organisations' statements on the observables of ``statement_ids`` and notify both sides once.

    Each recipient organisation gets one notice per (observable, other organisation), ever:
    naming the other organisation, and pointing at its statement, only when the recipient's
    organisation as a whole may see one of that organisation's statements on the observable;
    otherwise the hit/no-hit message. Withdrawn statements neither match nor are matched.
    Returns the number of (new statement, other organisation's statement) matches seen.
    """
    wanted = sorted(set(statement_ids))
    holders = _holders(session, wanted)
    wanted_set = set(wanted)
    new = [h for h in holders if h.statement_id in wanted_set]
    observable_ids = sorted({held.observable_id for held in new})
    if len({(h.observable_id, h.org_id) for h in holders}) == len(observable_ids):
        return 0  # every observable has a single holder: nothing to tell
    pending, matches = _pending(new, holders, _already_told(session, observable_ids))
    if pending:
        # Core insert: one executemany; the ORM's bulk path would round-trip per row for the keys.
        session.execute(insert(Notice.__table__), _notices(session, pending, now))  # type: ignore[arg-type]
    return matches


def matched_pairs(session: Session, org_id: int, observable_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(observable, other organisation) pairs ``org_id`` has been told about among ``observable_ids``."""
    found: set[tuple[int, int]] = set()
    for chunk in _chunks(observable_ids):
        rows = session.execute(select(Notice.observable_id, Notice.actor_org_id).where(
            Notice.kind == MATCH, Notice.org_id == org_id, Notice.observable_id.in_(chunk)))
        found.update((obs, other) for obs, other in rows if obs is not None and other is not None)
    return found

