"""Console pages for block lists: create (token shown once), view, change, refresh, pause; 404 for others' lists."""

from __future__ import annotations

import re
from typing import Any

from disruption_helpers import Region, fetch
from support import PASSWORD, Factory


def _sign_in(client: Any, email: str) -> None:
    client.cookies.clear()
    client.get("/signin")
    reply = client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": client.cookies.get("aspjoc_form")})
    assert reply.status_code in (200, 303), reply.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_manager_creates_changes_refreshes_and_pauses_a_list(client: Any, make: Factory) -> None:
    region = Region.build(make, console=True)
    region.state("th", "login-coral-bank.example")
    region.state("th", "+66 81 234 5678", crime_type="investment_scam")
    _sign_in(client, "admin@hub.aspjoc.test")
    listing = client.get("/feeds")
    assert listing.status_code == 200 and "No block lists yet" in listing.text and "TLP:RED" in listing.text
    form = client.get("/feeds/new")
    bank = str(region.orgs["bank"].id)
    bad = client.post("/feeds/new", data={"csrf_token": _csrf(form.text), "name": "Coral", "subscriber": bank,
                                          "format": "rpz", "types": "phone"})
    assert bad.status_code == 422 and "this format cannot carry phone" in bad.text
    made = client.post("/feeds/new", data={"csrf_token": _csrf(form.text), "name": "Coral phishing", "subscriber": bank,
                                           "format": "rpz", "crime_types": "phishing", "max_age_days": "30"})
    assert made.status_code == 200, made.text
    token = re.search(r'id="token-value">([^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    sid = int(re.search(r'/feeds/(\d+)/rpz', made.text).group(1))  # type: ignore[union-attr]
    assert "login-coral-bank.example CNAME ." in fetch(client, sid, "rpz", token).text

    page = client.get(f"/feeds/{sid}")
    assert page.status_code == 200 and "phishing; every type the format takes; seen within 30 days" in page.text
    assert token not in page.text  # shown once only
    changed = client.post(f"/feeds/{sid}", data={"csrf_token": _csrf(page.text), "name": "Coral phishing",
                                                 "subscriber": bank, "format": "rpz", "min_score": "200"})
    assert changed.status_code == 422 and "min_score" in changed.text
    refreshed = client.post(f"/feeds/{sid}/refresh", data={"csrf_token": _csrf(page.text)})
    assert refreshed.status_code == 200 and 'id="refreshed"' in refreshed.text
    paused = client.post(f"/feeds/{sid}/active", data={"csrf_token": _csrf(page.text), "active": "0"}, follow_redirects=True)
    assert "(paused)" in paused.text
    assert fetch(client, sid, "rpz", token).status_code == 404
    assert client.post(f"/feeds/{sid}/refresh", data={"csrf_token": "forged"}).status_code == 403
    unconfirmed = client.post(f"/feeds/{sid}/delete", data={"csrf_token": _csrf(page.text), "confirm": "Coral"})
    assert unconfirmed.status_code == 422 and 'id="delete-error"' in unconfirmed.text
    deleted = client.post(f"/feeds/{sid}/delete", data={"csrf_token": _csrf(page.text), "confirm": "Coral phishing"},
                          follow_redirects=True)
    assert 'id="deleted"' in deleted.text and "No block lists yet" in deleted.text
    assert client.get(f"/feeds/{sid}").status_code == 404


def test_other_organisations_get_404_and_partners_may_not_manage(client: Any, make: Factory) -> None:
    region = Region.build(make, console=True)
    sid, _ = region.subscribe(client, "rpz")
    _sign_in(client, "analyst@ph.aspjoc.test")
    assert client.get(f"/feeds/{sid}").status_code == 404
    assert "No block lists yet" in client.get("/feeds").text
    _sign_in(client, "partner@bank.aspjoc.test")
    assert client.get("/feeds").status_code == 403
    assert client.get(f"/feeds/{sid}").status_code == 403
