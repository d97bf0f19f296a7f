"""The demo operation in headless Chromium: what a person who runs `make run` finds on the operations pages."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from aspjoc.demo import DEMO_PASSWORD, load_demo
from aspjoc.operations.evidence.models import CustodyEvent
from aspjoc.operations.models import Operation
from aspjoc.operations.graph.models import Entity
from support import screenshot, sign_in

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, DEMO_PASSWORD)


def _visit(page: Any, url: str, shot: str) -> str:
    reply = page.goto(url)
    assert reply is not None and reply.status == 200, url
    screenshot(page, shot)
    return str(page.inner_text("main"))


def test_the_demo_operation_fills_every_operations_page(page: Any, live_server: Any, db: Any, clock: Any,
                                                        settings: Any) -> None:
    with db.unit_of_work() as s:
        load_demo(s, clock.now(), data_dir=settings.data_dir)
    with db.reader() as s:
        op = s.scalars(select(Operation)).one().id
        sent = s.scalar(select(CustodyEvent.purpose).where(CustodyEvent.action == "export"))
        crew = s.scalar(select(Entity.id).where(Entity.name == "Golden Lotus crew"))
    assert sent is not None and sent.startswith("takedown request TD-")
    with_file = int(sent.rsplit("TD-", 1)[1])
    base = live_server.url
    _sign_in(page, base, "analyst@hub.aspjoc.test")

    listing = _visit(page, f"{base}/operations", "demo-operations")
    assert "Coral Tide" in listing
    overview = _visit(page, f"{base}/operations/{op}", "demo-operation")
    assert "Thailand National Cybercrime Unit" in overview and "Overdue" in overview
    targets = _visit(page, f"{base}/operations/{op}/targets", "demo-operation-targets")
    assert "takedown" in targets and "freeze" in targets and "Golden Lotus crew" in targets
    hub_packages = _visit(page, f"{base}/operations/{op}/packages", "demo-operation-packages")
    assert "Regional Cybercrime Coordination Hub" in hub_packages and "Thailand National" not in hub_packages
    requests = _visit(page, f"{base}/operations/{op}/takedowns", "demo-operation-takedowns")
    assert "confirmed" in requests and "refused" in requests and "Islands Telecom" in requests
    notice = _visit(page, f"{base}/operations/takedowns/{with_file}", "demo-operation-takedown-notice")
    assert "lotus-markets-withdrawal.html" in notice and "SHA-256" in notice
    page.click("#notice-files a")  # the attached file, as an evidence item with its custody log
    page.wait_for_url(f"{base}/evidence/*")
    assert "lotus-markets-withdrawal.html" in page.inner_text("main")
    screenshot(page, "demo-operation-takedown-file")
    clocks = _visit(page, f"{base}/operations/freezes", "demo-operation-freezes")
    assert "MYR" in clocks and "left" in clocks
    results = _visit(page, f"{base}/operations/{op}/outcomes", "demo-operation-outcomes")
    assert "USDT" in results and "MYR" in results
    assert "arrest" in _visit(page, f"{base}/operations/{op}/actions", "demo-operation-actions")
    assert "compound" in _visit(page, f"{base}/operations/{op}/tasks", "demo-operation-tasks")
    graph = _visit(page, f"{base}/graph?focus=entity:{crew}", "demo-operation-graph")
    assert "Somchai K." in graph and "Trafficked worker" not in graph

    page.click("header form button")
    _sign_in(page, base, "investigator@th.aspjoc.test")
    own = _visit(page, f"{base}/operations/{op}/packages", "demo-operation-packages-th")
    assert "Thailand National Cybercrime Unit" in own and "Coordination Hub" not in own
    page.locator("main a", has_text="page").first.click()
    page.wait_for_load_state()
    screenshot(page, "demo-operation-package-th")
    assert "Coral Tide" in page.inner_text("body") and "freeze" in page.inner_text("body")
