"""Tell a product's readers it is out: one Notice per audience organisation, on publication.

CLEAR and GREEN products go to every organisation; AMBER with no recipient named to every
law-enforcement and hub organisation; otherwise to the named organisations and the member
organisations of named groups. A product addressed to named users only (RED) is announced to
their organisations without its title, since their colleagues may not read it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import COMMUNITY_WIDE_AMBER_KINDS
from aspjoc.accounts.models import Organisation, SharingGroupMember, User
from aspjoc.intel.models import Notice
from aspjoc.marking import TLP, MarkingRecipient
from aspjoc.products.models import Product

KIND = "product"


def _named(session: Session, marking_id: int) -> tuple[set[int], dict[int, list[str]]]:
    """(organisations named directly or through a group, {organisation: e-mails of users named})."""
    orgs: set[int] = set()
    users: dict[int, list[str]] = {}
    rows = session.execute(select(MarkingRecipient.org_id, MarkingRecipient.user_id, MarkingRecipient.group_id)
                           .where(MarkingRecipient.marking_id == marking_id)).all()
    for org_id, user_id, group_id in rows:
        if org_id is not None:
            orgs.add(org_id)
        if group_id is not None:
            orgs.update(session.scalars(select(SharingGroupMember.org_id).where(SharingGroupMember.group_id == group_id)))
        if user_id is not None:
            user = session.get(User, user_id)
            if user is not None:
                users.setdefault(user.org_id, []).append(user.email)
    return orgs, users


def notify_audience(session: Session, product: Product, now: datetime) -> int:
    """Add the publication notices for ``product``; returns how many organisations were told."""
    level = TLP(product.marking.tlp)
    link = f"/products/{product.id}"
    titled = f"{product.kind_title} published by {product.author_org.name}: “{product.title}” ({link})."
    untitled: dict[int, str] = {}
    if level <= TLP.GREEN:
        orgs = set(session.scalars(select(Organisation.id)))
    elif not product.marking.has_recipients:
        orgs = set(session.scalars(select(Organisation.id).where(Organisation.kind.in_(COMMUNITY_WIDE_AMBER_KINDS))))
    else:
        orgs, users = _named(session, product.marking_id)
        for org_id, emails in users.items():
            if org_id not in orgs:
                untitled[org_id] = (f"{product.author_org.name} published a TLP:{level.label.upper()} product for "
                                    f"{', '.join(sorted(emails))} ({link}).")
    orgs.discard(product.author_org_id)
    untitled.pop(product.author_org_id, None)
    for org_id in sorted(orgs):
        session.add(Notice(org_id=org_id, kind=KIND, message=titled, actor_org_id=product.author_org_id,
                           actor_user_id=product.author_user_id, created_at=now))
    for org_id, message in sorted(untitled.items()):
        session.add(Notice(org_id=org_id, kind=KIND, message=message, actor_org_id=product.author_org_id,
                           actor_user_id=product.author_user_id, created_at=now))
    session.flush()
    return len(orgs) + len(untitled)
