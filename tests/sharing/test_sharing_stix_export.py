"""STIX 2.1 export: the API, the CLI and export_bundle; every bundle is checked by stix2-validator and read by stix2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import stix2
from sharing_helpers import Region, assert_valid
from sqlalchemy import select
from support import Factory, bearer
from typer.testing import CliRunner

from aspjoc.cli import app as cli
from aspjoc.intel.models import Statement
from aspjoc.intel.service import StatementFilter
from aspjoc.marking import TLP
from aspjoc.sharing.stix.export import export_bundle
from aspjoc.sharing.stix.rows import FIELDS
from aspjoc.sharing.stix.vocab import STATEMENT_EXTENSION, TLP1_IDS, TLP2_IDS


def _sample(region: Region) -> dict[str, str]:
    return {
        "phone": region.state("th", "+66812347301", "green", description="Scam compound handler."),
        "wallet": region.state("th", "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA", "amber", source="victim complaints"),
        "account": region.state("th", "MY:951:520384661730", "amber+strict", orgs=["ph"], crime_type="money_mule"),
        "url": region.state("ph", "https://secure-login.coral-sea-bank.example.net/verify", "clear", crime_type="phishing"),
        "hash": region.state("ph", "44d88612fea8a8f36de82e1278abb02f", "green", crime_type="malware"),
        "handle": region.state("ph", "telegram:@scamcoach", "green", kind="target"),
        "app": region.state("fj", "com.example.fakebank", "green", kind="victim"),
        "iban": region.state("fj", "DE89370400440532013000", "green", crime_type="bec"),
        "cidr": region.state("fj", "198.51.100.0/24", "green", crime_type="botnet"),
        "red": region.state("th", "+66812347399", "red"),
        "no_export": region.state("th", "+66812347398", "green", handling=["no_export"]),
    }


def test_api_export_is_valid_stix_with_owners_markings_and_custom_patterns(client: Any, make: Factory) -> None:
    region = Region.build(make)
    made = _sample(region)
    reply = client.get("/api/v1/export/stix", headers=bearer(region.tokens["ph"]))
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/stix+json")
    bundle = reply.json()
    assert_valid(bundle)
    parsed = stix2.parse(bundle, allow_custom=True)
    assert parsed.type == "bundle"
    by_id = {o["id"]: o for o in bundle["objects"]}
    indicators = {o["id"].removeprefix("indicator--"): o for o in bundle["objects"] if o["type"] == "indicator"}
    expected = {made[k] for k in ("phone", "wallet", "account", "url", "hash", "handle", "app", "iban", "cidr")}
    assert set(indicators) == expected
    account = indicators[made["account"]]
    assert account["object_marking_refs"] == [TLP2_IDS[TLP.AMBER_STRICT]]
    assert by_id[account["created_by_ref"]]["name"] == "Thai Cyber Unit"
    ext = account["extensions"][STATEMENT_EXTENSION]
    assert ext["marking"]["recipients"] == {"organisations": ["Philippine Cyber Unit"]}
    assert ext["owner"] == {"name": "Thai Cyber Unit", "org_kind": "law_enforcement", "country": "TH"}
    assert account["pattern"] == "[x-aspjoc-bank-account:value = 'MY:951:520384661730']"
    assert indicators[made["iban"]]["pattern"] == "[x-aspjoc-bank-account:iban = 'DE89370400440532013000']"
    assert indicators[made["handle"]]["pattern"] == "[x-aspjoc-social-handle:value = 'telegram:scamcoach']"
    assert indicators[made["hash"]]["pattern"] == "[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f']"
    assert indicators[made["cidr"]]["pattern"] == "[ipv4-addr:value = '198.51.100.0/24']"
    assert {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"} == {
        TLP2_IDS[TLP.CLEAR], TLP2_IDS[TLP.GREEN], TLP2_IDS[TLP.AMBER], TLP2_IDS[TLP.AMBER_STRICT]}


def made_no_export_listed(client: Any, headers: dict[str, str]) -> bool:
    """The statements API (reading) shows the no_export statement the export leaves out."""
    items = client.get("/api/v1/statements", params={"limit": 100}, headers=headers).json()["items"]
    return any("no_export" in i["marking"]["handling"] for i in items)


def test_export_filters_match_the_statements_api(client: Any, make: Factory) -> None:
    region = Region.build(make)
    _sample(region)
    headers = bearer(region.tokens["ph"])
    for params in ({"type": "phone"}, {"crime_type": "phishing"}, {"owner": "Fiji Cyber Unit"}, {"kind": "target"}):
        listed = client.get("/api/v1/statements", params=params | {"limit": 100}, headers=headers).json()["items"]
        exported = client.get("/api/v1/export/stix", params=params, headers=headers).json()
        ids = {o["id"].removeprefix("indicator--") for o in exported["objects"] if o["type"] == "indicator"}
        exportable = {i["uuid"] for i in listed if "no_export" not in i["marking"]["handling"] and i["marking"]["tlp"] != "red"}
        assert ids == exportable and exportable, params
    assert made_no_export_listed(client, headers)
    missing = client.get("/api/v1/export/stix", params={"owner": "Nobody"}, headers=headers)
    assert missing.status_code == 404
    assert client.get("/api/v1/export/stix").status_code == 401


def test_interoperability_mode_uses_tlp1_ids_and_passes_the_interop_profile(client: Any, make: Factory) -> None:
    region = Region.build(make)
    region.state("th", "192.0.2.1", "green")
    region.state("th", "192.0.2.2", "amber")
    region.state("th", "192.0.2.3", "clear")
    bundle = client.get("/api/v1/export/stix", params={"interop": "true"}, headers=bearer(region.tokens["ph"])).json()
    refs = {o["object_marking_refs"][0] for o in bundle["objects"] if o["type"] == "indicator"}
    assert refs == {TLP1_IDS[TLP.GREEN], TLP1_IDS[TLP.AMBER], TLP1_IDS[TLP.CLEAR]}
    assert_valid(bundle, interop=True)
    assert_valid(bundle)


def test_export_bundle_for_products_takes_ids_and_applies_the_gate(make: Factory) -> None:
    region = Region.build(make)
    made = _sample(region)
    with make.db.unit_of_work() as session:
        ids = list(session.scalars(select(Statement.id).where(Statement.uuid.in_([made["red"], made["phone"], made["account"]]))))
        bundle = export_bundle(session, region.principal("fj"), ids, make.clock.now())
        by_query = export_bundle(session, region.principal("fj"), select(Statement.id), make.clock.now())
        by_filter = export_bundle(session, region.principal("ph"), StatementFilter(type="phone"), make.clock.now())
    assert_valid(bundle)
    assert [o["id"] for o in bundle["objects"] if o["type"] == "indicator"] == [f"indicator--{made['phone']}"]
    seen = {o["id"].removeprefix("indicator--") for o in by_query["objects"] if o["type"] == "indicator"}
    assert made["account"] not in seen and made["red"] not in seen and made["no_export"] not in seen
    phones = {o["id"].removeprefix("indicator--") for o in by_filter["objects"] if o["type"] == "indicator"}
    assert phones == {made["phone"]}


def test_owner_exports_its_own_no_export_statement_but_not_others(client: Any, make: Factory) -> None:
    region = Region.build(make)
    made = _sample(region)
    def ids(who: str) -> set[str]:
        bundle = client.get("/api/v1/export/stix", headers=bearer(region.tokens[who])).json()
        return {o["id"].removeprefix("indicator--") for o in bundle["objects"] if o["type"] == "indicator"}
    assert made["no_export"] in ids("th") and made["red"] in ids("th")
    assert made["no_export"] not in ids("hub") and made["red"] not in ids("hub")


def test_cli_export_writes_a_valid_bundle(make: Factory, database_url: str, tmp_path: Path, monkeypatch: Any) -> None:
    region = Region.build(make)
    made = _sample(region)
    monkeypatch.setenv("ASPJOC_DATABASE_URL", database_url)
    out = tmp_path / "export.json"
    result = CliRunner().invoke(cli, ["export", "stix", "--org", "Regional Hub", "--crime-type", "investment_scam",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text())
    assert_valid(bundle)
    ids = {o["id"].removeprefix("indicator--") for o in bundle["objects"] if o["type"] == "indicator"}
    assert ids == {made["phone"], made["wallet"], made["handle"], made["app"]}
    both = CliRunner().invoke(cli, ["export", "stix", "--org", "Regional Hub", "--user", "x@y.z", "--out", str(out)])
    assert both.exit_code != 0


def test_row_fields_are_in_the_order_the_builder_unpacks() -> None:
    assert FIELDS == ("id", "uuid", "kind", "crime_type", "confidence", "reliability", "credibility", "first_seen",
                      "last_seen", "valid_until", "retention_until", "sightings", "source", "description", "withdrawn",
                      "created_at", "updated_at", "marking_id", "owner_org_id", "obs_type", "obs_value", "owner_name",
                      "owner_country", "owner_kind", "owner_created", "tlp", "handling", "public_use", "tags")
