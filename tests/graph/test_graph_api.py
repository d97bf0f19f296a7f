"""The link-analysis REST API: shapes, errors that name the field, the OpenAPI document, console pages without JavaScript."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from graph_helpers import Region, console_sign_in
from support import Factory, bearer


def test_entities_and_relationships_round_trip_with_markings(client: Any, make: Factory) -> None:
    r = Region(make)
    token = make.token(r.ph_user)
    made = client.post("/api/v1/entities", json={
        "kind": "group", "name": "Blue Dragon network", "role": "suspect", "aliases": ["BDN"], "country": "kh",
        "marking": {"tlp": "amber+strict", "recipients": {"organisations": ["Cambodian Cyber Unit"]}}},
        headers=bearer(token))
    assert made.status_code == 201, made.text
    entity = made.json()
    assert entity["country"] == "KH" and entity["marking"]["tlp"] == "amber+strict" and entity["victim_data"] is False
    linked = client.post("/api/v1/relationships", json={
        "kind": "uses", "source": {"type": "entity", "id": entity["id"]},
        "target": {"type": "observable", "value": "+63 917 555 0199"}, "marking": {"tlp": "green"}}, headers=bearer(token))
    assert linked.status_code == 201, linked.text
    rel = linked.json()
    assert rel["target"]["label"] == "+639175550199" and rel["source"]["label"] == "Blue Dragon network"
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=bearer(token)).json()["aliases"] == ["BDN"]
    listed = client.get("/api/v1/relationships", params={"node": f"entity:{entity['id']}"}, headers=bearer(token)).json()
    assert [i["id"] for i in listed["items"]] == [rel["id"]]
    kh_token = make.token(r.kh_user)
    th_token = make.token(r.th_user)
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=bearer(kh_token)).status_code == 200
    assert client.get(f"/api/v1/entities/{entity['id']}", headers=bearer(th_token)).status_code == 404
    graph = client.get("/api/v1/graph/neighbourhood", params={"focus": f"entity:{entity['id']}"}, headers=bearer(kh_token)).json()
    assert {n["kind"] for n in graph["nodes"]} == {"entity", "observable"}


def test_bad_values_name_their_field(client: Any, make: Factory) -> None:
    r = Region(make)
    token = make.token(r.ph_user)
    cases = [
        ("/api/v1/entities", {"kind": "spaceship", "name": "x"}, "kind"),
        ("/api/v1/entities", {"kind": "person", "name": "x", "role": "hero"}, "role"),
        ("/api/v1/entities", {"kind": "person", "name": "x", "country": "ZZ"}, "country"),
        ("/api/v1/entities", {"kind": "person", "name": "x", "marking": {"tlp": "purple"}}, "marking.tlp"),
        ("/api/v1/entities", {"kind": "person"}, "name"),
        ("/api/v1/relationships", {"kind": "uses", "source": {"type": "entity", "id": 999}, "target": {"type": "observable", "value": "192.0.2.1"}}, "source.id"),
        ("/api/v1/relationships", {"kind": "uses", "source": {"type": "planet", "id": 1}, "target": {"type": "observable", "value": "192.0.2.1"}}, "source.type"),
        ("/api/v1/relationships", {"kind": "uses", "source": {"type": "observable", "value": "not-an-identifier"}, "target": {"type": "observable", "value": "192.0.2.1"}}, "value"),
    ]
    for path, body, field in cases:
        reply = client.post(path, json=body, headers=bearer(token))
        assert 400 <= reply.status_code < 500, (body, reply.text)
        assert reply.json()["field"] == field, (body, reply.json())
    for params, field in [({"focus": "entity:1", "depth": 5}, "depth"), ({"focus": "entity:x"}, "focus")]:
        reply = client.get("/api/v1/graph/neighbourhood", params=params, headers=bearer(token))
        assert reply.status_code == 422 and reply.json()["field"] == field
    reply = client.get("/api/v1/graph/clusters", params={"crime_type": "jaywalking"}, headers=bearer(token))
    assert reply.status_code == 422 and reply.json()["field"] == "crime_type"
    viewer = make.token(make.user("viewer@ph.aspjoc.test", r.ph, role="viewer", password=None))
    refused = client.post("/api/v1/entities", json={"kind": "person", "name": "x"}, headers=bearer(viewer))
    assert refused.status_code == 403 and refused.json()["field"] == "role"
    assert client.get("/api/v1/graph/clusters").status_code == 401


def test_graph_routes_are_in_the_openapi_document(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/entities", "/api/v1/entities/{entity_id}", "/api/v1/relationships", "/api/v1/graph/neighbourhood",
                 "/api/v1/graph/path", "/api/v1/graph/clusters"):
        assert path in paths, path


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, list[str]] = {}
        self._table: str | None = None
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.cells[self._table] = []
        elif tag == "td" and self._table is not None:
            self._in_cell = True
            self.cells[self._table].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell and self._table is not None:
            self.cells[self._table][-1] += data


def test_graph_page_reads_without_javascript(client: Any, make: Factory) -> None:
    r = Region(make, passwords=True)
    crew = r.entity(r.th_user, "Golden Lotus crew", kind="group")
    r.link(r.th_user, "uses", ("entity", crew), ("observable", "https://lotus-invest.test/login"))
    console_sign_in(client, "inv@th.aspjoc.test")
    page = client.get("/graph", params={"focus": f"entity:{crew}", "depth": 2}, headers={"accept": "text/html"})
    assert page.status_code == 200
    tables = _Tables()
    tables.feed(page.text)
    assert any("Golden Lotus crew" in c for c in tables.cells["graph-nodes"])
    assert any("https://lotus-invest.test/login" in c for c in tables.cells["graph-nodes"])
    assert any("uses" in c for c in tables.cells["graph-edges"])
    assert '<script type="application/json" id="graph-data">' in page.text
    assert client.get("/static/cytoscape.min.js").status_code == 200
    bad = client.get("/graph", params={"focus": "entity:1", "depth": 9}, headers={"accept": "text/html"})
    assert bad.status_code == 422 and "depth" in bad.text
