"""The analyst console in headless Chromium: sign in, dashboard, look-up, add a statement, hit/no-hit."""

from __future__ import annotations

from typing import Any

import pytest

from aspjoc.intel import service
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from support import PASSWORD, Factory, screenshot, sign_in

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)


def _arrange(make: Factory) -> tuple[Any, Any]:
    th = make.org("Royal Thai Police Cyber Unit", "TH")
    ph = make.org("Philippine National Police Cyber Unit", "PH")
    th_user = make.user("investigator@th.aspjoc.test", th, role="investigator")
    ph_user = make.user("analyst@ph.aspjoc.test", ph)
    with make.db.unit_of_work() as s:
        for author, value, tlp, crime, users in [
            (th_user, "+66 81 234 5678", "red", "investment_scam", [th_user.id]),
            (ph_user, "+63 917 123 4567", "green", "romance_scam", []),
            (th_user, "TH:901:5550001234", "amber", "money_mule", []),
        ]:
            data = StatementIn(observable=ObservableIn(value=value), crime_type=crime, confidence=70,
                               description=f"{crime.replace('_', ' ')} lead",
                               marking=MarkingIn(tlp=tlp, reliability="B", credibility=2, recipients=RecipientsIn(users=users)))
            service.add_statement(s, make.principal(author), data, make.clock.now())
    return th_user, ph_user


def test_two_countries_see_different_things_for_the_same_number(page: Any, live_server: Any, make: Factory) -> None:
    _arrange(make)
    base = live_server.url
    _sign_in(page, base, "investigator@th.aspjoc.test")
    assert page.inner_text("#stat-statements") == "3"
    screenshot(page, "console-dashboard-th")
    page.fill("input[name=q]", "+66 81 234 5678")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#statements")
    assert "TLP:RED" in page.inner_text("#statements")
    screenshot(page, "console-lookup-th")
    page.click("header form button")
    page.wait_for_url(f"{base}/signin")

    _sign_in(page, base, "analyst@ph.aspjoc.test")
    assert page.inner_text("#stat-statements") == "2"
    page.goto(f"{base}/lookup?q=%2B66812345678")
    assert page.is_visible("#held-elsewhere")
    assert page.query_selector("#statements") is None
    assert "investment" not in page.content()
    screenshot(page, "console-lookup-ph-held-elsewhere")


def test_add_statement_form_saves_and_reports_bad_values(page: Any, live_server: Any, make: Factory) -> None:
    _arrange(make)
    base = live_server.url
    _sign_in(page, base, "analyst@ph.aspjoc.test")
    page.goto(f"{base}/statements/new")
    page.fill("#value", "+63 912 0000")
    page.click("button[type=submit]")
    assert "not a valid" in page.inner_text("#form-error").lower() or "phone" in page.inner_text("#form-error").lower()
    page.fill("#value", "hxxps://gcash-verify[.]example/login")
    page.select_option("#crime_type", "phishing")
    page.select_option("#tlp", "amber+strict")
    page.select_option("#organisations", label="Royal Thai Police Cyber Unit")
    page.fill("#description", "Phishing page imitating an e-wallet")
    screenshot(page, "console-new-statement")
    page.click("button[type=submit]")
    page.wait_for_selector("#statements")
    assert page.inner_text("#canonical") == "https://gcash-verify.example/login"
    assert "TLP:AMBER+STRICT" in page.inner_text("#statements")


def test_console_reads_without_javascript(browser: Any, live_server: Any, make: Factory) -> None:
    _arrange(make)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server.url, "investigator@th.aspjoc.test")
    page.goto(f"{live_server.url}/statements")
    assert page.locator("#statement-list tbody tr").count() == 3
    context.close()
