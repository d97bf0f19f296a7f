"""The TAXII API roots and the collections each caller has.

Two API roots serve the same collections: ``aspjoc`` marks objects with the TLP 2.0 marking
definitions; ``aspjoc-tlp1`` uses the TLP 1.0 ids of STIX 2.1 where one exists, for receivers
that only know those (AMBER+STRICT has no TLP 1.0 form and keeps its TLP 2.0 id).

Collections are views of the statements the caller may export (``Purpose.EXPORT``), so two
callers asking for the same collection id see different contents:

* ``community``: everything the caller may export, with the owners' identities, the TLP
  marking definitions and aspjoc's extension definition; writable by roles that may add intelligence;
* ``organisation``: the statements of the caller's own organisation;
* one per sharing group the caller's organisation belongs to: statements whose marking names
  that group; objects added there are marked for the group;
* ``products``: the published intelligence products the caller may receive (read-only; see
  ``taxii.products``).

Collection ids are derived from names, so a hub and a node agree on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts.models import SharingGroup
from aspjoc.accounts.permissions import GRANTS, Permission
from aspjoc.intel.models import Statement
from aspjoc.marking import MarkingRecipient
from aspjoc.sharing.stix.vocab import stable_uuid
from aspjoc.sharing.taxii.media import TAXII_MEDIA, not_found

API_ROOTS = {"aspjoc": False, "aspjoc-tlp1": True}
DEFAULT_ROOT = "aspjoc"
COMMUNITY_ID = stable_uuid("collection:community")
ORGANISATION_ID = stable_uuid("collection:organisation")
PRODUCTS_ID = stable_uuid("collection:products")
MAX_CONTENT_LENGTH = 50 * 1024 * 1024


def interop_of(api_root: str) -> bool:
    """Whether ``api_root`` serves TLP 1.0 ids; a TAXII 404 for an unknown root."""
    if api_root not in API_ROOTS:
        raise not_found(f"API root '{api_root}'")
    return API_ROOTS[api_root]


def root_information(api_root: str) -> dict[str, object]:
    interop = interop_of(api_root)
    title = "aspjoc (TLP 1.0 marking ids)" if interop else "aspjoc"
    description = ("The programme's intelligence, marked with the TLP 1.0 ids of STIX 2.1 where one exists."
                   if interop else "The programme's intelligence, marked with TLP 2.0 marking definitions.")
    return {"title": title, "description": description, "versions": [TAXII_MEDIA],
            "max_content_length": MAX_CONTENT_LENGTH}


def group_collection_id(group_name: str) -> str:
    return stable_uuid(f"collection:group:{group_name}")


@dataclass(frozen=True)
class CollectionView:
    """One collection as a caller sees it; ``group_id`` is set for a sharing group's collection."""

    id: str
    title: str
    description: str
    alias: str
    can_write: bool
    group_id: int | None = None
    own_only: bool = False
    products: bool = False

    @property
    def community(self) -> bool:
        return self.group_id is None and not self.own_only and not self.products

    def condition(self, principal: Principal) -> ColumnElement[bool]:
        """What the collection adds to the access gate."""
        if self.group_id is not None:
            named = select(MarkingRecipient.marking_id).where(MarkingRecipient.group_id == self.group_id)
            return Statement.marking_id.in_(named)
        if self.own_only:
            return Statement.owner_org_id == principal.org_id
        return true()

    def resource(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "description": self.description, "alias": self.alias,
                "can_read": True, "can_write": self.can_write, "media_types": ["application/stix+json;version=2.1"]}


def collections_for(session: Session, principal: Principal) -> list[CollectionView]:
    """The collections ``principal`` has: community, its organisation, products, then its groups by name."""
    writes = Permission.WRITE_INTEL in GRANTS.get(principal.role or "", frozenset())
    found = [
        CollectionView(COMMUNITY_ID, "Community", "Every statement you may export, with owners and markings.",
                       "community", writes),
        CollectionView(ORGANISATION_ID, f"{principal.org_name}", "The statements of your own organisation.",
                       "organisation", writes, own_only=True),
    ]
    found.append(CollectionView(PRODUCTS_ID, "Intelligence products",
                                "Published assessments, advisories, activity reports and bulletins you may receive, "
                                "each a STIX report with its indicators.", "products", can_write=False, products=True))
    if principal.group_ids:
        groups = session.execute(select(SharingGroup.id, SharingGroup.name)
                                 .where(SharingGroup.id.in_(sorted(principal.group_ids))).order_by(SharingGroup.name))
        for group_id, name in groups:
            found.append(CollectionView(group_collection_id(name), f"Sharing group: {name}",
                                        f"Statements marked for the sharing group '{name}'.",
                                        f"group-{group_id}", writes, group_id=group_id))
    return found


def find_collection(session: Session, principal: Principal, collection_id: str) -> CollectionView:
    """The caller's collection with ``collection_id`` (its id or alias); a TAXII 404 otherwise."""
    for view in collections_for(session, principal):
        if collection_id in (view.id, view.alias):
            return view
    raise not_found(f"collection '{collection_id}'")
