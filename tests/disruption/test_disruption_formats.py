"""Every block-list format on one fixture selection: the lines each writes, and the trace behind them."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import stix2
from stix2validator import ValidationOptions, validate_string

from disruption_helpers import Region, fetch, listed_lines
from support import Factory

WALLET = "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA"


def _fixture(make: Factory) -> Region:
    region = Region.build(make)
    region.state("th", "login-coral-bank.example")
    region.state("th", "bücher-phish.example")
    region.state("ph", "invest-gold.example", crime_type="investment_scam")
    region.state("th", "invest-gold.example", crime_type="phishing")
    region.state("th", "https://login-coral-bank.example/verify")
    region.state("th", "203.0.113.7", crime_type="malware")
    region.state("th", "TH:004:1234567890", crime_type="money_mule")
    region.state("th", "DE89370400440532013000", crime_type="money_mule")
    region.state("ph", WALLET, crime_type="investment_scam", confidence=90)
    region.state("th", "+66 81 234 5678", crime_type="investment_scam")
    return region


def test_rpz_zone_has_soa_ns_and_cname_dot_for_domain_and_subdomains(client: Any, make: Factory) -> None:
    region = _fixture(make)
    sid, token = region.subscribe(client, "rpz")
    reply = fetch(client, sid, "rpz", token)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/dns")
    lines = reply.text.splitlines()
    assert lines[0] == "$TTL 300"
    assert lines[1] == "@ IN SOA localhost. hostmaster.localhost. ( 1 3600 600 604800 60 )"
    assert lines[2] == "@ IN NS localhost."
    records = [line.split(" ;")[0] for line in lines if "CNAME" in line]
    assert sorted(records) == sorted([
        "login-coral-bank.example CNAME .", "*.login-coral-bank.example CNAME .",
        "xn--bcher-phish-thb.example CNAME .", "*.xn--bcher-phish-thb.example CNAME .",
        "invest-gold.example CNAME .", "*.invest-gold.example CNAME .",
    ])
    assert all(line.isascii() for line in lines)


def test_hosts_and_plain_lists(client: Any, make: Factory) -> None:
    region = _fixture(make)
    hosts_id, hosts_token = region.subscribe(client, "hosts")
    hosts = listed_lines(fetch(client, hosts_id, "hosts", hosts_token).text)
    assert sorted(line.split(" #")[0] for line in hosts) == [
        "0.0.0.0 invest-gold.example", "0.0.0.0 login-coral-bank.example", "0.0.0.0 xn--bcher-phish-thb.example"]
    plain_id, plain_token = region.subscribe(client, "plain", name="urls and ips", types=["url", "ipv4"])
    plain = listed_lines(fetch(client, plain_id, "txt", plain_token).text)
    assert sorted(plain) == ["203.0.113.7", "https://login-coral-bank.example/verify"]
    domains_id, domains_token = region.subscribe(client, "plain", name="phishing domains", types=["domain"],
                                                 crime_types=["phishing"])
    domains = listed_lines(fetch(client, domains_id, "txt", domains_token).text)
    assert sorted(domains) == ["invest-gold.example", "login-coral-bank.example", "xn--bcher-phish-thb.example"]


def test_suricata_rules_cover_dns_tls_and_http_with_stable_sids(client: Any, make: Factory) -> None:
    region = _fixture(make)
    sid, token = region.subscribe(client, "suricata")
    rules = listed_lines(fetch(client, sid, "rules", token).text)
    assert len(rules) == 9
    gold = [r for r in rules if '".invest-gold.example"' in r]
    assert [r.split(" ")[1] for r in gold] == ["dns", "tls", "http"]
    assert "dns.query; dotprefix; content:\".invest-gold.example\"; nocase; endswith;" in gold[0]
    assert "tls.sni; dotprefix;" in gold[1] and "http.host; dotprefix;" in gold[2]
    assert "ASPJOC PHISHING" in gold[0] and "(phishing, investment_scam)" in gold[0]
    sids = [int(r.split("sid:")[1].split(";")[0]) for r in gold]
    assert sids[1] == sids[0] + 1 and sids[2] == sids[0] + 2
    assert all("rev:1;" in r for r in gold)
    every = [int(r.split("sid:")[1].split(";")[0]) for r in rules]
    assert len(set(every)) == len(every)


def test_bank_csv_splits_accounts_ibans_and_wallets(client: Any, make: Factory) -> None:
    region = _fixture(make)
    sid, token = region.subscribe(client, "bank_csv")
    reply = fetch(client, sid, "csv", token)
    assert reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    by_type = {r["type"]: r for r in rows}
    assert set(by_type) == {"bank_account", "iban", "crypto_wallet"}
    assert (by_type["bank_account"]["value"], by_type["bank_account"]["bank_code"], by_type["bank_account"]["country"]) == (
        "1234567890", "004", "TH")
    assert (by_type["iban"]["value"], by_type["iban"]["bank_code"], by_type["iban"]["country"]) == (
        "DE89370400440532013000", "37040044", "DE")
    assert (by_type["crypto_wallet"]["value"], by_type["crypto_wallet"]["bank_code"]) == (
        "TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA", "tron")
    assert by_type["bank_account"]["crime_types"] == "money_mule"
    assert int(by_type["crypto_wallet"]["score"]) > int(by_type["iban"]["score"]) > 0
    assert by_type["iban"]["first_seen"] == "2026-06-01T09:00:00Z"
    assert all(r["reference"].startswith(f"ASPJOC-{sid}-") for r in rows)


def test_telco_csv_lists_e164_numbers(client: Any, make: Factory) -> None:
    region = _fixture(make)
    sid, token = region.subscribe(client, "telco_csv", subscriber="telco")
    rows = list(csv.reader(io.StringIO(fetch(client, sid, "csv", token).text)))
    assert rows[0] == ["number", "country", "crime_types", "score", "first_seen", "last_seen", "reference"]
    assert [r[:3] for r in rows[1:]] == [["+66812345678", "TH", "investment_scam"]]


def test_stix_format_is_a_valid_bundle_of_indicators(client: Any, make: Factory) -> None:
    region = _fixture(make)
    sid, token = region.subscribe(client, "stix", types=["domain", "phone"])
    text = fetch(client, sid, "json", token).text
    assert validate_string(text, ValidationOptions(version="2.1")).is_valid
    bundle = stix2.parse(text, allow_custom=True)
    patterns = sorted(o.pattern for o in bundle.objects if o.type == "indicator")
    assert patterns == sorted([
        "[domain-name:value = 'login-coral-bank.example']", "[domain-name:value = 'xn--bcher-phish-thb.example']",
        "[domain-name:value = 'invest-gold.example']", "[domain-name:value = 'invest-gold.example']",
        "[x-aspjoc-phone:value = '+66812345678']"])


def test_every_entry_traces_back_to_its_statements(client: Any, make: Factory) -> None:
    region = _fixture(make)
    sid, token = region.subscribe(client, "rpz")
    text = fetch(client, sid, "rpz", token).text
    ref = next(line.split("ref=")[1] for line in text.splitlines() if line.startswith("invest-gold.example"))
    by_ref = client.get(f"/feeds/{sid}/refs/{ref}", params={"token": token}).json()
    assert by_ref["value"] == "invest-gold.example" and by_ref["on_list"] is True
    assert sorted(s["owner"] for s in by_ref["statements"]) == ["Philippine Cyber Unit", "Thai Cyber Unit"]
    by_value = client.get(f"/feeds/{sid}/entries/INVEST-GOLD.example", headers={"Authorization": f"Bearer {token}"})
    assert by_value.status_code == 200
    assert json.loads(by_value.text)["ref"] == int(ref)
    assert client.get(f"/feeds/{sid}/entries/never-listed.example", params={"token": token}).status_code == 404
