"""Abuse resistance: per-address rate limits with Retry-After, the exemption list, checks counted in aggregate only."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from aspjoc.public.models import PublicCheckCount
from aspjoc.public.ratelimit import RateLimiter
from aspjoc.tables import metadata
from public_helpers import HTML, Region, form_token, portal_app, sign_in
from support import Factory


def test_checks_beyond_the_limit_answer_429_with_retry_after(settings: Any, clock: Any, db: Any) -> None:
    with TestClient(portal_app(settings, clock, db, public_check_per_minute=3)) as client:
        codes = [client.get("/public/api/check", params={"q": f"+6681234567{i}"}).status_code for i in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/public/api/check", params={"q": "+66812345670"})
        assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 20
        page = client.get("/public/check", params={"q": "+66812345670"}, headers=HTML)
        assert page.status_code == 429 and "retry-after" in page.headers and "Too many requests" in page.text


def test_addresses_on_the_exemption_list_are_not_limited(settings: Any, clock: Any, db: Any) -> None:
    # Starlette's test client connects from the address "testclient".
    with TestClient(portal_app(settings, clock, db, public_check_per_minute=2, public_rate_limit_exempt=("testclient",))) as client:
        codes = {client.get("/public/api/check", params={"q": "+66812345670"}).status_code for _ in range(10)}
        assert codes == {200}


def test_reports_have_their_own_tighter_limit(settings: Any, clock: Any, db: Any, make: Factory) -> None:
    Region(make)
    with TestClient(portal_app(settings, clock, db, public_report_per_hour=1)) as client:
        token = form_token(client, "/public/report")
        form = {"form_token": token, "narrative": "A caller asked for a transfer.", "country": "TH"}
        assert client.post("/public/report", data=form).status_code == 201
        second = client.post("/public/report", data=form)
        assert second.status_code == 429 and int(second.headers["retry-after"]) > 60


def test_bucket_refills_and_forgets_addresses_once_full_again() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 60.0, clock=lambda: now[0])
    assert [limiter.wait_for("198.51.100.7") for _ in range(3)][:2] == [0.0, 0.0]
    assert limiter.wait_for("198.51.100.7") > 0
    now[0] += 30.0
    assert limiter.wait_for("198.51.100.7") == 0.0
    assert limiter.clients() == 1
    now[0] += 120.0
    limiter.prune()
    assert limiter.clients() == 0


def test_checks_are_counted_per_value_and_day_without_any_client_address(settings: Any, clock: Any, db: Any, make: Factory) -> None:
    w = Region(make, can_sign_in=("hub", "vendor"))
    w.state(w.vendor_user, "+66 81 234 5678", tlp="clear", public_use=True, crime_type="investment_scam")
    with TestClient(portal_app(settings, clock, db, public_check_flush_seconds=3600)) as client:
        for q in ["+66812345678"] * 3 + ["081 234 5678"] + ["scam-shop.example.com"]:
            client.get("/public/api/check", params={"q": q, "country": "TH"})
        sign_in(client, "analyst@hub.aspjoc.test")
        page = client.get("/public-insights", headers=HTML)
        assert page.status_code == 200
        assert "+66812345678" in page.text and "scam-shop.example.com" in page.text
        sign_in(client, "analyst@vendor.aspjoc.test")
        assert client.get("/public-insights", headers=HTML).status_code == 404
    with db.reader() as s:
        rows = {(r.type, r.value): (r.checks, r.reported) for r in s.scalars(select(PublicCheckCount))}
    assert rows == {("phone", "+66812345678"): (4, 4), ("domain", "scam-shop.example.com"): (1, 0)}
    with db.engine.connect() as conn:  # every stored row, on SQLite as on PostgreSQL
        dump = "\n".join(str(tuple(row)) for table in metadata.sorted_tables for row in conn.execute(table.select()))
    assert "testclient" not in dump


def test_counts_are_written_in_batches_not_per_request(settings: Any, clock: Any, db: Any) -> None:
    app = portal_app(settings, clock, db, public_check_flush_seconds=3600)
    with TestClient(app) as client:
        for _ in range(5):
            client.get("/public/api/check", params={"q": "scam-shop.example.com"})
        with db.reader() as s:
            assert s.scalars(select(PublicCheckCount)).all() == []
        assert app.state.public.counts.pending() == 1
        assert app.state.public.counts.start_flush() and app.state.public.counts.flush() == 1
    with db.reader() as s:
        assert s.scalar(select(PublicCheckCount.checks)) == 5
