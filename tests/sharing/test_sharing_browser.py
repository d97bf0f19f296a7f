"""The sharing page in headless Chromium: TAXII endpoints and collections, markings, export, sync state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sharing_helpers import Region
from support import PASSWORD, Factory, LiveServer, screenshot

from aspjoc.sharing.service import RemoteSpec, add_remote

pytestmark = pytest.mark.browser


def test_sharing_page_shows_endpoints_collections_export_and_failed_sync(page: Any, live_server: LiveServer,
                                                                          make: Factory) -> None:
    region = Region.build(make)
    admin = make.user("admin@fj.aspjoc.test", region.orgs["fj"], role="admin", password=PASSWORD)
    make.group("Pacific Circle", region.orgs["hub"], [region.orgs["fj"]])
    region.state("fj", "+6799990001", "green")
    region.state("th", "+66812347301", "red")
    with make.db.unit_of_work() as session:
        remote = add_remote(session, None, RemoteSpec("regional hub", "https://hub.example/taxii2/aspjoc/", "community",
                                                      region.orgs["fj"].id, secret="x"), make.clock.now())
        remote.last_error = "GET https://hub.example/...: ConnectError: no route to host"
        remote.last_run_at = make.clock.now()
    page.goto(f"{live_server.url}/signin")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("nav a[href=\"/sharing\"]").count() == 1
    page.goto(f"{live_server.url}/sharing")
    page.wait_for_selector("#collections")
    assert page.inner_text("#discovery") == f"{live_server.url}/taxii2/"
    rows = page.inner_text("#collections tbody")
    assert "Community" in rows and "Sharing group: Pacific Circle" in rows
    assert page.locator("#markings .tlp").count() == 5
    assert "no route to host" in page.inner_text("#remotes")
    screenshot(page, "sharing-page-admin")
    with page.expect_download() as download:
        page.click("#export button")
    bundle = json.loads(Path(download.value.path()).read_text())
    patterns = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
    assert patterns == ["[x-aspjoc-phone:value = '+6799990001']"]
