"""The real tools accept what the feeds write: BIND and Unbound load the RPZ zone, suricata-check passes the rules.

Each check also runs on a deliberately broken file first, so a validator that silently accepted
anything would fail the test.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from disruption_helpers import Region, check_zone, fetch, suricata_errors
from support import Factory

DOMAINS = ["login-coral-bank.example", "bücher-phish.example", "pay_portal.scam-shop.example",
           "x" * 63 + ".long-label.example", "xn--80ak6aa92e.example"]


def test_the_validators_are_installed() -> None:
    # scripts/system-deps.sh installs them before `make test`; a missing one is a failure, never a skip.
    assert shutil.which("named-checkzone") and shutil.which("unbound-checkconf")


def test_bind_and_unbound_load_the_rpz_zone(client: Any, make: Factory, tmp_path: Path) -> None:
    broken = ("$TTL 300\n@ IN SOA localhost. hostmaster.localhost. ( 1 3600 600 604800 60 )\n@ IN NS localhost.\n"
              "bad..name CNAME .\n")
    bind, unbound = check_zone(broken, tmp_path)
    assert bind.returncode != 0 and unbound.returncode != 0, (bind.stdout, unbound.stderr)

    region = Region.build(make)
    for domain in DOMAINS:
        region.state("th", domain)
    sid, token = region.subscribe(client, "rpz")
    zone = fetch(client, sid, "rpz", token).text
    bind, unbound = check_zone(zone, tmp_path)
    assert bind.returncode == 0, bind.stdout + bind.stderr
    assert "loaded serial 1" in bind.stdout
    assert unbound.returncode == 0, unbound.stdout + unbound.stderr
    assert zone.count(" CNAME .") == 2 * len(DOMAINS)


def test_the_rpz_serial_grows_and_the_new_zone_still_loads(client: Any, make: Factory, tmp_path: Path) -> None:
    region = Region.build(make)
    region.state("th", "login-coral-bank.example")
    sid, token = region.subscribe(client, "rpz")
    fetch(client, sid, "rpz", token)
    region.state("ph", "second-wave.example")
    assert region.refresh(client, sid)["serial"] == 2
    bind, unbound = check_zone(fetch(client, sid, "rpz", token).text, tmp_path)
    assert "loaded serial 2" in bind.stdout and unbound.returncode == 0


def test_suricata_check_finds_no_errors_in_the_rules(client: Any, make: Factory, tmp_path: Path) -> None:
    errors, analysed = suricata_errors('alert dns any any -> any any (dns.query; content:"x"; nocase;)\n'
                                       'alert dns any any -> any any (msg:"y"; frobnicate; sid:7; rev:1;)\n', tmp_path)
    assert analysed == 2 and any("M000" in e for e in errors) and any("frobnicate" in e for e in errors)

    region = Region.build(make)
    for domain in DOMAINS[:3]:
        region.state("th", domain, crime_type="phishing")
    region.state("ph", DOMAINS[0], crime_type="investment_scam")
    sid, token = region.subscribe(client, "suricata")
    rules = fetch(client, sid, "rules", token).text
    errors, analysed = suricata_errors(rules, tmp_path)
    assert errors == []
    assert analysed == 9
