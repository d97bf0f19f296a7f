"""Who takes part in an operation, what they may change, and how records made inside it are marked.

Everything created inside an operation is marked AMBER to the operation's sharing group unless the author
marks it narrower: AMBER or AMBER+STRICT to some participants, or RED. Nothing can be marked wider, so a
record made in an operation never reaches beyond its participants.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation, OrgKind, SharingGroupMember
from aspjoc.errors import InvalidInput, NotFound, PermissionDenied
from aspjoc.marking import Handling, MarkingSpec, TLP
from aspjoc.operations.models import Operation
from aspjoc.operations.schemas import OpMarkingIn

ACTING_KINDS = (OrgKind.LAW_ENFORCEMENT.value, OrgKind.HUB.value)


def visible_operation(session: Session, principal: Principal, operation_id: int) -> Operation:
    """The operation if ``principal`` may see it; NotFound otherwise (the same answer as for no such operation)."""
    found = session.scalar(select(Operation).where(Operation.id == operation_id, gate(principal, Operation)))
    if found is None:
        raise NotFound("operation", f"no operation {operation_id}")
    return found


def is_participant(principal: Principal, operation: Operation) -> bool:
    return operation.group_id in principal.group_ids or principal.org_id in (operation.lead_org_id, operation.owner_org_id)


def require_participant(principal: Principal, operation: Operation) -> None:
    if not is_participant(principal, operation):
        raise PermissionDenied("operation", "only participating organisations may add to this operation")


def require_lead(principal: Principal, operation: Operation) -> None:
    if principal.org_id not in (operation.lead_org_id, operation.owner_org_id):
        raise PermissionDenied("operation", "only the lead organisation may change this operation")


def participants(session: Session, operation: Operation) -> list[Organisation]:
    """Member organisations of the operation's sharing group, by name."""
    return list(session.scalars(
        select(Organisation).join(SharingGroupMember, SharingGroupMember.org_id == Organisation.id)
        .where(SharingGroupMember.group_id == operation.group_id).order_by(Organisation.name)))


def participant_ids(session: Session, operation: Operation) -> set[int]:
    return set(session.scalars(select(SharingGroupMember.org_id).where(SharingGroupMember.group_id == operation.group_id)))


def acting_orgs(session: Session, operation: Operation) -> list[Organisation]:
    """Participating law-enforcement and hub organisations that have a country: the ones that can act."""
    return [o for o in participants(session, operation) if o.kind in ACTING_KINDS and o.country]


def acting_countries(session: Session, operation: Operation) -> list[str]:
    return sorted({o.country for o in acting_orgs(session, operation) if o.country})


def check_acting_country(session: Session, operation: Operation, country: str, field: str = "country") -> str:
    code = (country or "").strip().upper()
    if code not in acting_countries(session, operation):
        raise InvalidInput(field, f"'{country}' has no participating law-enforcement organisation in operation "
                                  f"'{operation.name}'; add one as a participant first")
    return code


def add_members(session: Session, operation: Operation, orgs: Iterable[Organisation]) -> list[Organisation]:
    """Add ``orgs`` to the operation's sharing group; returns those that were not members yet."""
    present = participant_ids(session, operation)
    added = [o for o in orgs if o.id not in present]
    for org in added:
        session.add(SharingGroupMember(group_id=operation.group_id, org_id=org.id))
        present.add(org.id)
    session.flush()
    return added


def default_marking(principal: Principal, operation: Operation, extra_orgs: Iterable[int] = ()) -> MarkingSpec:
    """AMBER to the operation's participants (and ``extra_orgs``, such as a provider asked to act), owned by the author."""
    assert principal.org_id is not None
    return MarkingSpec(principal.org_id, TLP.AMBER, orgs=frozenset(extra_orgs), groups=frozenset({operation.group_id}))


def marking_for(session: Session, principal: Principal, operation: Operation, data: OpMarkingIn | None,
                extra_orgs: Iterable[int] = (), field: str = "marking") -> MarkingSpec:
    """The default marking, or the author's narrower one; InvalidInput when a recipient is not a participant.

    AMBER and AMBER+STRICT with nobody named go to the operation's group; RED with nobody named stays with
    the author's organisation. ``extra_orgs`` are always added, so an addressee can see what is sent to it.
    """
    if data is None:
        return default_marking(principal, operation, extra_orgs)
    assert principal.org_id is not None
    members = participant_ids(session, operation)
    orgs: set[int] = set()
    for ref in data.organisations:
        org = accounts.find_organisation(session, ref)
        if org.id not in members:
            raise InvalidInput(f"{field}.organisations", f"'{org.name}' does not take part in operation '{operation.name}'")
        orgs.add(org.id)
    users: set[tuple[int, int]] = set()
    for ref in data.users:
        user = accounts.find_user(session, ref)
        if user.org_id not in members:
            raise InvalidInput(f"{field}.users", f"'{user.email}' is not in an organisation taking part in '{operation.name}'")
        users.add((user.id, user.org_id))
    tlp = TLP.parse(data.tlp, f"{field}.tlp")
    groups = frozenset({operation.group_id}) if tlp is not TLP.RED and not orgs and not users else frozenset()
    handling = Handling.parse_many(data.handling, f"{field}.handling")
    return MarkingSpec(principal.org_id, tlp, frozenset(orgs | set(extra_orgs)), frozenset(users), groups, handling)
