"""Block lists in headless Chromium: a hub admin creates a bank's list, the bank's system fetches it, the admin refreshes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from disruption_helpers import Region
from support import PASSWORD, Factory, click_nav, screenshot

pytestmark = pytest.mark.browser


def test_hub_admin_sets_up_a_bank_feed_in_the_console(page: Any, live_server: Any, make: Factory) -> None:
    region = Region.build(make, console=True)
    region.state("th", "TH:004:1234567890", crime_type="money_mule")
    region.state("ph", "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA", crime_type="investment_scam")
    region.state("th", "DE89370400440532013000", crime_type="money_mule", tlp="red")
    base = live_server.url
    page.goto(f"{base}/signin")
    page.fill("#email", "admin@hub.aspjoc.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    click_nav(page, "Block lists")
    page.wait_for_url(f"{base}/feeds")
    page.click("#new-feed")
    page.fill("#name", "Mule accounts for Coral Bank")
    page.select_option("#subscriber", label="Coral Bank (FJ) · private")
    page.select_option("#format", "bank_csv")
    page.check("input[name=crime_types][value=money_mule]")
    page.check("input[name=crime_types][value=investment_scam]")
    screenshot(page, "disruption-new-feed")
    page.click("#feed-form button[type=submit]")
    page.wait_for_selector("#feed-token")
    token = page.inner_text("#token-value")
    url = page.inner_text("#feed-url")
    screenshot(page, "disruption-token")

    reply = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    lines = reply.text.splitlines()
    assert lines[0].startswith("type,value,country,bank_code")
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["bank_account", "crypto_wallet"]  # the RED IBAN is not there

    page.click("text=Go to the block list")
    page.click("#refresh-now")
    page.wait_for_selector("#refreshed")
    assert page.inner_text("#entry-count") == "2" and page.inner_text("#serial") == "1"
    screenshot(page, "disruption-feed")
    page.goto(f"{base}/feeds")
    assert "Mule accounts for Coral Bank" in page.inner_text("#feed-list")
    screenshot(page, "disruption-feeds")
