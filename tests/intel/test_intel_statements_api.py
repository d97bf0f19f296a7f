"""The statements and lookup API: shapes, errors that name the field, paging, hit/no-hit."""

from __future__ import annotations

from typing import Any

from support import Factory, bearer


def _setup(make: Factory) -> tuple[Any, Any, str, str]:
    fj = make.org("Fiji Cyber Unit", "FJ")
    th = make.org("Thai Cyber Unit", "TH")
    fj_user = make.user("a@fj.aspjoc.test", fj)
    th_user = make.user("b@th.aspjoc.test", th)
    return fj, th, make.token(fj_user), make.token(th_user)


def test_statement_is_stored_with_canonical_value_owner_and_marking(client: Any, make: Factory) -> None:
    fj, th, fj_token, _ = _setup(make)
    body = {"observable": {"type": "phone", "value": "+679 999 0001"}, "kind": "indicator",
            "crime_type": "investment_scam", "confidence": 80,
            "first_seen": "2026-03-01T00:00:00Z", "last_seen": "2026-03-04T00:00:00Z",
            "marking": {"tlp": "amber+strict", "recipients": {"organisations": [th.name]},
                        "handling": ["notify_owner"], "public_use": False}}
    reply = client.post("/api/v1/statements", json=body, headers=bearer(fj_token))
    assert reply.status_code == 201, reply.text
    data = reply.json()
    assert data["observable"] == {"type": "phone", "value": "+6799990001", "country": "FJ"}
    assert data["owner"]["name"] == "Fiji Cyber Unit"
    assert data["marking"]["tlp"] == "amber+strict"
    assert data["marking"]["recipients"]["organisations"] == [th.id]
    assert data["marking"]["handling"] == ["notify_owner"]


def test_same_statement_twice_updates_rather_than_duplicates(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    body = {"observable": {"value": "hxxps://login-verify[.]example/x"}, "crime_type": "phishing", "marking": {"tlp": "green"}}
    first = client.post("/api/v1/statements", json=body, headers=bearer(token))
    second = client.post("/api/v1/statements", json=body, headers=bearer(token))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["sightings"] == 2
    assert client.get("/api/v1/statements", headers=bearer(token)).json()["total"] == 1


def test_invalid_identifier_is_refused_with_field_and_reason(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    reply = client.post("/api/v1/statements", json={"observable": {"type": "phone", "value": "+679 12"}}, headers=bearer(token))
    assert reply.status_code == 422
    assert reply.json()["field"] in ("value", "observable.value")
    assert reply.json()["reason"]


def test_malformed_fields_name_the_field(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    cases = [
        ({"observable": {"value": "192.0.2.1"}, "marking": {"tlp": "purple"}}, "marking.tlp"),
        ({"observable": {"value": "192.0.2.1"}, "confidence": 300}, "confidence"),
        ({"observable": {"value": "192.0.2.1"}, "crime_type": "jaywalking"}, "crime_type"),
        ({"observable": {"value": "192.0.2.1"}, "marking": {"handling": ["shout"]}}, "marking.handling"),
        ({"observable": {"value": "192.0.2.1"}, "marking": {"recipients": {"organisations": ["Nobody"]}}}, "organisation"),
        ({"observable": {"value": "192.0.2.1", "type": "planet"}}, "type"),
        ({"kind": "indicator"}, "observable"),
    ]
    for body, field in cases:
        reply = client.post("/api/v1/statements", json=body, headers=bearer(token))
        assert 400 <= reply.status_code < 500, (body, reply.text)
        assert reply.json()["field"].startswith(field) or field in reply.json()["field"], (body, reply.json())


def test_requests_without_valid_token_are_refused(client: Any, make: Factory) -> None:
    _setup(make)
    assert client.get("/api/v1/statements").status_code == 401
    assert client.get("/api/v1/statements", headers=bearer("aspjoc_wrong")).status_code == 401
    assert client.post("/api/v1/statements", json={"observable": {"value": "192.0.2.1"}}).status_code == 401


def test_viewer_may_read_but_not_write(client: Any, make: Factory) -> None:
    org = make.org("Tonga Cyber Unit", "TO")
    token = make.token(make.user("v@to.aspjoc.test", org, role="viewer"))
    assert client.get("/api/v1/statements", headers=bearer(token)).status_code == 200
    reply = client.post("/api/v1/statements", json={"observable": {"value": "192.0.2.1"}}, headers=bearer(token))
    assert reply.status_code == 403
    assert reply.json()["field"] == "role"


def test_list_pages_with_cursor_and_filters(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    for i in range(7):
        client.post("/api/v1/statements", json={"observable": {"value": f"198.51.100.{i}"}, "crime_type": "phishing",
                                                "marking": {"tlp": "green"}}, headers=bearer(token))
    client.post("/api/v1/statements", json={"observable": {"value": "+679 999 0001"}, "crime_type": "romance_scam"},
                headers=bearer(token))
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "type": "ipv4"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/statements", params=params, headers=bearer(token)).json()
        assert page["total"] == 7
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    romance = client.get("/api/v1/statements", params={"crime_type": "romance_scam"}, headers=bearer(token)).json()
    assert [i["observable"]["type"] for i in romance["items"]] == ["phone"]
    assert client.get("/api/v1/statements", params={"cursor": "!!"}, headers=bearer(token)).json()["field"] == "cursor"


def test_lookup_of_value_held_only_under_red_answers_held_elsewhere_and_nothing_more(client: Any, make: Factory) -> None:
    fj, th, fj_token, th_token = _setup(make)
    client.post("/api/v1/statements", json={"observable": {"value": "TH:901:1234567890"}, "crime_type": "money_mule",
                                            "description": "mule account, operation details",
                                            "marking": {"tlp": "red", "handling": ["notify_owner"]}}, headers=bearer(th_token))
    reply = client.get("/api/v1/lookup", params={"q": "TH:901:1234-567890"}, headers=bearer(fj_token))
    assert reply.status_code == 200
    data = reply.json()
    assert data["held_elsewhere"] is True
    assert data["statements"] == []
    assert "mule" not in reply.text and "Thai" not in reply.text
    own = client.get("/api/v1/lookup", params={"q": "TH:901:1234567890"}, headers=bearer(th_token)).json()
    assert own["held_elsewhere"] is False and len(own["statements"]) == 1


def test_lookup_of_unknown_value_is_a_plain_no(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    data = client.get("/api/v1/lookup", params={"q": "192.0.2.200"}, headers=bearer(token)).json()
    assert data == {"query": "192.0.2.200", "observable": None, "statements": [], "held_elsewhere": False, "related": []}


def test_lookup_of_garbage_is_a_422_naming_the_value(client: Any, make: Factory) -> None:
    _, _, token, _ = _setup(make)
    reply = client.get("/api/v1/lookup", params={"q": "not an identifier at all !!"}, headers=bearer(token))
    assert reply.status_code == 422
    assert reply.json()["field"] == "value"


def test_me_describes_the_caller(client: Any, make: Factory) -> None:
    fj, _, token, _ = _setup(make)
    me = client.get("/api/v1/me", headers=bearer(token)).json()
    assert me["email"] == "a@fj.aspjoc.test"
    assert me["organisation"]["name"] == fj.name and me["organisation"]["country"] == "FJ"
