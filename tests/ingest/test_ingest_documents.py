"""STIX bundles (stix2-validator's shipped examples), MISP events and feeds (made with PyMISP), text, HTML and PDF."""

from __future__ import annotations

import io
import json
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

import pytest
import stix2validator
from pymisp import MISPEvent, MISPOrganisation

from aspjoc.intel.formats import FORMATS, FormatOptions
from aspjoc.intel.formats.tlp_ids import TLP1_IDS, TLP2_IDS
from aspjoc.marking import TLP
from ingest_helpers import read, records, rejected

EXAMPLES = Path(stix2validator.__file__).parent / "schemas-2.1" / "examples"


def test_stix_apt1_example_gives_cidrs_domains_and_report_context() -> None:
    items = read("stix", (EXAMPLES / "threat-reports" / "apt1.json").read_bytes())
    good = records(items)
    assert {r.type for r in good} >= {"cidr"}
    assert all(r.external_id and r.external_id.startswith("indicator--") for r in good)
    assert any("APT1" in tag for r in good for tag in r.tags)  # the report's name
    assert any(r.crime_type == "malware" for r in good)  # those that indicate a malware


def test_stix_poisonivy_example_reads_every_simple_comparison() -> None:
    items = read("stix", (EXAMPLES / "threat-reports" / "poisonivy.json").read_bytes())
    good = records(items)
    kinds = {r.type for r in good}
    assert {"ipv4", "domain"} <= kinds
    # One indicator with "domain = x OR ipv4 = y" gives both values under the same position.
    positions = [r.index for r in good]
    assert len(positions) > len(set(positions))


def test_stix_other_examples_are_read_without_errors() -> None:
    for path in EXAMPLES.glob("*.json"):
        items = read("stix", path.read_bytes())
        for item in rejected(items):
            assert item.field in ("pattern",), (path.name, item)


def _bundle(objects: list[dict[str, object]]) -> bytes:
    return json.dumps({"type": "bundle", "id": "bundle--6ce0a3a8-5b8b-4bd4-8e5e-1e2d6f9bb0b1", "objects": objects}).encode()


def _indicator(n: int, pattern: str, **extra: object) -> dict[str, object]:
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--00000000-0000-4000-8000-00000000000{n}",
            "created": "2026-05-01T00:00:00.000Z", "modified": "2026-05-01T00:00:00.000Z", "pattern": pattern,
            "pattern_type": "stix", "valid_from": "2026-05-01T00:00:00Z", **extra}


def test_stix_markings_of_both_tlp_versions_and_created_by_are_understood() -> None:
    identity = {"type": "identity", "spec_version": "2.1", "id": "identity--11111111-1111-4111-8111-111111111111",
                "created": "2026-05-01T00:00:00.000Z", "modified": "2026-05-01T00:00:00.000Z", "name": "Thai Cyber Unit"}
    data = _bundle([
        _indicator(1, "[ipv4-addr:value = '198.51.100.1']", object_marking_refs=[TLP1_IDS[TLP.RED]],
                   created_by_ref=identity["id"], confidence=85),
        identity,  # after the indicator that refers to it
        _indicator(2, "[domain-name:value = 'evil.example']", object_marking_refs=[TLP2_IDS[TLP.AMBER_STRICT]]),
        _indicator(3, "[url:value = 'http://x.example/'", object_marking_refs=[TLP1_IDS[TLP.CLEAR]]),
        _indicator(4, "[process:name = 'evil.exe']"),
        {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--22222222-2222-4222-8222-222222222222",
         "value": "203.0.113.77", "object_marking_refs": [TLP2_IDS[TLP.GREEN]]},
        {"type": "file", "spec_version": "2.1", "id": "file--33333333-3333-4333-8333-333333333333",
         "hashes": {"SHA-256": "a" * 64, "MD5": "b" * 32}},
        {"type": "indicator", "id": "indicator--broken"},
    ])
    items = read("stix", data, organisations={"thai cyber unit": 42})
    good = records(items)
    by_value = {r.value: r for r in good}
    assert by_value["198.51.100.1"].marking is not None and by_value["198.51.100.1"].marking.tlp == TLP.RED
    assert by_value["198.51.100.1"].owner_org_id == 42 and by_value["198.51.100.1"].confidence == 85
    assert by_value["evil.example"].marking.tlp == TLP.AMBER_STRICT  # type: ignore[union-attr]
    assert by_value["203.0.113.77"].marking.tlp == TLP.GREEN  # type: ignore[union-attr]
    assert {by_value["a" * 64].type, by_value["b" * 32].type} == {"sha256", "md5"}
    bad = {r.index: r for r in rejected(items)}
    assert set(bad) == {4, 5, 8}
    assert "pattern" in bad[4].reason.lower()  # stix2 refuses the unclosed bracket
    assert bad[5].field == "pattern" and "no identifier" in bad[5].reason  # process:name is not ours
    assert bad[8].field == "indicator"


def _event(info: str, org: str = "Fiji Cyber Unit") -> MISPEvent:
    event = MISPEvent()
    event.info = info
    orgc = MISPOrganisation()
    orgc.from_dict(name=org, uuid="5d6d3b2f-1b2a-4c3d-9e8f-0a1b2c3d4e5f")
    event.Orgc = orgc
    event.add_tag("tlp:green")
    attribute = event.add_attribute("ip-dst", "203.0.113.5", comment="C2")
    attribute.add_tag("tlp:red")
    event.add_attribute("phone-number", "+679 999 0001")
    event.add_attribute("btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT")
    event.add_attribute("comment", "just words")
    event.add_attribute("x509-fingerprint-sha1", "0" * 40)
    obj = event.add_object(name="domain-ip")
    obj.add_attribute("domain", value="evil.example")
    obj.add_attribute("ip", value="198.51.100.7")
    return event


def test_misp_event_attributes_and_objects_become_records_with_markings() -> None:
    event = _event("Investment scam ring")
    event.attributes[1].distribution = 0  # your organisation only
    items = read("misp", ("{\"Event\": " + event.to_json() + "}").encode(),
                 organisations={"fiji cyber unit": 7})
    good = {r.value: r for r in records(items)}
    assert set(good) == {"203.0.113.5", "+679 999 0001", "btc:1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "evil.example", "198.51.100.7"}
    assert good["203.0.113.5"].marking.tlp == TLP.RED  # type: ignore[union-attr]
    assert good["+679 999 0001"].marking.tlp == TLP.AMBER_STRICT  # type: ignore[union-attr]  # distribution 0
    assert good["+679 999 0001"].marking.owner_only  # type: ignore[union-attr]  # … to the owner alone
    assert good["evil.example"].marking.tlp == TLP.GREEN  # type: ignore[union-attr]
    assert good["evil.example"].owner_org_id == 7
    assert "Investment scam ring" in good["203.0.113.5"].description and "C2" in good["203.0.113.5"].description
    assert [(r.field, r.raw.split(":")[0]) for r in rejected(items)] == [("type", "x509-fingerprint-sha1")]


def test_misp_feed_made_by_pymisp_is_read_from_its_folder(tmp_path: Path) -> None:
    manifest: dict[str, object] = {}
    for info in ("Phishing wave", "Mule accounts"):
        feed = _event(info).to_feed(with_meta=True)
        event = feed["Event"]
        event.pop("_hashes")
        manifest.update(event.pop("_manifest"))
        (tmp_path / f"{event['uuid']}.json").write_text(json.dumps(feed))
    manifest["6f0d6b5e-0000-4000-8000-00000000dead"] = {"info": "missing file"}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    def open_sibling(name: str) -> AbstractContextManager[BinaryIO]:
        return (tmp_path / name).open("rb")

    with (tmp_path / "manifest.json").open("rb") as source:
        items = list(FORMATS["misp-feed"].read(source, FormatOptions(open_sibling=open_sibling)))
    assert len(records(items)) == 10
    indexes = [i.index for i in items]
    assert indexes == sorted(indexes)
    assert [r.field for r in rejected(items)] == ["type", "type", "6f0d6b5e-0000-4000-8000-00000000dead.json"]


REPORT = """Scam report from the Philippines.
The victims were called from +63 917 123 4567 and told to pay into TH:004:1234567890.
Landing page: hxxps://secure-login[.]example/verify?id=7 ; C2 at 198.51.100[.]23.
Wallet for the "fees": TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE.
"""


def test_free_text_extraction_finds_defanged_and_regional_identifiers() -> None:
    values = {(r.type, r.value) for r in records(read("text", REPORT.encode()))}
    assert ("phone", "+639171234567") in values
    assert ("bank_account", "TH:004:1234567890") in values
    assert ("url", "https://secure-login.example/verify?id=7") in values
    assert ("ipv4", "198.51.100.23") in values


def test_html_text_and_links_are_extracted() -> None:
    html = b"""<html><head><script>var x = "10.9.9.9";</script></head><body><p>Reported domain
    <b>pay-verify.example</b></p><a href="http://pay-verify.example/login">link</a></body></html>"""
    values = {(r.type, r.value) for r in records(read("html", html))}
    assert ("url", "http://pay-verify.example/login") in values
    assert ("domain", "pay-verify.example") in values
    assert not any(v == "10.9.9.9" for _, v in values)  # script text is not the document


def test_pdf_text_goes_through_pdftotext() -> None:
    from weasyprint import HTML

    pdf = HTML(string=f"<pre>{REPORT}</pre>").write_pdf()
    values = {(r.type, r.value) for r in records(read("pdf", pdf))}
    assert ("phone", "+639171234567") in values


def test_a_file_that_is_not_a_pdf_fails_with_a_reason() -> None:
    from aspjoc.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        list(FORMATS["pdf"].read(io.BytesIO(b"plain words"), FormatOptions()))
    assert caught.value.field == "file"
