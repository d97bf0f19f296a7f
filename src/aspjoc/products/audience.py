"""The audience of a product, and the one condition every generated figure is computed with.

A product is read by everyone its marking lets through the gate. Its figures must hold
nothing that any of those readers may not see, so they are computed with the **audience
principals**, the readers' classes, all at once:

* CLEAR: the anonymous public (``Principal.public()``) and a community member: CLEAR records
  without a ``no_export`` handling code;
* GREEN: a *community member*, signed in, of no organisation and no group: CLEAR and GREEN;
* AMBER, AMBER+STRICT or RED with named recipients: every named organisation as a whole
  (``principal_for_org``; recipients may pass AMBER within their organisation), every member
  organisation of a named sharing group, every named user, and always the author's organisation
  as a whole (an owner sees its own products);
* AMBER with no recipient named: a community member of law-enforcement kind (it reads AMBER
  shared with all law enforcement and the hub) and the author's organisation as a whole.

A record goes into a figure only when **every** audience principal may export it
(``Purpose.EXPORT``: a product is a dissemination, so RED and ``no_export`` records of
others never go in) **and** the author may read it. That is the exact intersection of the
readers' views. Sections computed by other capabilities' functions, which take a single
principal, get the **floor** principal instead: a community member (of law-enforcement kind
when every reader is law enforcement or hub), whose view lies inside every reader's view,
so it is safe though it may show less than the intersection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from aspjoc.access import COMMUNITY_WIDE_AMBER_KINDS, Principal, Purpose, gate
from aspjoc.accounts.models import Organisation, OrgKind, SharingGroupMember, User
from aspjoc.accounts.service import principal_for, principal_for_org
from aspjoc.marking import TLP, Marking, MarkingRecipient

# Ids start at 1: 0 names no organisation and no user, so the gate's "own" and "named" tests match nothing.
NOBODY = 0


def community_member(kind: str | None = None) -> Principal:
    """A signed-in member of the community with no organisation, group or name of its own."""
    return Principal(user_id=NOBODY, org_id=NOBODY, org_kind=kind, role="viewer", org_name="the community",
                     whole_organisation=True)


@dataclass(frozen=True)
class Audience:
    """Who reads a product: the principals whose views are intersected, and words for the reader."""

    level: TLP
    principals: tuple[Principal, ...]
    author: Principal
    floor: Principal
    description: str

    def condition(self, model: Any) -> ColumnElement[bool]:
        """The condition on ``model`` (a table with ``marking_id``) for records fit for every reader of the product."""
        gates = [gate(p, model, Purpose.EXPORT) for p in self.principals]
        return and_(gate(self.author, model), *gates)


def _recipients(session: Session, marking_id: int) -> tuple[set[int], set[int]]:
    """(organisation ids, user ids) named by the marking, sharing groups expanded to their member organisations."""
    orgs: set[int] = set()
    users: set[int] = set()
    for org_id, user_id, group_id in session.execute(
            select(MarkingRecipient.org_id, MarkingRecipient.user_id, MarkingRecipient.group_id)
            .where(MarkingRecipient.marking_id == marking_id)):
        if org_id is not None:
            orgs.add(org_id)
        if user_id is not None:
            users.add(user_id)
        if group_id is not None:
            orgs.update(session.scalars(select(SharingGroupMember.org_id).where(SharingGroupMember.group_id == group_id)))
    return orgs, users


def _floor(session: Session, org_ids: set[int]) -> Principal:
    kinds = set(session.scalars(select(Organisation.kind).where(Organisation.id.in_(org_ids))))
    wide = bool(kinds) and kinds <= set(COMMUNITY_WIDE_AMBER_KINDS)
    return community_member(OrgKind.LAW_ENFORCEMENT.value if wide else None)


def audience_of(session: Session, marking: Marking, author: Principal) -> Audience:
    """The audience of a product under ``marking`` written by ``author`` (see the module docstring)."""
    level = TLP(marking.tlp)
    if level is TLP.CLEAR:
        public = Principal.public()
        # The public's gate ignores handling codes; the community member's export gate adds them (no_export stays out).
        return Audience(level, (public, community_member()), author, public, "the public (TLP:CLEAR records only)")
    if level is TLP.GREEN:
        member = community_member()
        return Audience(level, (member,), author, member, "every member of the community (TLP:CLEAR and TLP:GREEN records)")
    author_org = session.get(Organisation, marking.owner_org_id)
    assert author_org is not None
    if not marking.has_recipients:
        member = community_member(OrgKind.LAW_ENFORCEMENT.value)
        return Audience(level, (member, principal_for_org(session, author_org)), author, _floor(session, {author_org.id}), "all law-enforcement and hub organisations")
    org_ids, user_ids = _recipients(session, marking.id)
    org_ids.add(author_org.id)
    orgs = list(session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)).order_by(Organisation.name)))
    users = list(session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.email)).unique())
    principals = (tuple(principal_for_org(session, o) for o in orgs)
                  + tuple(principal_for(session, u) for u in users))
    names = [o.name for o in orgs] + [u.email for u in users]
    floor = _floor(session, org_ids | {u.org_id for u in users})
    return Audience(level, principals, author, floor, "the named recipients: " + ", ".join(names))
