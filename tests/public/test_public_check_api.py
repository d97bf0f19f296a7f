"""The public check as JSON: consented statements only, counts and crime types only, one whole value per request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aspjoc.public.cache import TTLCache
from public_helpers import Region, portal_app
from support import T0, Factory

NOT_REPORTED_KEYS = {"verdict", "reports", "first_reported", "crime_types", "advice"}


def _check(client: Any, q: str, **params: str) -> Any:
    return client.get("/public/api/check", params={"q": q, **params})


def test_value_held_only_under_non_public_statements_answers_exactly_like_a_never_seen_value(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.th_user, "+66 81 234 5678", tlp="red", crime_type="investment_scam", description="case file: handler")
    w.state(w.ph_user, "+66 81 234 5678", tlp="amber+strict", orgs=[w.th.id], crime_type="romance_scam")
    w.state(w.vendor_user, "+66 81 234 5678", tlp="clear", crime_type="phishing")  # CLEAR, but no public-use consent
    held = _check(client, "+66812345678")
    never = _check(client, "+66812349999")
    assert held.status_code == never.status_code == 200
    assert held.json()["verdict"] == "not_reported" and held.json()["reports"] == 0
    assert held.content == never.content
    assert {k: v for k, v in held.headers.items() if k != "date"} == {k: v for k, v in never.headers.items() if k != "date"}


def test_consented_statements_answer_counts_first_date_and_crime_types_and_nothing_else(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.vendor_user, "https://secure-login.coral-sea-bank.example.net/verify", tlp="clear", public_use=True,
            crime_type="phishing", first_seen=T0 - timedelta(days=12), description="kit operated by group X", source="crawler")
    w.state(w.th_user, "https://secure-login.coral-sea-bank.example.net/verify", tlp="red", public_use=True,
            crime_type="online_fraud", first_seen=T0 - timedelta(days=3), description="RED case notes")
    w.state(w.ph_user, "https://secure-login.coral-sea-bank.example.net/verify", tlp="green", crime_type="bec")
    reply = _check(client, "hxxps://secure-login.coral-sea-bank[.]example.net/verify")
    data = reply.json()
    assert reply.status_code == 200 and set(data) == NOT_REPORTED_KEYS
    assert data["verdict"] == "reported"
    assert data["reports"] == 2
    assert data["first_reported"] == (T0 - timedelta(days=12)).date().isoformat()
    assert data["crime_types"] == ["online_fraud", "phishing"]
    assert "bec" not in reply.text
    for secret in ("Coral Threat Labs", "Royal Thai Police", "RED case notes", "group X", "crawler", "amber", "red", "clear"):
        assert secret.lower() not in reply.text.lower()


def test_withdrawn_statements_never_count(settings: Any, clock: Any, db: Any, make: Factory) -> None:
    w = Region(make)
    statement = w.state(w.vendor_user, "scam-shop.example.com", tlp="clear", public_use=True, crime_type="online_fraud")
    from fastapi.testclient import TestClient

    with TestClient(portal_app(settings, clock, db, public_check_cache_seconds=0)) as client:
        assert _check(client, "scam-shop.example.com").json()["reports"] == 1
        w.withdraw(statement)
        after = _check(client, "scam-shop.example.com")
        assert after.json()["verdict"] == "not_reported"
        assert after.content == _check(client, "never-seen.example.com").content


def test_a_reported_site_makes_any_link_to_it_reported(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.vendor_user, "pay-parcel-fee.example.org", tlp="clear", public_use=True, crime_type="phishing")
    data = _check(client, "https://pay-parcel-fee.example.org/track?id=123").json()
    assert data["verdict"] == "reported" and data["crime_types"] == ["phishing"]


def test_local_phone_number_is_read_in_the_chosen_country(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.vendor_user, "+66 81 234 5678", tlp="clear", public_use=True, crime_type="investment_scam")
    assert _check(client, "081 234 5678", country="TH").json()["verdict"] == "reported"
    unknown_country = _check(client, "081 234 5678")
    assert unknown_country.status_code == 422 and unknown_country.json()["field"] == "q"
    assert _check(client, "081 234 5678", country="XX").json()["field"] == "country"


REFUSED = [
    ("*@example.com", "wildcard"), ("+6681%", "wildcard"), ("TH:004:%", "wildcard"),
    ("+66812345678, +66812345679", "one value"), ("a.example;b.example", "one value"),
    ("https://a.example/x https://b.example/y", "one value"), ("+66812345678\n+66812345679", "one value"),
    ("192.0.2.0/24", "ranges"), ("", "enter"), ("x" * 600, "longer"),
]


def test_wildcards_lists_and_ranges_are_refused_with_a_reason(client: Any) -> None:
    for query, reason in REFUSED:
        reply = _check(client, query)
        assert reply.status_code == 422, (query, reply.text)
        assert reply.json()["field"] == "q" and reason in reply.json()["reason"], (query, reply.json())
    repeated = client.get("/public/api/check?q=%2B66812345678&q=%2B66812345679")
    assert repeated.status_code == 422 and "one value" in repeated.json()["reason"]
    assert _check(client, "https://a.example/x%20y").status_code == 200  # a URL escape is no wildcard


def test_unrecognised_value_names_q_and_why(client: Any) -> None:
    reply = _check(client, "hello there")
    assert reply.status_code == 422 and reply.json()["field"] == "q" and reply.json()["reason"]


def test_advice_comes_in_the_readers_language(client: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.vendor_user, "+66 81 234 5678", tlp="clear", public_use=True, crime_type="investment_scam")
    thai = _check(client, "+66812345678", lang="th").json()["advice"]
    assert "ธนาคาร" in thai and "ผลตอบแทนสูง" in thai
    by_header = client.get("/public/api/check", params={"q": "+66812349999"}, headers={"accept-language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert "không có nghĩa là an toàn" in by_header.json()["advice"]
    assert "does not mean safe" in _check(client, "+66812349999").json()["advice"]


def test_check_needs_no_sign_in_and_is_documented(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/public/api/check"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"q", "country"}
    assert "security" not in operation


def test_answer_cache_expires_after_its_time() -> None:
    now = [100.0]
    cache: TTLCache[str, int] = TTLCache(30, clock=lambda: now[0])
    cache.put("k", 1)
    now[0] += 29
    assert cache.get("k") == 1
    now[0] += 2
    assert cache.get("k") is None
    disabled: TTLCache[str, int] = TTLCache(0)
    disabled.put("k", 1)
    assert disabled.get("k") is None
