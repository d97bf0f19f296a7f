"""The issue's scenario: three countries, thirty targets, packages, actions, outcomes that equal the action log."""

from __future__ import annotations

import json
import random
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from stix2validator import ValidationOptions, validate_string

from aspjoc.operations import packages, targets
from aspjoc.operations.schemas import ObservableIn, OpMarkingIn, TargetIn
from operations_helpers import World, build_world
from support import Factory, bearer

COUNTRIES = ("TH", "PH", "MY")
RED_TH = "RED-TH-ONLY informant handle of the kit seller"
RED_PH = "RED-PH-ONLY undercover purchase of the phishing kit"


def _values(country: str) -> list[str]:
    return [f"kit{i}-{country.lower()}.phish.example" for i in range(10)]


def _arrange(w: World) -> tuple[int, dict[str, list[int]]]:
    op = w.operation()
    for country in COUNTRIES:
        for i, value in enumerate(_values(country)):
            w.state("hub", value, "green", f"hub green note {value}")
            if i % 3 == 0:
                w.state(country.lower(), value, "amber", f"amber note of {country} on {value}")
    # A RED statement of Thailand on a Philippine target, and of the Philippines on its own target.
    w.state("th", _values("PH")[0], "red", RED_TH, orgs=[w.th.id])
    w.state("ph", _values("PH")[1], "red", RED_PH, orgs=[w.ph.id])
    ids: dict[str, list[int]] = defaultdict(list)
    actions = ["takedown"] * 7 + ["freeze", "arrest", "victim_notification"]
    with w.make.db.unit_of_work() as s:
        for country in COUNTRIES:
            for i, value in enumerate(_values(country)):
                data = TargetIn(observable=ObservableIn(value=value), country=country, action=actions[i],
                                priority=("high", "medium", "low")[i % 3], rationale=f"kit host {i} of {country}")
                ids[country].append(targets.add_target(s, w.principal("hub"), op, data, w.make.clock.now()).id)
    return op, ids


def _pdf_pages(pdf: bytes, tmp: Path) -> list[str]:
    path = tmp / "package.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True,
                           text=True, check=True).stdout for n in range(1, pages + 1)]


def _record_log(client: Any, w: World, op: int, ids: dict[str, list[int]]) -> list[dict[str, Any]]:
    rng = random.Random(5)
    log: list[dict[str, Any]] = []
    for country in COUNTRIES:
        token = w.tokens[country.lower()]
        for target_id in ids[country]:
            for kind in rng.sample(["takedown_requested", "takedown_confirmed", "takedown_refused", "arrest",
                                    "victims_notified", "seizure", "funds_held", "funds_recovered"], k=3):
                body: dict[str, Any] = {"target_id": target_id, "kind": kind}
                if kind in ("arrest", "victims_notified"):
                    body["quantity"] = rng.randint(1, 40)
                if kind == "seizure":
                    body |= {"servers": rng.randint(0, 3), "devices": rng.randint(1, 5)}
                if kind.startswith("funds"):
                    body |= {"amount": str(Decimal(rng.randint(1, 10**8)) / 100), "currency": rng.choice(["USD", "THB", "USDT"])}
                reply = client.post(f"/api/v1/operations/{op}/actions", json=body, headers=bearer(token))
                assert reply.status_code == 201, reply.text
                log.append(body | {"country": country})
    return log


def _expected(log: list[dict[str, Any]], targets_by_country: dict[str, int]) -> dict[str, dict[str, Any]]:
    """The figures the log implies, worked out here independently of the SQL."""
    out: dict[str, dict[str, Any]] = {}
    for scope in (*COUNTRIES, "total"):
        rows = [e for e in log if scope in ("total", e["country"])]
        of = lambda *kinds: {e["target_id"] for e in rows if e["kind"] in kinds}  # noqa: E731
        requested = of("takedown_requested", "takedown_confirmed", "takedown_refused")
        confirmed = of("takedown_confirmed")
        money: dict[str, dict[str, Decimal]] = {"funds_held": defaultdict(Decimal), "funds_recovered": defaultdict(Decimal)}
        for e in rows:
            if e["kind"] in money:
                money[e["kind"]][e["currency"]] += Decimal(e["amount"])
        out[scope] = {
            "targets": sum(targets_by_country.values()) if scope == "total" else targets_by_country[scope],
            "takedowns_requested": len(requested), "takedowns_confirmed": len(confirmed),
            "takedown_rate": round(len(confirmed) / len(requested), 4) if requested else None,
            "arrests": sum(e.get("quantity", 0) for e in rows if e["kind"] == "arrest"),
            "victims_notified": sum(e.get("quantity", 0) for e in rows if e["kind"] == "victims_notified"),
            "servers_seized": sum(e.get("servers", 0) for e in rows if e["kind"] == "seizure"),
            "devices_seized": sum(e.get("devices", 0) for e in rows if e["kind"] == "seizure"),
            "amounts_held": {c: Decimal(v) for c, v in money["funds_held"].items()},
            "amounts_recovered": {c: Decimal(v) for c, v in money["funds_recovered"].items()},
        }
    return out


def test_three_country_operation_packages_actions_and_outcomes(client: Any, make: Factory, tmp_path: Path) -> None:
    w = build_world(make)
    op, ids = _arrange(w)
    generated = client.post(f"/api/v1/operations/{op}/packages", headers=bearer(w.tokens["hub"]))
    assert generated.status_code == 200, generated.text
    assert generated.json()["countries"] == ["MY", "PH", "SG", "TH"]

    for country in COUNTRIES:
        token = w.tokens[country.lower()]
        listed = client.get(f"/api/v1/operations/{op}/packages", headers=bearer(token)).json()
        assert [p["country"] for p in listed] == [country], "each country reads its own package only"
        pkg = listed[0]
        assert pkg["targets"] == 10
        pdf = client.get(pkg["pdf_url"], headers=bearer(token))
        assert pdf.headers["content-type"] == "application/pdf"
        pages = _pdf_pages(pdf.content, tmp_path)
        assert all(f"TLP:{pkg['tlp'].upper()}" in page for page in pages), "the marking is on every page"
        text = "".join(pages)
        html = client.get(pkg["html_url"], headers=bearer(token)).text
        stix = client.get(pkg["stix_url"], headers=bearer(token)).text
        for other in COUNTRIES:
            for value in _values(other):
                assert (value in text) is (other == country), (country, value)
                assert (value in html) is (other == country)
                assert (value in stix) is (other == country)
        assert validate_string(stix, ValidationOptions(version="2.1")).is_valid
        bundle = json.loads(stix)
        report, = [o for o in bundle["objects"] if o["type"] == "report"]
        listed_targets = [o for o in bundle["objects"] if o["id"] in report["object_refs"] and "Recommended action" in o.get("description", "")]
        assert len(listed_targets) == 10
        assert RED_TH not in text + html + stix or country == "TH"
        if country == "PH":
            assert RED_PH in html and "RED-PH-ONLY" in text.replace("\n", " ") and pkg["tlp"] == "red"
        else:
            assert RED_PH not in text + html + stix
        assert f"amber note of {country}" in html

    log = _record_log(client, w, op, ids)
    expected = _expected(log, {c: 10 for c in COUNTRIES})
    answer = client.get(f"/api/v1/operations/{op}/outcomes", headers=bearer(w.tokens["hub"])).json()
    for scope in (*COUNTRIES, "total"):
        got = answer["total"] if scope == "total" else answer["by_country"][scope]
        want = expected[scope]
        for key in ("targets", "takedowns_requested", "takedowns_confirmed", "takedown_rate", "arrests",
                    "victims_notified", "servers_seized", "devices_seized"):
            assert got[key] == want[key], (scope, key)
        for key in ("amounts_held", "amounts_recovered"):
            assert {c: Decimal(v) for c, v in got[key].items()} == want[key], (scope, key)


def test_package_generation_is_for_the_lead_and_reports_no_contents(client: Any, make: Factory) -> None:
    w = build_world(make)
    op = w.operation(participants=("th", "ph"))
    with make.db.unit_of_work() as s:
        targets.add_target(s, w.principal("hub"), op, TargetIn(observable=ObservableIn(value=_values("TH")[0]), country="TH",
                                                               action="takedown"), make.clock.now())
    assert client.post(f"/api/v1/operations/{op}/packages", headers=bearer(w.tokens["th"])).status_code == 403
    assert client.post(f"/api/v1/operations/{op}/packages", headers=bearer(w.tokens["bank"])).status_code == 404
    with make.db.unit_of_work() as s:
        packages.generate_for(s, w.principal("hub"), op, make.clock.now())
    hub_list = client.get(f"/api/v1/operations/{op}/packages", headers=bearer(w.tokens["hub"])).json()
    assert [p["country"] for p in hub_list] == ["SG"], "the lead reads only its own package"
    th_pkg = client.get(f"/api/v1/operations/{op}/packages", headers=bearer(w.tokens["th"])).json()[0]
    assert th_pkg["targets"] == 1
    for key in ("hub", "ph", "my"):
        assert client.get(th_pkg["pdf_url"], headers=bearer(w.tokens[key])).status_code == 404
