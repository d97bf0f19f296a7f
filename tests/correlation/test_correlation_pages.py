"""Console pages for matches and requests, driven as forms (no JavaScript), and what they must not show."""

from __future__ import annotations

import re
from typing import Any

from correlation_helpers import Region
from support import PASSWORD, Factory

MULE = "TH:905:1112223334"


def _sign_in(client: Any, email: str) -> None:
    client.cookies.clear()
    client.get("/signin")
    reply = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": client.cookies.get("aspjoc_form")})
    assert reply.status_code in (200, 303), reply.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_matches_page_names_visible_holders_only(client: Any, make: Factory) -> None:
    r = Region(make, console=True)
    r.state(r.th_a, MULE, "red", description="Operation Kite")
    r.state(r.th_a, "scam-shop.example", "amber+strict", orgs=[r.hub.id])
    r.state(r.hub_a, MULE, "green")
    r.state(r.ph_a, MULE, "green")
    r.state(r.ph_a, "scam-shop.example", "green")
    r.state(r.hub_a, "scam-shop.example", "green")
    _sign_in(client, "a@ph.aspjoc.test")
    page = client.get("/matches")
    assert page.status_code == 200
    rows = re.findall(r'<td class="holder">(.*?)</td>', page.text, re.S)
    assert sorted(re.sub(r"<[^>]+>", "", row).strip() for row in rows) == ["Regional Hub", "Regional Hub", "another organisation", "another organisation"]
    assert "Thai" not in page.text and "Kite" not in page.text
    _sign_in(client, "a@hub.aspjoc.test")
    hub = client.get("/matches").text
    assert "Thai Cyber Unit" in hub, "the hub is a named recipient of one Thai statement and may be told"


def test_request_round_trip_through_the_forms(client: Any, make: Factory) -> None:
    r = Region(make, console=True)
    r.state(r.th_a, MULE, "red", description="Operation Kite")
    r.state(r.ph_a, MULE, "green")
    _sign_in(client, "a@ph.aspjoc.test")
    form = client.get("/requests/new", params={"value": MULE})
    assert form.status_code == 200 and "Thai" not in form.text
    empty = client.post("/requests/new", data={"csrf_token": _csrf(form.text), "value": MULE, "question": " "})
    assert empty.status_code == 422 and 'id="form-error"' in empty.text
    sent = client.post("/requests/new", data={"csrf_token": _csrf(form.text), "value": MULE, "type": "",
                                              "question": "Open case?", "deadline": "2026-06-10"}, follow_redirects=False)
    assert sent.status_code == 303
    location = sent.headers["location"]
    mine = client.get(location)
    assert "Another organisation" in mine.text and "Thai" not in mine.text and "Kite" not in mine.text
    outbox = client.get("/requests").text
    assert "Open case?" in outbox and "Thai" not in outbox

    _sign_in(client, "a@th.aspjoc.test")
    inbox = client.get("/requests").text
    assert "Philippine Cyber Unit" in inbox and "Open case?" in inbox
    theirs = client.get(location)
    answered = client.post(location + "/answer", data={"csrf_token": _csrf(theirs.text), "body": "Yes, case 12/2026."},
                           follow_redirects=False)
    assert answered.status_code == 303

    _sign_in(client, "a@ph.aspjoc.test")
    after = client.get(location).text
    assert "Thai Cyber Unit" in after and "Yes, case 12/2026." in after and "answered" in after

    _sign_in(client, "a@hub.aspjoc.test")
    assert client.get(location).status_code == 404


def test_new_request_form_for_an_unknown_match_is_an_error_not_a_crash(client: Any, make: Factory) -> None:
    r = Region(make, console=True)
    r.state(r.th_a, MULE, "green")
    _sign_in(client, "a@ph.aspjoc.test")
    assert client.get("/requests/new", params={"match": "999"}).status_code == 422
    assert client.get("/requests/new", params={"match": "x"}).status_code == 422
