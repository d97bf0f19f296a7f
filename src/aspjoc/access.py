"""The one access gate: who may see which marked record, as an SQL condition.

Every read path — pages, REST, TAXII, MISP, exports, search, graph, reports,
notices, the public check — asks ``gate(principal, Model, purpose)`` for the
condition and adds it to its query. Nothing filters loaded rows in Python.

The visibility rule (DESIGN.md, "The one rule"):

* the owner organisation always sees its own;
* CLEAR: everyone, the public included;
* GREEN: every signed-in user;
* AMBER: the named recipient organisations (an organisation named directly,
  the organisation of a named user, the members of a named sharing group);
  with none named, every law-enforcement and hub organisation;
* AMBER+STRICT: the named recipient organisations only;
* RED: the named recipient users, or the named organisations (directly or
  through a sharing group); a named user does not open it to the user's
  colleagues.

Purposes narrow further: EXPORT drops RED and ``no_export`` records that the
caller does not own; PUBLIC_CHECK sees only records whose owner gave
public-use consent, whatever their level, because the public check answers
only a verdict and counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select

from aspjoc.accounts.models import OrgKind
from aspjoc.marking import Handling, Marking, MarkingRecipient, TLP

COMMUNITY_WIDE_AMBER_KINDS = (OrgKind.LAW_ENFORCEMENT.value, OrgKind.HUB.value)


class Purpose(Enum):
    READ = "read"
    EXPORT = "export"
    PUBLIC_CHECK = "public_check"


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user, a whole organisation, or the anonymous public (all ids None).

    A whole-organisation principal (for feeds, sync and correlation notices addressed to an
    organisation) sees what the organisation sees, without grants made to one of its users by name.
    """

    user_id: int | None = None
    org_id: int | None = None
    org_kind: str | None = None
    role: str | None = None
    email: str = ""
    org_name: str = ""
    country: str | None = None
    group_ids: frozenset[int] = field(default_factory=frozenset)
    whole_organisation: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None or self.whole_organisation

    @classmethod
    def public(cls) -> Principal:
        return cls()


def _recipient_match(principal: Principal) -> ColumnElement[bool]:
    r = MarkingRecipient
    named_org = or_(r.org_id == principal.org_id, r.group_id.in_(principal.group_ids)) if principal.group_ids else (
        r.org_id == principal.org_id
    )
    # A whole-organisation principal has no user id: ``== None`` would compile to IS NULL and match every
    # organisation and group recipient row, so a missing id must match nothing.
    by_user = r.user_id == principal.user_id if principal.user_id is not None else false()
    by_users_org = and_(r.user_org_id == principal.org_id, Marking.tlp != int(TLP.RED))
    return exists().where(r.marking_id == Marking.id, or_(named_org, by_user, by_users_org))


def marking_condition(principal: Principal, purpose: Purpose = Purpose.READ) -> ColumnElement[bool]:
    """The condition on the ``markings`` table for what ``principal`` may see for ``purpose``."""
    if purpose is Purpose.PUBLIC_CHECK:
        return Marking.public_use.is_(True)
    if not principal.authenticated:
        return Marking.tlp == int(TLP.CLEAR)
    own = Marking.owner_org_id == principal.org_id
    amber_by_default: ColumnElement[bool] = (
        and_(Marking.tlp == int(TLP.AMBER), Marking.has_recipients.is_(False))
        if principal.org_kind in COMMUNITY_WIDE_AMBER_KINDS
        else false()
    )
    others = or_(
        Marking.tlp.in_((int(TLP.CLEAR), int(TLP.GREEN))),
        amber_by_default,
        and_(Marking.tlp >= int(TLP.AMBER), _recipient_match(principal)),
    )
    if purpose is Purpose.EXPORT:
        others = and_(others, Marking.tlp != int(TLP.RED), Marking.handling.op("&")(int(Handling.NO_EXPORT)) == 0)
    return or_(own, others)


def visible_markings(principal: Principal, purpose: Purpose = Purpose.READ) -> Select[int]:
    """SELECT of the marking ids ``principal`` may see for ``purpose``."""
    return select(Marking.id).where(marking_condition(principal, purpose))


def gate(principal: Principal, model: Any, purpose: Purpose = Purpose.READ) -> ColumnElement[bool]:
    """The condition on ``model`` (any table with a ``marking_id`` column) for what ``principal`` may see."""
    return model.marking_id.in_(visible_markings(principal, purpose))

