import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from aspjoc.observables import ObservableType, canonicalise, refang

LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
SUFFIX = st.sampled_from(
    ["example", "test", "example.com", "example.co.uk", "example.org"]
)


@given(st.builds(ipaddress.IPv4Address, st.integers(min_value=0, max_value=2**32 - 1)))
def test_any_ipv4_round_trips(address: ipaddress.IPv4Address) -> None:
    result = canonicalise(str(address))

    assert (result.type, result.value) == (ObservableType.ipv4, str(address))
    assert result.num_lo == result.num_hi == int(address)


@given(st.builds(ipaddress.IPv6Address, st.integers(min_value=0, max_value=2**128 - 1)))
def test_any_ipv6_becomes_its_compressed_form(address: ipaddress.IPv6Address) -> None:
    assert canonicalise(address.exploded, "ipv6").value == address.compressed


@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=32),
)
def test_any_ipv4_block_spans_its_addresses(number: int, prefix: int) -> None:
    network = ipaddress.IPv4Network((number, prefix), strict=False)

    result = canonicalise(network.with_prefixlen)

    assert result.value == network.with_prefixlen
    assert (result.num_lo, result.num_hi) == (
        int(network.network_address),
        int(network.broadcast_address),
    )


@given(st.lists(LABEL, min_size=1, max_size=4), SUFFIX, st.booleans())
def test_canonicalise_is_idempotent_on_domains(
    labels: list[str], suffix: str, shout: bool
) -> None:
    name = ".".join([*labels, suffix])
    written = name.upper() if shout else name

    first = canonicalise(written, "domain")

    assert first.value == name
    assert canonicalise(first.value, "domain") == first
    assert first.domain is not None and name.endswith(first.domain)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwyz0123456789 ./@-_", max_size=80))
def test_text_without_defang_markers_is_left_alone(text: str) -> None:
    assert refang(text) == text
