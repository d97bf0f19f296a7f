"""The products collection: published intelligence products as a TAXII stream of their own.

Each published product the caller may export (``Purpose.EXPORT`` through the gate on products:
RED products never leave by a machine channel, a GREEN product reaches its community) brings its
STIX bundle's objects — the ``report``, its indicators, its author's identity and its TLP marking
definition — dated by the time of publication. Products are few (hundreds, not millions), so a
page is cut in Python from the products in publication order, and bundles are built lazily up
to the end of the page.

Objects shared by several products (an author's identity, a marking definition) are served once,
with the first product that carries them, so the manifest names each (id, version) once.
Keys are ``product id × KEY_SPAN + position in its bundle``, which keeps the keyset cursor of
``paging`` (date added, stream, key) strictly ordered inside a publication time.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.products.feed import iter_published_objects
from aspjoc.sharing.stix.vocab import stamp
from aspjoc.sharing.taxii.paging import PRODUCTS, Entry, Filters, Page, object_passes

KEY_SPAN = 1_000_000


def product_page(session: Session, principal: Principal, filters: Filters, interop: bool) -> tuple[Page, list[int]]:
    """The page of the products collection that ``filters`` ask for, and the ids of the products on it."""
    entries: list[Entry] = []
    seen: set[tuple[str, str]] = set()
    for published in iter_published_objects(session, principal, interop):
        added = stamp(published.published_at)
        for position, obj in enumerate(published.objects):
            version = str(obj.get("modified", obj.get("created", added)))
            if (obj["id"], version) in seen:
                continue
            seen.add((obj["id"], version))
            key = published.product_id * KEY_SPAN + position
            if object_passes(filters, added, PRODUCTS, key, obj):
                entries.append(Entry(added, PRODUCTS, key, obj["id"], version, obj))
        if len(entries) > filters.limit:
            break
    page = Page(entries[:filters.limit], more=len(entries) > filters.limit)
    product_ids = sorted({e.key // KEY_SPAN for e in page.entries})
    return page, product_ids
