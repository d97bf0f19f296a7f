"""The bulk way in gives, value by value, what ``canonicalise`` gives or the reason it refuses."""

import gc

from aspjoc.errors import InvalidObservable
from aspjoc.observables import canonicalise, canonicalise_many

VALUES = ["hxxp://Evil[.]example/a b", "192.0.2.1", "999.1.1.1", "", "+66 81 234 5678", "0812345678", "iban:GB82WEST12345698765432",
          "mule@Example.COM", "d41d8cd98f00b204e9800998ecf8427e", "not an identifier", "shop.evil.com.kh"]
TYPES = [None, "ipv4", None, None, None, "phone", None, None, None, None, "domain"]


def one(value: str, type: str | None, region: str | None) -> object:
    try:
        return canonicalise(value, type, default_region=region)
    except InvalidObservable as exc:
        return (exc.field, exc.reason)


def test_each_value_gets_what_canonicalise_gives() -> None:
    for region in (None, "TH"):
        assert canonicalise_many(VALUES, TYPES, default_region=region) == [one(v, t, region) for v, t in zip(VALUES, TYPES)]


def test_an_unknown_region_refuses_every_value_naming_the_region() -> None:
    found = canonicalise_many(["192.0.2.1", "+66 81 234 5678"], [None, None], default_region="XX")

    assert [f[0] for f in found] == ["default_region", "default_region"]


def test_refusals_hold_nothing_that_keeps_the_results_alive() -> None:
    gc.collect()
    gc.disable()
    try:
        found = canonicalise_many(["999.1.1.1", "http://", "192.0.2.7"], [None, None, None])
        results = found[2]
        del found

        assert not any(isinstance(r, list) for r in gc.get_referrers(results))  # the list was freed without the collector
    finally:
        gc.enable()
