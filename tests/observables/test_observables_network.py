import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise


def test_ipv4_keeps_dotted_quad_and_numeric_range() -> None:
    result = canonicalise("198.51.100.7")

    assert result.type is ObservableType.ipv4
    assert result.value == "198.51.100.7"
    assert result.num_lo == result.num_hi == (198 << 24) + (51 << 16) + (100 << 8) + 7


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "192.0.2.256",
            "'192.0.2.256' is not a valid IPv4 address: octet 256 (> 255) not permitted",
        ),
        (
            "192.0.2.010",
            "'192.0.2.010' is not a valid IPv4 address: leading zeros are not permitted in '010'",
        ),
        ("192.0.2", "'192.0.2' is not a valid IPv4 address: expected 4 octets"),
    ],
)
def test_invalid_ipv4_is_refused_with_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise(value, "ipv4")

    assert caught.value.field == "value"
    assert caught.value.reason == reason


def test_ipv6_is_compressed_and_lowercased() -> None:
    result = canonicalise("2001:0DB8:0000:0000:0000:0000:0000:0001")

    assert (result.type, result.value) == (ObservableType.ipv6, "2001:db8::1")
    assert result.num_lo is None


def test_ipv6_zone_id_is_refused() -> None:
    with pytest.raises(InvalidObservable, match="zone id"):
        canonicalise("fe80::1%eth0", "ipv6")


def test_bad_ipv6_is_refused_with_reason() -> None:
    with pytest.raises(InvalidObservable, match="not a valid IPv6 address"):
        canonicalise("2001:db8::g", "ipv6")


def test_ipv4_cidr_carries_first_and_last_address() -> None:
    result = canonicalise("203.0.113.0/24")

    assert (result.type, result.value) == (ObservableType.cidr, "203.0.113.0/24")
    assert result.num_lo == (203 << 24) + (113 << 8)
    assert result.num_hi == result.num_lo + 255


def test_ipv6_cidr_is_compressed_without_numeric_range() -> None:
    result = canonicalise("2001:DB8:0::/32")

    assert (result.type, result.value, result.num_lo) == (
        ObservableType.cidr,
        "2001:db8::/32",
        None,
    )


def test_cidr_with_host_bits_names_the_enclosing_block() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("192.0.2.5/24")

    assert (
        caught.value.reason
        == "'192.0.2.5/24' has host bits set; the block containing it is 192.0.2.0/24"
    )


def test_cidr_prefix_longer_than_the_address_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("192.0.2.0/33", "cidr")

    assert (
        caught.value.reason
        == "'192.0.2.0/33' is not a CIDR block: the prefix must be 0 to 32"
    )


def test_cidr_without_prefix_is_refused_when_asked_for() -> None:
    with pytest.raises(InvalidObservable, match="it has no /prefix"):
        canonicalise("192.0.2.0", "cidr")
