"""How owners and markings named by another instance map onto this one.

Instances share no ids, so records carry names: the owner organisation's name (with its
country and kind), and a marking's recipients as organisation names, sharing-group names and
user e-mail addresses with the user's organisation. On arrival:

* an organisation is matched by exact name; when none has it, a placeholder organisation is
  created with the country and kind the remote gave (``FederatedOrganisation`` records that it
  was created so). A placeholder has no users, so it widens nobody's view;
* a sharing group is matched by name and this instance's membership applies; an unknown group
  becomes a placeholder group whose members are the owner and the organisation that received
  the record (it was entitled to it on the remote);
* a user is matched by e-mail when the user belongs to an organisation of the same name;
  otherwise the recipient becomes the user's organisation. For AMBER and AMBER+STRICT the
  gate already opens a user's grant to the user's organisation, so this is no wider; RED is
  never synchronised.

A recipient is never dropped: dropping one from an AMBER marking would leave it without
recipients, which opens it to every law-enforcement organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import (
    Organisation,
    OrgKind,
    SharingGroup,
    SharingGroupMember,
    User,
)
from aspjoc.countries import is_country
from aspjoc.errors import InvalidInput
from aspjoc.marking import TLP, Handling, MarkingSpec, marking_id_for
from aspjoc.sharing.models import FederatedOrganisation

KINDS = frozenset(k.value for k in OrgKind)


@dataclass
class Directory:
    """Name lookups for one batch of arriving records, creating placeholders on first need."""

    session: Session
    now: datetime
    remote_id: int | None = None
    orgs: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    markings: dict[str, int] = field(default_factory=dict)

    def organisation(self, name: str, country: str | None = None, kind: str | None = None) -> int:
        """The id of the organisation called ``name``, creating a placeholder when there is none."""
        name = name.strip()
        if not name:
            raise InvalidInput("owner.name", "an organisation needs a name")
        if name in self.orgs:
            return self.orgs[name]
        found = self.session.scalar(select(Organisation.id).where(Organisation.name == name))
        if found is None:
            country = country.upper() if country and is_country(country.upper()) else None
            org = accounts.add_organisation(self.session, name, country, kind if kind in KINDS else OrgKind.PRIVATE.value,
                                            self.now)
            self.session.add(FederatedOrganisation(org_id=org.id, remote_id=self.remote_id, created_at=self.now))
            found = org.id
        self.orgs[name] = found
        return found

    def group(self, name: str, owner_id: int, receiver_id: int | None) -> int:
        """The id of the sharing group called ``name``; a placeholder of the owner and the receiver when unknown."""
        if name in self.groups:
            return self.groups[name]
        found = self.session.scalar(select(SharingGroup.id).where(SharingGroup.name == name))
        if found is None:
            group = SharingGroup(name=name, description="Created when a remote instance named this group.",
                                 owner_org_id=owner_id, created_at=self.now)
            self.session.add(group)
            self.session.flush()
            for org_id in sorted({owner_id, *([receiver_id] if receiver_id else [])}):
                self.session.add(SharingGroupMember(group_id=group.id, org_id=org_id))
            found = group.id
        self.groups[name] = found
        return found

    def user(self, email: str, org_name: str) -> tuple[int, int] | None:
        """(user id, organisation id) of the user with ``email`` in an organisation called ``org_name``, else None."""
        row = self.session.execute(select(User.id, User.org_id).join(Organisation, Organisation.id == User.org_id)
                                   .where(User.email == email.strip().lower(), Organisation.name == org_name)).first()
        return (row[0], row[1]) if row else None

    def marking(self, owner_id: int, data: Mapping[str, Any], tlp: TLP, receiver_id: int | None) -> int:
        """The marking id for a remote marking (``{tlp, recipients, handling, public_use}``) owned by ``owner_id``."""
        recipients = data.get("recipients") or {}
        orgs = {self.organisation(str(n)) for n in recipients.get("organisations", [])}
        groups = {self.group(str(n), owner_id, receiver_id) for n in recipients.get("groups", [])}
        users: set[tuple[int, int]] = set()
        for entry in recipients.get("users", []):
            email, org_name = str(entry.get("email", "")), str(entry.get("organisation", ""))
            match = self.user(email, org_name) if email else None
            if match is not None:
                users.add(match)
            elif org_name:
                orgs.add(self.organisation(org_name))
            else:
                raise InvalidInput("marking.recipients.users", f"recipient '{email}' names no organisation")
        handling = Handling.parse_many([str(h) for h in data.get("handling", [])])
        spec = MarkingSpec(owner_id, tlp, frozenset(orgs), frozenset(users), frozenset(groups), handling,
                           bool(data.get("public_use", False)))
        key = spec.fingerprint()
        if key not in self.markings:
            self.markings[key] = marking_id_for(self.session, spec)
        return self.markings[key]
