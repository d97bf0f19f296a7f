"""Console forms of products without a browser: editing keeps the recipients, bad input is shown by field, 404 for others."""

from __future__ import annotations

import re
from typing import Any

from products_helpers import create, load, product_in
from support import PASSWORD, Factory

from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.marking import TLP

HTML = {"accept": "text/html"}


def _sign_in(client: Any, email: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)  # type: ignore[union-attr]
    client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/products/new", headers=HTML).text).group(1)  # type: ignore[union-attr]


def test_saving_a_draft_keeps_its_recipients_and_reports_bad_input(client: Any, db: Database, make: Factory,
                                                                   clock: FixedClock) -> None:
    fj, to = make.org("Fiji Cyber Unit", "FJ"), make.org("Tonga Cyber Unit", "TO")
    author = make.user("a@fj.aspjoc.test", fj)
    make.user("a@to.aspjoc.test", to)
    product_id = create(db, make.principal(author), product_in(tlp="amber+strict", title="Case work", organisations=[to.id]),
                        clock.now())
    csrf = _sign_in(client, "a@fj.aspjoc.test")
    form = client.get(f"/products/{product_id}/edit", headers=HTML).text
    assert re.search(rf'<option value="{to.id}" selected>Tonga Cyber Unit', form)
    fields = {"csrf_token": csrf, "title": "Case work, revised", "period_start": "2025-06-01", "period_end": "2026-05-31",
              "tlp": "amber+strict", "organisations": [str(to.id)], "summary": "Revised."}
    saved = client.post(f"/products/{product_id}/edit", data=fields, headers=HTML, follow_redirects=False)
    assert saved.status_code == 303
    product = load(db, product_id)
    assert product.title == "Case work, revised" and product.marking.tlp == int(TLP.AMBER_STRICT)
    assert product.marking.has_recipients
    bad = client.post(f"/products/{product_id}/edit", data={**fields, "period_end": "2020-01-01"}, headers=HTML)
    assert bad.status_code == 422 and 'id="form-error"' in bad.text and "before it starts" in bad.text

    client.post("/signout", data={"csrf_token": csrf})
    _sign_in(client, "a@to.aspjoc.test")
    assert client.get(f"/products/{product_id}", headers=HTML).status_code == 404
    assert "Case work" not in client.get("/products", headers=HTML).text
