"""The feed URL: ETag and 304, token protection, audited downloads, pausing and token rotation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from aspjoc.audit import AuditEvent
from aspjoc.disruption.models import Entry
from disruption_helpers import Region, fetch
from support import Factory, bearer


def _two_lists(client: Any, make: Factory) -> tuple[Region, tuple[int, str], tuple[int, str]]:
    region = Region.build(make)
    region.state("th", "login-coral-bank.example")
    return region, region.subscribe(client, "rpz"), region.subscribe(client, "hosts", subscriber="telco")


def test_unchanged_list_answers_304_and_a_change_gives_a_new_etag(client: Any, make: Factory) -> None:
    region, (sid, token), _ = _two_lists(client, make)
    first = fetch(client, sid, "rpz", token)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    again = fetch(client, sid, "rpz", token, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert fetch(client, sid, "rpz", token, **{"If-None-Match": '"other", W/' + first.headers["ETag"]}).status_code == 304
    region.refresh(client, sid)  # nothing changed
    assert fetch(client, sid, "rpz", token, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    region.state("ph", "new-wave.example")
    make.clock.advance(minutes=16)  # past the refresh interval: the download refreshes first
    changed = fetch(client, sid, "rpz", token, **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert "new-wave.example CNAME ." in changed.text


def test_feed_needs_its_own_token(client: Any, make: Factory) -> None:
    _, (rpz_id, rpz_token), (hosts_id, hosts_token) = _two_lists(client, make)
    assert client.get(f"/feeds/{rpz_id}/rpz").status_code == 401
    assert client.get(f"/feeds/{rpz_id}/rpz").headers["WWW-Authenticate"].startswith("Bearer")
    assert fetch(client, rpz_id, "rpz", "aspjoc_feed_wrong").status_code == 404
    assert fetch(client, rpz_id, "rpz", hosts_token).status_code == 404
    assert fetch(client, hosts_id, "hosts", rpz_token).status_code == 404
    assert fetch(client, 999, "rpz", rpz_token).status_code == 404
    assert fetch(client, rpz_id, "hosts", rpz_token).status_code == 404  # the wrong extension for this list
    assert client.get(f"/feeds/{rpz_id}/rpz", headers=bearer(rpz_token)).status_code == 200
    for path in (f"/feeds/{rpz_id}/removed?since=0", f"/feeds/{rpz_id}/refs/1", f"/feeds/{rpz_id}/entries/x.example"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=bearer(hosts_token)).status_code == 404, path


def test_user_api_token_does_not_open_a_feed(client: Any, make: Factory) -> None:
    region, (sid, _), _ = _two_lists(client, make)
    assert client.get(f"/feeds/{sid}/rpz", headers=bearer(region.tokens["hub"])).status_code == 404


def test_downloads_are_audited_and_304s_are_not(client: Any, make: Factory) -> None:
    region, (sid, token), _ = _two_lists(client, make)
    first = fetch(client, sid, "rpz", token)
    fetch(client, sid, "rpz", token, **{"If-None-Match": first.headers["ETag"]})
    with make.db.reader() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "blocklist.download")).all()
    assert len(events) == 1
    assert events[0].actor_org_id == region.orgs["bank"].id and events[0].object_id == str(sid)
    assert '"serial":1' in events[0].detail


def test_paused_list_and_rotated_token_answer_404(client: Any, make: Factory) -> None:
    region, (sid, token), _ = _two_lists(client, make)
    hub = bearer(region.tokens["hub"])
    assert client.post(f"/api/v1/blocklists/{sid}/pause", headers=hub).json()["active"] is False
    assert fetch(client, sid, "rpz", token).status_code == 404
    client.post(f"/api/v1/blocklists/{sid}/resume", headers=hub)
    assert fetch(client, sid, "rpz", token).status_code == 200
    new_token = client.post(f"/api/v1/blocklists/{sid}/token", headers=hub).json()["token"]
    assert fetch(client, sid, "rpz", token).status_code == 404
    assert fetch(client, sid, "rpz", new_token).status_code == 200


def test_deleted_list_stops_answering_and_is_audited(client: Any, make: Factory) -> None:
    region, (sid, token), (other_id, other_token) = _two_lists(client, make)
    assert fetch(client, sid, "rpz", token).status_code == 200
    th = bearer(region.tokens["th"])
    assert client.delete(f"/api/v1/blocklists/{sid}", headers=th).status_code == 404  # not theirs to manage
    hub = bearer(region.tokens["hub"])
    assert client.delete(f"/api/v1/blocklists/{sid}", headers=hub).status_code == 204
    assert fetch(client, sid, "rpz", token).status_code == 404
    assert client.get(f"/feeds/{sid}/removed?since=0", params={"token": token}).status_code == 404
    assert client.get(f"/api/v1/blocklists/{sid}", headers=hub).status_code == 404
    assert client.delete(f"/api/v1/blocklists/{sid}", headers=hub).status_code == 404
    assert fetch(client, other_id, "hosts", other_token).status_code == 200  # the other list is untouched
    with make.db.reader() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "blocklist.delete")).one()
        left = s.scalar(select(func.count()).select_from(Entry).where(Entry.subscription_id == sid))
    assert event.object_id == str(sid) and '"serial":1' in event.detail
    assert left == 0


def test_bad_input_names_the_field(client: Any, make: Factory) -> None:
    region, (sid, token), _ = _two_lists(client, make)
    reply = client.get(f"/feeds/{sid}/removed", params={"since": "yesterday", "token": token})
    assert reply.status_code == 422 and reply.json()["field"] == "since"
    reply = client.get(f"/feeds/{sid}/removed", params={"since": "0", "format": "xml", "token": token})
    assert reply.status_code == 422 and reply.json()["field"] == "format"
    hub = bearer(region.tokens["hub"])
    cases: list[tuple[dict[str, Any], str]] = [({"format": "pdf"}, "format"), ({"selection": {"types": ["phone"]}}, "types"),
             ({"selection": {"crime_types": ["jaywalking"]}}, "crime_types"),
             ({"selection": {"min_score": 101}}, "min_score"), ({"selection": {"max_age_days": 0}}, "max_age_days"),
             ({"selection": {"owners": ["Nobody"]}}, "owners"), ({"subscriber": "Nobody"}, "subscriber"),
             ({"name": " "}, "name")]
    for change, field in cases:
        body = {"name": "x", "subscriber": region.orgs["bank"].name, "format": "rpz", **change}
        reply = client.post("/api/v1/blocklists", json=body, headers=hub)
        assert reply.status_code == 422, (change, reply.text)
        assert reply.json()["field"] == field, (change, reply.json())
    taken = {"name": "rpz for bank", "subscriber": region.orgs["bank"].name, "format": "rpz"}
    assert client.post("/api/v1/blocklists", json=taken, headers=hub).status_code == 409


def test_selection_by_age_score_owner_and_crime_type(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "old.example")
    make.clock.advance(days=60)
    region.state("th", "weak.example", confidence=10)
    region.state("ph", "ph-strong.example", confidence=95, crime_type="investment_scam")
    region.state("th", "th-strong.example", confidence=95)

    def listed(**selection: Any) -> list[str]:
        sid, token = region.subscribe(client, "plain", name=str(selection), **selection)
        return sorted(line for line in fetch(client, sid, "txt", token).text.splitlines() if not line.startswith("#"))

    assert listed(max_age_days=30) == ["ph-strong.example", "th-strong.example", "weak.example"]
    assert listed(min_score=40) == ["ph-strong.example", "th-strong.example"]
    assert listed(owners=[region.orgs["ph"].name]) == ["ph-strong.example"]
    assert listed(crime_types=["phishing"], max_age_days=30) == ["th-strong.example", "weak.example"]
