"""The link-analysis pages in headless Chromium: graph canvas, tables, path, clusters, entities, victims kept apart."""

from __future__ import annotations

from typing import Any

import pytest

from graph_helpers import Region
from support import PASSWORD, click_nav, Factory, screenshot, sign_in

pytestmark = pytest.mark.browser
WALLET = "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA"


def _sign_in(page: Any, base: str, email: str) -> None:
    sign_in(page, base, email, PASSWORD)


def _network(make: Factory) -> tuple[Region, dict[str, int]]:
    r = Region(make, passwords=True)
    ids = {
        "compound": r.entity(r.th_user, "Compound KK-7 operators", kind="group"),
        "boss": r.entity(r.th_user, "Compound manager 'Ah Long'"),
        "cashier": r.entity(r.th_user, "Cashier account holder", kind="account"),
        "victim": r.entity(r.th_user, "Trafficked worker (case 41)", role="victim"),
        "secret": r.entity(r.th_user, "Red informant", tlp="red"),
        "recruiter": r.entity(r.ph_user, "Recruiter 'Mike'"),
    }
    r.link(r.th_user, "employs", ("entity", ids["compound"]), ("entity", ids["boss"]))
    r.link(r.th_user, "controls", ("entity", ids["boss"]), ("entity", ids["cashier"]))
    r.link(r.th_user, "controls", ("entity", ids["compound"]), ("entity", ids["victim"]))
    r.link(r.th_user, "communicated_with", ("entity", ids["secret"]), ("entity", ids["boss"]), tlp="red")
    r.link(r.th_user, "uses", ("entity", ids["cashier"]), ("observable", WALLET))
    r.link(r.th_user, "uses", ("entity", ids["compound"]), ("observable", "https://kk7-trade.test/app"))
    r.link(r.ph_user, "uses", ("entity", ids["recruiter"]), ("observable", WALLET))
    r.statement(r.ph_user, WALLET, crime_type="investment_scam", description="Deposit wallet of a fake platform")
    r.statement(r.kh_user, WALLET, crime_type="investment_scam", tlp="amber")
    r.statement(r.kh_user, "https://kk7-trade.test/app", crime_type="investment_scam")
    r.statement(r.ph_user, "https://signup.kk7-trade.test/", crime_type="investment_scam")
    return r, ids


def test_graph_view_draws_the_neighbourhood_and_keeps_victims_and_red_apart(page: Any, live_server: Any, make: Factory) -> None:
    r, ids = _network(make)
    base = live_server.url
    _sign_in(page, base, "inv@th.aspjoc.test")
    click_nav(page, "Link analysis")
    page.fill("input[name=focus]", f"entity:{ids['boss']}")
    page.select_option("select[name=depth]", "3")
    page.click("#focus-form button")
    page.wait_for_selector("#cy[data-ready='1'] canvas")
    nodes = page.inner_text("#graph-nodes")
    assert "Compound manager 'Ah Long'" in nodes and WALLET in nodes and "Recruiter 'Mike'" in nodes
    assert "Trafficked worker" not in nodes, "victims stay out of the default view"
    assert "Red informant" in nodes, "the owner sees its own RED entity"
    screenshot(page, "graph-neighbourhood-th")

    page.check("input[name=victims]")
    page.click("#focus-form button")
    page.wait_for_selector("#cy[data-ready='1'] canvas")
    assert "victim data" in page.inner_text("#graph-nodes")
    page.click(f"#graph-nodes a:has-text('Trafficked worker')")
    page.wait_for_selector("#victim-banner")
    screenshot(page, "graph-entity-victim")

    page.goto(f"{base}/graph/path?source=entity:{ids['recruiter']}&target=entity:{ids['boss']}")
    page.wait_for_selector("#cy[data-ready='1'] canvas")
    summary = page.inner_text("#path-summary")
    assert "3 steps" in summary and WALLET in summary
    screenshot(page, "graph-path")

    page.goto(f"{base}/graph/clusters")
    clusters = page.inner_text("#clusters")
    assert WALLET in clusters and "kk7-trade.test" in clusters
    screenshot(page, "graph-clusters")

    page.click("header form button")
    page.wait_for_url(f"{base}/signin")
    _sign_in(page, base, "inv@ph.aspjoc.test")
    page.goto(f"{base}/graph?focus=entity:{ids['boss']}&depth=3&victims=1")
    page.wait_for_selector("#graph-nodes")
    assert "Red informant" not in page.content()
    assert "communicated" not in page.inner_text("#graph-edges")
    screenshot(page, "graph-neighbourhood-ph")


def test_entity_pages_create_entities_and_links_and_report_bad_values(page: Any, live_server: Any, make: Factory) -> None:
    r, ids = _network(make)
    base = live_server.url
    _sign_in(page, base, "inv@ph.aspjoc.test")
    page.goto(f"{base}/graph/entities")
    page.fill("#name", "Job-advert recruiter ring")
    page.select_option("#kind", "group")
    page.select_option("#role", "suspect")
    page.fill("#country", "ph")
    page.select_option("#tlp", "amber")
    screenshot(page, "graph-entities")
    page.click("#entity-form button[type=submit]")
    page.wait_for_selector("#entity-details")
    assert "Philippines" in page.inner_text("#entity-details")
    page.select_option("#rel-kind", "uses")
    page.select_option("#target_type", "observable")
    page.fill("#target", "+63 912 000")
    page.click("#relationship-form button[type=submit]")
    assert "phone" in page.inner_text("#form-error").lower() or "value" in page.inner_text("#form-error")
    page.fill("#target", "+63 917 555 0142")
    page.click("#relationship-form button[type=submit]")
    page.wait_for_selector("#relationships >> text=+639175550142")
    page.select_option("#rel-kind", "related_to")
    page.select_option("#target_type", "entity")
    page.fill("#target", str(ids["secret"]))
    page.click("#relationship-form button[type=submit]")
    assert "no entity" in page.inner_text("#form-error")
    screenshot(page, "graph-entity-page")
