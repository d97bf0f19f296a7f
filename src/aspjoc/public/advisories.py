"""Published CLEAR products for the public: the Atom 1.0 feed (RFC 4287)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from aspjoc.products.models import Product

ATOM = "http://www.w3.org/2005/Atom"
FEED_ID = "urn:aspjoc:public:advisories"


def _stamp(value: datetime) -> str:
    # RFC 4287 §3.3: an RFC 3339 date-time with a time zone.
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _when(product: Product) -> datetime:
    return product.published_at or product.updated_at


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(products: Sequence[Product], base_url: str, title: str, fallback_updated: datetime) -> bytes:
    """The feed document for ``products`` (newest first); ``base_url`` without a trailing slash.

    RFC 4287 §4.1.1 asks a feed for id, title and updated, and an author unless every entry has one;
    §4.1.2 asks each entry for id, title, updated, and a summary when it has no inline content.
    An empty list gives a valid feed with ``fallback_updated``.
    """
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", FEED_ID)
    _sub(feed, "title", title)
    _sub(feed, "updated", _stamp(max((_when(p) for p in products), default=fallback_updated)))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{base_url}/public/advisories.atom")
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{base_url}/public/advisories")
    author = _sub(feed, "author")
    _sub(author, "name", "aspjoc regional cybercrime programme")
    for product in products:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"urn:uuid:{product.uuid}")
        _sub(entry, "title", product.title)
        _sub(entry, "updated", _stamp(_when(product)))
        if product.published_at is not None:
            _sub(entry, "published", _stamp(product.published_at))
        _sub(entry, "link", rel="alternate", type="text/html", href=f"{base_url}/public/advisories/{product.uuid}")
        if product.crime_type:
            _sub(entry, "category", term=product.crime_type)
        _sub(entry, "summary", product.summary or product.title, type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False)
