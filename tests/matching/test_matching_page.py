"""The /match console page in headless Chromium: hit and no-hit, asking the holders, the quota shown, no JavaScript needed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from aspjoc.intel.correlation.models import RequestForInformation
from matching_helpers import hold
from support import PASSWORD, Factory, screenshot, sign_in

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)


def test_match_page_answers_hit_or_no_hit_and_sends_a_request(page: Any, live_server: Any, make: Factory, db: Any) -> None:
    th = make.org("Royal Thai Police Cyber Unit", "TH")
    fj = make.org("Fiji Police Cybercrime Unit", "FJ")
    holder = make.user("analyst@th.aspjoc.test", th, password=None)
    make.user("analyst@fj.aspjoc.test", fj)
    hold(make, holder, "+66 81 234 5678", "red")
    base = live_server.url
    _sign_in(page, base, "analyst@fj.aspjoc.test")
    link = page.locator("header nav a[href='/match']")
    assert link.text_content() == "Private match"
    if not link.is_visible():  # the top bar groups entries into menus
        page.locator("header nav details:has(a[href='/match']) > summary").click()
    link.click()
    page.wait_for_url(f"{base}/match")
    assert "100 more" in page.inner_text("#remaining")
    page.fill("#values", "+66 81 234 5678\n+66 81 999 9999\nhello")
    page.click("form[action='/match'] button[type=submit]")
    rows = page.query_selector_all("#answers tbody tr")
    assert [r.get_attribute("class") for r in rows] == ["hit", "no-hit", "no-hit"]
    assert "Hit" in rows[0].inner_text() and "No hit" in rows[1].inner_text()
    assert "Thai" not in page.content() and "97 more" in page.inner_text("#remaining")
    screenshot(page, "matching-answers")
    page.fill("#question-0", "Is this the mule in our case FJ-2026-17?")
    page.click("form[action='/match/ask'] button[type=submit]")
    page.wait_for_selector("#sent")
    screenshot(page, "matching-request-sent")
    with db.reader() as s:
        targets = s.scalars(select(RequestForInformation.target_org_id)).all()
    assert targets == [th.id]
