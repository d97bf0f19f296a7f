"""MISP distribution and TLP tags to markings and back, and what crosses on sync."""

from __future__ import annotations

import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.marking import TLP
from aspjoc.sharing.misp import distribution as dist
from aspjoc.sharing.misp.distribution import Distribution as D
from aspjoc.sharing.misp.types import inbound, outbound

OWNER = 7


@pytest.mark.parametrize(("level", "tags", "tlp", "groups"), [
    (0, [], TLP.AMBER_STRICT, frozenset()),
    (0, ["tlp:green"], TLP.AMBER_STRICT, frozenset()),
    (0, ["tlp:red"], TLP.RED, frozenset()),
    (1, [], TLP.GREEN, frozenset()),
    (1, ["tlp:clear"], TLP.GREEN, frozenset()),
    (2, ["TLP:AMBER"], TLP.AMBER, frozenset()),
    (3, [], TLP.GREEN, frozenset()),
    (3, ["tlp:white"], TLP.CLEAR, frozenset()),
    (3, ["tlp:amber+strict", "tlp:green"], TLP.AMBER_STRICT, frozenset()),
    (4, [], TLP.AMBER, frozenset({12})),
    (4, ["tlp:green"], TLP.AMBER, frozenset({12})),
    (4, ["tlp:red"], TLP.RED, frozenset({12})),
])
def test_distribution_and_tlp_tag_become_the_most_restrictive_marking(level: int, tags: list[str], tlp: TLP,
                                                                      groups: frozenset[int]) -> None:
    spec = dist.marking_for(OWNER, D(level, 12 if level == 4 else None), dist.tlp_of_tags(tags))
    assert (spec.tlp, spec.groups, spec.orgs, spec.owner_org_id) == (tlp, groups, frozenset(), OWNER)


def test_most_restrictive_level_wins_along_the_path() -> None:
    assert dist.along_path(D(3), D(5)) == D(3)
    assert dist.along_path(D(3), D(1)) == D(1)
    assert dist.along_path(D(0), D(3)) == D(0)
    assert dist.along_path(D(4, 2), D(3)) == D(4, 2)
    assert dist.along_path(D(4, 2), D(4, 9)) == D(0)
    assert dist.along_path(D(4, 2), D(0)) == D(0)


def test_markings_read_back_as_distributions() -> None:
    assert dist.of_marking(TLP.CLEAR, 0, 0, []) == D(3)
    assert dist.of_marking(TLP.GREEN, 0, 0, []) == D(2)
    assert dist.of_marking(TLP.AMBER, 0, 0, []) == D(1)
    assert dist.of_marking(TLP.AMBER, 0, 0, [5]) == D(4, 5)
    assert dist.of_marking(TLP.AMBER_STRICT, 0, 0, [5]) == D(4, 5)
    assert dist.of_marking(TLP.AMBER, 2, 0, []) == D(0)
    assert dist.of_marking(TLP.RED, 0, 0, [5]) == D(0)


def test_sync_rules_follow_misp() -> None:
    assert dist.after_sync(D(0)) is None
    assert dist.after_sync(D(1)) is None
    assert dist.after_sync(D(2)) == D(1)
    assert dist.after_sync(D(3)) == D(3)
    assert dist.after_sync(D(4, 3)) == D(4, 3)
    assert dist.after_pull(D(1)) == D(0)
    assert dist.after_pull(D(2)) == D(1)
    assert dist.after_pull(D(0)) == D(0)


def test_misp_types_map_to_observables_and_back() -> None:
    assert inbound("ip-src|port", "198.51.100.7|443").value == "198.51.100.7"
    assert inbound("ip-dst", "2001:db8::1").type == "ipv6"
    assert inbound("ip-dst", "198.51.100.0/24").type == "cidr"
    assert inbound("hostname", "WWW.Scam.Example").value == "www.scam.example"
    assert inbound("filename|sha256", "a.apk|" + "A" * 64).value == "a" * 64
    assert inbound("phone-number", "081 234 5678", default_region="TH").value == "+66812345678"
    assert inbound("iban", "GB82 WEST 1234 5698 7654 32").type == "iban"
    assert inbound("bank-account-nr", "TH:004:123-4-56789-0").value == "TH:004:1234567890"
    assert inbound("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2").value == "btc:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    assert inbound("email-dst", "Mule@Example.com").value == "mule@example.com"
    assert outbound("phone", "+66812345678") == "phone-number"
    assert outbound("crypto_wallet", "tron:TXYZ") == "text"
    with pytest.raises(InvalidObservable) as unknown:
        inbound("AS", "AS64500")
    assert unknown.value.field == "type"
    with pytest.raises(InvalidObservable) as bad:
        inbound("xmr", "4notarealaddress")
    assert bad.value.field == "value"
