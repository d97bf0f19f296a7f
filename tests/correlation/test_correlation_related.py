"""Related values on the lookup: host and registered domain, networks around an IP, neighbours — and what they must not reveal."""

from __future__ import annotations

from typing import Any

from correlation_helpers import Region
from support import Factory, bearer


def _related(client: Any, token: str, q: str) -> list[dict[str, Any]]:
    reply = client.get("/api/v1/lookup", params={"q": q}, headers=bearer(token))
    assert reply.status_code == 200, reply.text
    return list(reply.json()["related"])


def _pairs(related: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(r["relation"], r["observable"]["value"] if r["observable"] else None) for r in related}


def test_url_lookup_shows_its_host_and_registered_domain(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, "login.coral-bank-verify.example", "green")
    r.state(r.th_a, "coral-bank-verify.example", "green")
    related = _related(client, r.token(r.ph_a), "https://login.coral-bank-verify.example/otp")
    assert _pairs(related) == {("host", "login.coral-bank-verify.example"), ("registered_domain", "coral-bank-verify.example")}
    assert all(x["statements"] == 1 and not x["held_elsewhere"] for x in related)


def test_domain_lookup_lists_visible_urls_under_it_and_hides_the_rest(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.ph_a, "https://coral-bank-verify.example/login", "green")
    r.state(r.th_a, "https://coral-bank-verify.example/case-4711-secret-path", "red", description="undercover page")
    related = _related(client, r.token(r.ph_a), "coral-bank-verify.example")
    pairs = _pairs(related)
    assert ("same_registered_domain", "https://coral-bank-verify.example/login") in pairs
    assert ("same_registered_domain", None) in pairs, "others hold related identifiers: one anonymous entry"
    reply = client.get("/api/v1/lookup", params={"q": "coral-bank-verify.example"}, headers=bearer(r.token(r.ph_a)))
    assert "case-4711" not in reply.text and "Thai" not in reply.text and "undercover" not in reply.text
    own = _pairs(_related(client, r.token(r.th_a), "coral-bank-verify.example"))
    assert ("same_registered_domain", "https://coral-bank-verify.example/case-4711-secret-path") in own


def test_ip_inside_a_stored_cidr_is_related_and_a_red_cidr_only_answers_hit_no_hit(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.ph_a, "203.0.113.0/24", "green")
    r.state(r.th_a, "203.0.112.0/22", "red", description="bulletproof hoster under investigation")
    related = _related(client, r.token(r.ph_a), "203.0.113.77")
    by_value = {x["observable"]["value"]: x for x in related}
    assert by_value["203.0.113.0/24"]["relation"] == "inside_cidr" and by_value["203.0.113.0/24"]["statements"] == 1
    red = by_value["203.0.112.0/22"]
    assert red["statements"] == 0 and red["held_elsewhere"] is True
    reply = client.get("/api/v1/lookup", params={"q": "203.0.113.77"}, headers=bearer(r.token(r.ph_a)))
    assert "bulletproof" not in reply.text and "Thai" not in reply.text


def test_cidr_lookup_lists_visible_addresses_inside_it(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.ph_a, "198.51.100.23", "green")
    r.state(r.th_a, "198.51.100.99", "amber+strict", orgs=[r.hub.id])
    r.state(r.ph_a, "198.51.101.5", "green")
    ph = _pairs(_related(client, r.token(r.ph_a), "198.51.100.0/24"))
    assert ph == {("inside", "198.51.100.23"), ("inside", None)}
    hub = _pairs(_related(client, r.token(r.hub_a), "198.51.100.0/24"))
    assert hub == {("inside", "198.51.100.23"), ("inside", "198.51.100.99")}


def test_nothing_related_is_an_empty_list(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.th_a, "+66 81 234 5678", "green")
    assert _related(client, r.token(r.ph_a), "+66 81 234 5678") == []


def test_lookup_gives_each_visible_statement_a_score(client: Any, make: Factory) -> None:
    r = Region(make)
    r.state(r.ph_a, "+63 917 123 4567", "green", confidence=90, reliability="A", credibility=1)
    data = client.get("/api/v1/lookup", params={"q": "+63 917 123 4567"}, headers=bearer(r.token(r.th_a))).json()
    assert [s["score"] for s in data["statements"]] == [72]


def test_lookup_page_shows_score_related_values_and_the_ask_button(client: Any, make: Factory) -> None:
    r = Region(make, console=True)
    r.state(r.th_a, "https://pay-coral.example/x", "red")
    r.state(r.ph_a, "pay-coral.example", "green")
    client.post("/signin", data={"email": "a@ph.aspjoc.test", "password": "correct horse battery",
                                 "csrf_token": _form_token(client)})
    page = client.get("/lookup", params={"q": "pay-coral.example"})
    assert page.status_code == 200
    assert 'id="related"' in page.text and "other related identifiers" in page.text
    assert "pay-coral.example/x" not in page.text
    assert 'class="num score"' in page.text
    assert 'id="ask-request"' not in page.text  # nobody else holds the domain itself


def _form_token(client: Any) -> str:
    client.get("/signin")
    return str(client.cookies.get("aspjoc_form"))
