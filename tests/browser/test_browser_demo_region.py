"""The demo region as a new user meets it: two countries' demo users see different things."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from aspjoc.demo import DEMO_PASSWORD, SHOWCASE_RED_PHONE, load_demo
from support import screenshot, sign_in

pytestmark = pytest.mark.browser


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, DEMO_PASSWORD)


def _count(page: Any) -> int:
    return int(page.inner_text("#stat-statements").replace(",", ""))


def test_demo_users_of_two_countries_see_different_things(page: Any, live_server: Any, db: Any, clock: Any) -> None:
    with db.unit_of_work() as session:
        load_demo(session, clock.now())
    base = live_server.url

    _sign_in(page, base, "investigator@th.aspjoc.test")
    th_count = _count(page)
    screenshot(page, "demo-dashboard-th")
    page.goto(f"{base}/lookup?q={quote(SHOWCASE_RED_PHONE)}")
    th_lookup = page.inner_text("main")
    assert "TLP:RED" in th_lookup
    screenshot(page, "demo-lookup-th")
    page.click("header form button")

    _sign_in(page, base, "analyst@ph.aspjoc.test")
    ph_count = _count(page)
    page.goto(f"{base}/lookup?q={quote(SHOWCASE_RED_PHONE)}")
    ph_lookup = page.inner_text("main")
    screenshot(page, "demo-lookup-ph")

    assert th_count > 1000 and ph_count > 1000 and th_count != ph_count
    assert "TLP:RED" not in ph_lookup
    assert page.is_visible("#held-elsewhere")
