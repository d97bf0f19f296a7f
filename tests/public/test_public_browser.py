"""The public check and report pages in headless Chromium at phone width (360×740), in English and Thai."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from public_helpers import Region
from support import PASSWORD, Factory, screenshot

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A phone-sized tab whose browser asks for Thai first (Accept-Language), as a Thai phone would."""
    context = browser.new_context(viewport=PHONE, locale="th-TH", java_script_enabled=False)
    tab = context.new_page()
    tab.set_default_timeout(10000)
    yield tab
    context.close()


def _fits_the_screen(page: Any) -> None:
    """Nothing is wider than the phone: no sideways scrolling (the page's own scripts are off, not Playwright's)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_check_page_in_thai_then_english_at_phone_width(phone: Any, live_server: Any, make: Factory) -> None:
    w = Region(make)
    w.state(w.vendor_user, "+66 81 234 5678", tlp="clear", public_use=True, crime_type="investment_scam")
    base = live_server.url
    phone.goto(f"{base}/public/check")
    assert phone.locator("html").get_attribute("lang") == "th"
    assert phone.locator("#country").input_value() == "TH"
    phone.fill("#q", "081 234 5678")
    phone.click("#check-form button[type=submit]")
    phone.wait_for_selector("#verdict")
    assert "มีรายงานว่าถูกใช้ในการหลอกลวง" in phone.inner_text("#verdict")
    assert phone.inner_text("#reports") == "1"
    assert "หลอกลวงให้ลงทุน" in phone.inner_text("#crime-types")
    assert "ไม่ได้แปลว่าปลอดภัย" in phone.inner_text("#caveat")
    _fits_the_screen(phone)
    screenshot(phone, "public-check-th-reported-360")

    phone.click("footer a[hreflang=en]")
    phone.wait_for_selector("html[lang=en]")
    assert "Reported as used in scams" in phone.inner_text("#verdict")
    phone.fill("#q", "+63 917 000 0000")
    phone.click("#check-form button[type=submit]")
    phone.wait_for_selector("#verdict")
    assert "Not reported" in phone.inner_text("#verdict h2")
    assert "does not mean safe" in phone.inner_text("#caveat")
    _fits_the_screen(phone)
    screenshot(phone, "public-check-en-not-reported-360")
    phone.fill("#q", "*scam*")
    phone.click("#check-form button[type=submit]")
    assert "Wildcards" in phone.inner_text("#check-error")

    phone.click("footer a[hreflang=km]")
    phone.wait_for_selector("html[lang=km]")
    phone.fill("#q", "+66 81 234 5678")
    phone.click("#check-form button[type=submit]")
    phone.wait_for_selector("#verdict")
    assert phone.inner_text("#reports") == "1"
    _fits_the_screen(phone)
    screenshot(phone, "public-check-km-reported-360")


def test_report_page_in_thai_and_english_gives_a_reference(phone: Any, live_server: Any, make: Factory) -> None:
    Region(make)
    base = live_server.url
    phone.goto(f"{base}/public/report")
    assert "แจ้งเหตุถูกหลอกลวง" in phone.inner_text("h1")
    phone.fill("#narrative", "มีคนโทรมาอ้างเป็นเจ้าหน้าที่ธนาคาร ให้โอนเงินเข้าบัญชีปลอดภัย")
    phone.fill("#identifiers", "081 999 1234\nhttps://safe-account-th.example.com/verify")
    phone.fill("#bank_code", "004")
    phone.fill("#account_number", "123-4-56789-0")
    phone.fill("#amount", "25000")
    assert phone.locator("#currency").input_value() == "THB"
    _fits_the_screen(phone)
    screenshot(phone, "public-report-th-form-360")
    phone.click("#report-form button[type=submit]")
    phone.wait_for_selector("#reference")
    assert phone.inner_text("#reference").startswith("SR-2026-")
    assert "Royal Thai Police Cyber Unit" in phone.content()
    screenshot(phone, "public-report-th-done-360")

    phone.goto(f"{base}/public/report?lang=en")
    phone.fill("#narrative", "")
    phone.click("#report-form button[type=submit]")  # the browser's own check stops an empty required field
    assert phone.url.endswith("/public/report?lang=en")
    phone.fill("#narrative", "A seller on a marketplace took my payment and blocked me.")
    phone.fill("#identifiers", "telegram:@cheap_phones_th")
    phone.fill("#amount", "a lot")
    phone.click("#report-form button[type=submit]")
    assert "Enter the amount as a number" in phone.inner_text("#form-error")
    assert phone.input_value("#narrative").startswith("A seller")
    screenshot(phone, "public-report-en-error-360")
    phone.fill("#amount", "1200.50")
    phone.click("#report-form button[type=submit]")
    phone.wait_for_selector("#reference")
    assert "Thank you" in phone.inner_text("h1")


def test_analysts_triage_a_public_report_and_decide_a_delisting_in_the_console(page: Any, live_server: Any,
                                                                               make: Factory) -> None:
    w = Region(make, can_sign_in=("th",))
    w.state(w.th_user, "https://fake-courier-fee.example.com/pay", tlp="amber", public_use=True, crime_type="phishing")
    base = live_server.url
    page.goto(f"{base}/public/report?lang=en")
    page.fill("#narrative", "SMS said my parcel was held; I paid the fee on https://fake-courier-fee.example.com/pay")
    page.fill("#identifiers", "+66 81 999 1234")
    page.select_option("#report-country", "TH")
    page.click("#report-form button[type=submit]")
    reference = page.inner_text("#reference")
    page.goto(f"{base}/public/delist?lang=en&q=https://fake-courier-fee.example.com/pay")
    page.fill("#reason", "This is the real courier's payment page.")
    page.fill("#contact", "it@fake-courier-fee.example.com")
    page.click("#delist-form button[type=submit]")
    page.wait_for_selector("#reference")

    page.goto(f"{base}/signin")
    page.fill("#email", "analyst@th.aspjoc.test")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("header nav a[href='/public-reports']").count() == 1
    page.goto(f"{base}/public-reports")
    page.click(f"text={reference}")
    page.wait_for_selector("#identifiers")
    assert "+66819991234" in page.inner_text("#identifiers")
    page.select_option("#status-select", "triaged")
    page.click("#triage-form button[type=submit]")
    assert page.inner_text("#status") == "triaged"
    screenshot(page, "console-public-report")
    page.goto(f"{base}/delisting")
    page.click("#delisting-requests a.mono")
    assert "real courier" in page.inner_text("#reason")
    screenshot(page, "console-delisting-request")
    page.select_option("#decision", "uphold")
    page.click("#decide-form button[type=submit]")
    assert page.inner_text("#status") == "upheld"
    assert "withdrawn" in page.inner_text("#statements")
