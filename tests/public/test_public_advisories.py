"""Public advisories: published CLEAR products only, newest first, as pages and a valid Atom 1.0 feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from aspjoc.marking import TLP, MarkingSpec, marking_id_for
from aspjoc.products.models import Product
from public_helpers import HTML, Region
from support import T0, Factory

ATOM = "{http://www.w3.org/2005/Atom}"


def _product(make: Factory, w: Region, title: str, tlp: TLP, status: str, published: datetime | None,
             approved: bool = True) -> str:
    with make.db.unit_of_work() as s:
        product = Product(
            kind="advisory", title=title, status=status, marking_id=marking_id_for(s, MarkingSpec(w.hub.id, tlp)),
            author_org_id=w.hub.id, author_user_id=w.hub_user.id, period_start=date(2026, 5, 1), period_end=date(2026, 5, 31),
            crime_type="investment_scam", summary=f"Summary of {title}.", body="Scammers **pose** as brokers.\n\n<script>x</script>",
            detection="Unrealistic returns.", prevention="Check the broker's licence.",
            approved_at=T0 if approved else None, published_at=published, created_at=T0, updated_at=published or T0)
        s.add(product)
        s.flush()
        return product.uuid


def _arrange(make: Factory) -> dict[str, str]:
    w = Region(make)
    return {
        "old": _product(make, w, "Fake trading apps", TLP.CLEAR, "published", T0 - timedelta(days=20)),
        "new": _product(make, w, "Parcel fee SMS", TLP.CLEAR, "published", T0 - timedelta(days=2)),
        "green": _product(make, w, "Community-only brief", TLP.GREEN, "published", T0 - timedelta(days=1)),
        "draft": _product(make, w, "Unreviewed draft", TLP.CLEAR, "draft", None, approved=False),
    }


def test_list_shows_published_clear_products_newest_first(client: Any, make: Factory) -> None:
    ids = _arrange(make)
    page = client.get("/public/advisories", headers=HTML).text
    assert page.index("Parcel fee SMS") < page.index("Fake trading apps")
    assert "Community-only brief" not in page and "Unreviewed draft" not in page
    detail = client.get(f"/public/advisories/{ids['new']}", headers=HTML)
    assert detail.status_code == 200 and "<strong>pose</strong>" in detail.text and "<script>x" not in detail.text
    assert "How to protect yourself" in detail.text
    for hidden in ("green", "draft"):
        assert client.get(f"/public/advisories/{ids[hidden]}", headers=HTML).status_code == 404


def test_atom_feed_is_valid_atom_with_the_required_elements(client: Any, make: Factory) -> None:
    ids = _arrange(make)
    reply = client.get("/public/advisories.atom")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(reply.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    assert any(link.get("rel") == "self" for link in feed.findall(f"{ATOM}link"))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Parcel fee SMS", "Fake trading apps"]
    for entry in entries:
        for required in ("id", "title", "updated", "summary"):
            assert entry.findtext(f"{ATOM}{required}"), required
        datetime.fromisoformat(entry.findtext(f"{ATOM}updated", "").replace("Z", "+00:00"))
        assert entry.find(f"{ATOM}link").get("href", "").endswith("/public/advisories/" + entry.findtext(f"{ATOM}id", "")[9:])  # type: ignore[union-attr]
    assert entries[0].findtext(f"{ATOM}id") == f"urn:uuid:{ids['new']}"
    assert feed.findtext(f"{ATOM}updated") == (T0 - timedelta(days=2)).isoformat().replace("+00:00", "Z")


def test_empty_feed_is_still_valid(client: Any) -> None:
    feed = ET.fromstring(client.get("/public/advisories.atom").content)
    assert feed.findtext(f"{ATOM}updated") and feed.findall(f"{ATOM}entry") == []
