"""The sources page in headless Chromium: an admin adds two feeds, the worker polls them, one fails visibly."""

from __future__ import annotations

from typing import Any

import pytest

from aspjoc.clock import FixedClock
from aspjoc.intel.sources.fetch import new_client
from aspjoc.intel.sources.worker import run_due
from sources_helpers import URLHAUS_CSV, FeedServer
from support import PASSWORD, Factory, screenshot

pytestmark = pytest.mark.browser


def test_admin_adds_sources_and_sees_which_one_fails(page: Any, live_server: Any, make: Factory, clock: FixedClock) -> None:
    cert = make.org("Vendor CERT", "SG", "cert")
    make.user("admin@cert.aspjoc.test", cert, role="admin")
    base = live_server.url
    page.goto(f"{base}/signin")
    page.fill("#email", "admin@cert.aspjoc.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    with FeedServer({"/recent.csv": URLHAUS_CSV}, status={"/down.csv": 502}) as feeds:
        for name, path in (("URLhaus recent", "/recent.csv"), ("Mirror (down)", "/down.csv")):
            page.goto(f"{base}/sources")
            page.fill("#name", name)
            page.fill("#url", feeds.url + path)
            page.select_option("#format", "urlhaus-csv")
            page.select_option("#tlp", "green")
            page.select_option("#reliability", "B")
            page.click("#add-source button[type=submit]")
            page.wait_for_selector("#fetches")
        with new_client() as client:
            run_due(make.db, clock, client)
            clock.advance(hours=2)
            run_due(make.db, clock, client)
    page.goto(f"{base}/sources")
    rows = page.inner_text("#sources")
    assert "UNCHANGED" in rows.upper() and "FAILING" in rows.upper() and "502" in rows
    screenshot(page, "sources-list")
    page.click("text=URLhaus recent")
    assert page.locator("#fetches tbody tr").count() == 2
    screenshot(page, "sources-detail")
