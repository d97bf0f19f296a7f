"""Products in the console (headless Chromium): write a draft, submit it, a colleague approves, publish; readers see it."""

from __future__ import annotations

from typing import Any

import pytest
from products_helpers import plant
from support import PASSWORD, Factory, screenshot, sign_in

from aspjoc.clock import FixedClock

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)


def _sign_out(page: Any, base: str) -> None:
    page.click("header form button")
    page.wait_for_url(f"{base}/signin")


def test_analyst_writes_a_green_assessment_a_colleague_approves_and_another_country_reads_it(
        page: Any, live_server: Any, make: Factory, clock: FixedClock) -> None:
    fj, to = make.org("Fiji Cyber Unit", "FJ"), make.org("Tonga Cyber Unit", "TO")
    author = make.user("analyst@fj.aspjoc.test", fj)
    make.user("lead@fj.aspjoc.test", fj)
    make.user("viewer@to.aspjoc.test", to, role="viewer")
    with make.db.unit_of_work() as s:
        for n, value in enumerate(("+6799997732", "+6799997733", "https://parcel-fee.example/a", "FJ:069:12345678")):
            plant(s, make.principal(author), value, "green", ("sextortion", "phishing")[n % 2], clock.now(), copies=2)
        plant(s, make.principal(author), "+6799997731", "amber", "sextortion", clock.now(), copies=3)
    base = live_server.url

    _sign_in(page, base, "analyst@fj.aspjoc.test")
    page.click("text=Products")
    page.click("#new-product")
    page.fill("#title", "Fiji threat assessment 2025–26")
    page.fill("#period_start", "2025-06-01")
    page.fill("#period_end", "2026-05-31")
    page.select_option("#tlp", "green")
    page.fill("#summary", "- Sextortion by **phone** is rising.\n- <script>alert('x')</script> stays text.")
    page.click("button[type=submit]")
    page.wait_for_selector("#section-volumes")
    assert page.inner_text("#status") == "draft"
    assert "3 statements under narrower markings were left out" in page.inner_text("#left-out-note")
    assert page.locator("figure.chart img").count() >= 4
    assert "+6799997731" not in page.content() and "<script>alert" not in page.content()
    screenshot(page, "products-console-draft")
    page.click("#submit-review")
    page.wait_for_selector("#status:has-text('in review')")
    assert page.locator("#approve").count() == 0, "the author may not approve her own product"
    _sign_out(page, base)

    _sign_in(page, base, "lead@fj.aspjoc.test")
    page.goto(f"{base}/products")
    page.click("text=Fiji threat assessment 2025–26")
    page.fill("input[aria-label='Approval note']", "Checked against the case files.")
    page.click("#approve")
    page.wait_for_selector("#status:has-text('approved')")
    page.click("#publish")
    page.wait_for_selector("#status:has-text('published')")
    _sign_out(page, base)

    _sign_in(page, base, "viewer@to.aspjoc.test")
    page.goto(f"{base}/notices")
    assert "Fiji threat assessment 2025–26" in page.content()
    page.goto(f"{base}/products")
    assert page.locator("#product-list tbody tr").count() == 1
    screenshot(page, "products-console-list-reader")
    page.click("text=Fiji threat assessment 2025–26")
    page.wait_for_selector("#section-volumes")
    assert "Approved by lead@fj.aspjoc.test" in page.inner_text("table.facts")
    screenshot(page, "products-console-published")
    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename.endswith(".pdf")
