"""A request for information end to end in headless Chromium: match, ask an anonymous holder, answer, disclosure."""

from __future__ import annotations

from typing import Any

import pytest

from correlation_helpers import Region
from support import PASSWORD, Factory, screenshot

pytestmark = pytest.mark.browser
MULE = "TH:905:1112223334"


def _sign_in(page: Any, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/signin")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_philippines_asks_an_anonymous_thai_holder_who_answers_and_is_then_named(page: Any, live_server: Any, make: Factory) -> None:
    r = Region(make, console=True)
    r.state(r.th_a, MULE, "red", description="Operation Kite: mule account of the compound", reliability="B", credibility=2)
    r.state(r.hub_a, MULE, "green", description="Reported by two banks")
    r.state(r.ph_a, MULE, "green", description="Received funds of Filipino victims", confidence=80)
    r.state(r.ph_a, "https://coral-bank-verify.example/login", "green")
    r.state(r.th_a, "https://coral-bank-verify.example/kite-admin", "red")
    base = live_server.url

    _sign_in(page, base, "a@ph.aspjoc.test")
    page.goto(f"{base}/lookup?q=coral-bank-verify.example")
    assert "kite" not in page.content().lower()
    assert "https://coral-bank-verify.example/login" in page.inner_text("#related")
    assert "other related identifiers" in page.inner_text("#related")
    screenshot(page, "correlation-lookup-related-ph")
    page.goto(f"{base}/matches")
    assert "Thai" not in page.content() and "Kite" not in page.content()
    screenshot(page, "correlation-matches-ph")
    page.goto(f"{base}/lookup?q={MULE}")
    assert page.is_visible("#held-elsewhere")
    screenshot(page, "correlation-lookup-ph")
    page.click("#ask-request")
    page.fill("#question", "Do you hold a case on this account? Filipino victims paid into it on 28 May.")
    page.fill("#deadline", "2026-06-05")
    screenshot(page, "correlation-new-request-ph")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/requests")
    assert page.locator("#outbox tbody tr").count() == 2
    outbox = page.inner_text("#outbox")
    assert "Another organisation" in outbox and "Regional Hub" in outbox and "Thai" not in outbox
    screenshot(page, "correlation-outbox-ph")

    _sign_in(page, base, "a@th.aspjoc.test")
    page.goto(f"{base}/requests")
    assert "Philippine Cyber Unit" in page.inner_text("#inbox")
    page.click("#inbox a")
    page.fill("#answer-body", "Yes: open case 12/2026 (Operation Kite). Contact the duty officer.")
    screenshot(page, "correlation-request-th-answering")
    page.click("#answer-form button")
    page.wait_for_selector("#thread .msg-answer")

    _sign_in(page, base, "a@ph.aspjoc.test")
    page.goto(f"{base}/requests")
    assert "Thai Cyber Unit" in page.inner_text("#outbox")
    page.click("#outbox tr:has-text('Thai Cyber Unit') a")
    assert page.inner_text("#status") == "ANSWERED" or page.inner_text("#status").lower() == "answered"
    assert "Operation Kite" in page.inner_text("#thread") and page.inner_text("#holder") == "Thai Cyber Unit"
    screenshot(page, "correlation-request-ph-answered")
