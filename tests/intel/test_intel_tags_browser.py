"""Source tags in the console, in a real browser: chips on the statement list that filter it."""

from __future__ import annotations

from typing import Any

import pytest

from aspjoc.demo import DEMO_PASSWORD, load_demo
from support import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_tag_chips_filter_the_statement_list(page: Any, live_server: Any, db: Any, clock: Any) -> None:
    with db.unit_of_work() as session:
        load_demo(session, clock.now())
    base = live_server.url
    sign_in(page, base, "analyst@ph.aspjoc.test", DEMO_PASSWORD)

    page.goto(f"{base}/statements")
    chip = page.locator("main ul.tags a").first
    tag = chip.inner_text().strip()
    screenshot(page, "statements-tags")
    chip.click()
    page.wait_for_url(f"**/statements?*tag=*")
    screenshot(page, "statements-filtered-by-tag")

    rows = page.locator("main table tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert tag in rows.nth(i).inner_text()
