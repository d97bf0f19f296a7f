"""The operations console in headless Chromium: every page, its forms, and what each country sees."""

from __future__ import annotations

from typing import Any

import pytest

from aspjoc.intel.schemas import ObservableIn
from aspjoc.operations import targets
from aspjoc.operations.schemas import TargetIn
from aspjoc.web.app import create_app
from operations_helpers import SmtpSink, World, build_world
from support import PASSWORD, Factory, LiveServer, screenshot, sign_in

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)


def _seed_targets(w: World, op: int) -> None:
    w.state("hub", "kit-th.phish.example", "green", "Phishing kit imitating a Thai bank")
    w.state("th", "kit-th.phish.example", "red", "RED-TH undercover buy", orgs=[w.th.id])
    with w.make.db.unit_of_work() as s:
        for value, country, action in (("kit-th.phish.example", "TH", "takedown"), ("TH:004:1234567890", "TH", "freeze"),
                                       ("kit-ph.phish.example", "PH", "takedown")):
            targets.add_target(s, w.principal("hub"), op, TargetIn(observable=ObservableIn(value=value), country=country,
                                                                   action=action, rationale=f"{action} in {country}"),
                               w.make.clock.now())


def test_lead_runs_an_operation_from_the_console(page: Any, live_server: Any, make: Factory) -> None:
    w = build_world(make, tokens=False, passwords=True)
    base = live_server.url
    _sign_in(page, base, "hub@hub.aspjoc.test")
    assert page.get_attribute("header nav a[href='/operations']", "href") == "/operations"
    page.goto(f"{base}/operations")
    page.fill("#name", "Operation Monsoon")
    page.select_option("#crime_type", "infostealer")
    page.fill("#starts_on", "2026-06-01")
    page.fill("#ends_on", "2026-05-01")
    page.select_option("#participants", label="Thai Cyber Unit (TH)")
    page.click("form.stack button[type=submit]")
    assert "ends_on" in page.inner_text("#form-error")
    page.fill("#ends_on", "2026-06-30")
    page.select_option("#participants", [str(w.th.id), str(w.ph.id)])
    screenshot(page, "operations-new")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("#participants")
    assert "Philippine Cyber Unit" in page.inner_text("#participants")
    op = int(page.url.rstrip("/").split("/")[-1])

    page.goto(f"{base}/operations/{op}/targets")
    page.fill("#value", "+66 12")
    page.click("form.stack button[type=submit]")
    assert "value" in page.inner_text("#form-error")
    page.fill("#value", "hxxps://stealer-panel[.]example/gate.php")
    page.select_option("#country", "TH")
    page.select_option("#action", "takedown")
    page.select_option("#priority", "high")
    page.fill("#rationale", "Infostealer panel collecting Thai bank logins")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("#target-label")
    assert "stealer-panel.example" in page.inner_text("#target-label")
    page.select_option("#kind", "seizure")
    page.fill("#servers", "3")
    page.fill("#devices", "2")
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#target-actions")
    assert "3 servers, 2 devices" in page.inner_text("#target-actions")
    screenshot(page, "operations-target")

    page.goto(f"{base}/operations/{op}/targets")
    screenshot(page, "operations-targets")
    page.goto(f"{base}/operations/{op}/tasks")
    page.select_option("#assignee", label="Thai Cyber Unit")
    page.fill("#title", "Ask the host to preserve logs")
    page.fill("#due_at", "2026-06-01T08:00")
    page.click("form.stack button[type=submit]")
    page.wait_for_selector("#tasks")
    assert "overdue" in page.inner_text("#tasks")
    screenshot(page, "operations-tasks")

    page.goto(f"{base}/operations/{op}/actions")
    page.select_option("#kind", "arrest")
    page.fill("#quantity", "4")
    page.click("#action-form button[type=submit]")
    page.wait_for_selector("#actions")
    assert "arrest" in page.inner_text("#actions")
    screenshot(page, "operations-actions")

    page.goto(f"{base}/operations/{op}/outcomes")
    assert page.inner_text("#stat-arrests") == "4"
    assert "3 / 2" in page.inner_text("#row-TH")
    screenshot(page, "operations-outcomes")

    page.goto(f"{base}/operations/{op}/packages")
    page.click("#generate")
    page.wait_for_selector("#msg")
    assert "PH" in page.inner_text("#msg") and "TH" in page.inner_text("#msg")
    screenshot(page, "operations-packages-lead")
    page.goto(f"{base}/operations/{op}")
    screenshot(page, "operations-detail")
    page.goto(f"{base}/operations")
    assert "Operation Monsoon" in page.inner_text("#operations")
    screenshot(page, "operations-list")


def test_each_country_reads_its_own_package(page: Any, live_server: Any, make: Factory) -> None:
    w = build_world(make, tokens=False, passwords=True)
    op = w.operation()
    _seed_targets(w, op)
    base = live_server.url
    _sign_in(page, base, "hub@hub.aspjoc.test")
    page.goto(f"{base}/operations/{op}/packages")
    page.click("#generate")
    page.wait_for_selector("#msg")
    page.click("header form button")
    _sign_in(page, base, "th@th.aspjoc.test")
    page.goto(f"{base}/operations/{op}/packages")
    assert page.inner_text("#packages").count("Thai Cyber Unit") == 1 and "Philippine" not in page.inner_text("#packages")
    screenshot(page, "operations-packages-th")
    page.click("#packages >> text=page")
    page.wait_for_selector("#package-tlp")
    assert page.inner_text("#package-tlp") == "TLP:RED"
    body = page.inner_text("body")
    assert "kit-th.phish.example" in body and "RED-TH undercover buy" in body and "kit-ph.phish.example" not in body
    screenshot(page, "operations-package-th-html")
    page.goto(f"{base}/operations/{op}/targets/1")
    assert "RED-TH undercover buy" in page.inner_text("#statements")
    page.click("header form button")
    _sign_in(page, base, "ph@ph.aspjoc.test")
    page.goto(f"{base}/operations/{op}/targets/1")
    assert "RED-TH" not in page.content() and page.is_visible("#held-elsewhere")
    assert page.get_attribute("#rfi-link", "href").startswith("/requests/new?type=domain&value=kit-th.phish.example")
    screenshot(page, "operations-target-ph-held-elsewhere")


def test_takedown_freeze_overdue_and_clock_pages(page: Any, app: Any, make: Factory) -> None:
    w = build_world(make, tokens=False, passwords=True)
    op = w.operation()
    _seed_targets(w, op)
    admin = make.user("admin@hub.aspjoc.test", w.hub, role="admin")
    assert admin.id
    with SmtpSink() as sink:
        settings = app.state.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": sink.port})
        with LiveServer(create_app(settings, clock=app.state.clock, db=app.state.db)) as server:
            base = server.url
            _sign_in(page, base, "hub@hub.aspjoc.test")
            page.goto(f"{base}/operations/{op}/takedowns")
            page.select_option("#target_id", label="TH · domain kit-th.phish.example")
            page.select_option("#provider_kind", "registrar")
            page.fill("#provider_name", "Example Registry")
            page.fill("#provider_email", "abuse@registry.example")
            page.select_option("#provider_org", label="Example Registry")
            page.fill("#grounds", "Phishing kit imitating a Thai bank.")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector("#notice")
            assert "Phishing kit imitating" in page.inner_text("#notice") and "RED-TH" not in page.inner_text("#notice")
            screenshot(page, "operations-takedown-draft")
            page.click("#send")
            page.wait_for_selector("text=Record the provider's answer")
            assert len(sink.messages) == 1
            page.goto(f"{base}/operations/{op}/takedowns")
            screenshot(page, "operations-takedowns")
            make.clock.advance(hours=50)
            _sign_in(page, base, "hub@hub.aspjoc.test")  # the console session lasted 12 hours
            page.goto(f"{base}/operations/overdue")
            assert "TD-1" in page.inner_text("#overdue-takedowns")
            screenshot(page, "operations-overdue")
            page.goto(f"{base}/operations/takedowns/1")
            assert page.is_visible("#overdue")
            page.select_option("#status", "confirmed")
            page.fill("#text", "Domain suspended.")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector("#answers")
            assert "after 50.0 h" in page.inner_text("#response-time")
            screenshot(page, "operations-takedown-answered")

            page.goto(f"{base}/operations/freezes/new")
            page.fill("#value", "TH:004:1234567890")
            page.select_option("#acting_org", label="Thai Cyber Unit (TH)")
            page.fill("#institution_name", "Example Thai Bank")
            page.fill("#amount", "abc")
            page.fill("#currency", "USD")
            page.click("form.stack button[type=submit]")
            assert "amount" in page.inner_text("#form-error")
            page.fill("#amount", "42300.00")
            page.fill("#transaction_refs", "SWIFT-0001\nSWIFT-0002")
            screenshot(page, "operations-freeze-new")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector("#time-left")
            assert page.inner_text("#time-left") == "72 h 00 min left"
            make.clock.advance(hours=1, minutes=15)
            page.goto(f"{base}/operations/freezes/new")
            page.fill("#value", "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA")
            page.select_option("#acting_org", label="Philippine Cyber Unit (PH)")
            page.select_option("#kind", "stop_payment")
            page.fill("#institution_name", "Example Exchange")
            page.fill("#amount", "9000")
            page.fill("#currency", "USDT")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector("#time-left")
            assert page.inner_text("#time-left") == "24 h 00 min left"
            screenshot(page, "operations-freeze")
            page.goto(f"{base}/operations/freezes")
            cells = page.locator("#freezes td.time-left strong").all_inner_texts()
            assert cells == ["24 h 00 min left", "70 h 45 min left"], cells
            screenshot(page, "operations-freezes")
            page.click("header form button")

            _sign_in(page, base, "th@th.aspjoc.test")
            page.goto(f"{base}/operations/freezes")
            page.click("#freezes >> text=FR-1")
            page.select_option("#status", "frozen")
            page.fill("#amount", "39000")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector("text=Held")
            assert "frozen" in page.inner_text("h1")
            page.click("header form button")

            _sign_in(page, base, "admin@hub.aspjoc.test")
            page.goto(f"{base}/operations/clocks")
            page.fill("#country", "FJ")
            page.select_option("#kind", "freeze")
            page.fill("#freeze_hours", "96")
            page.fill("#hold_days", "10")
            page.fill("#basis", "Example statute, section 12")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector("#msg")
            assert "freeze 96 h, then hold up to 10 days" in page.inner_text("#clocks")
            screenshot(page, "operations-clocks")
