"""The quick way through plain URLs gives exactly what the general way (urlsplit and quote) gives."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aspjoc.errors import InvalidObservable
from aspjoc.observables import url as url_rules

SCHEMES = st.sampled_from(["http", "https", "HTTP", "hxxp", "hXXps", "ftp", "fxp", "ws", "gopher"])
HOST_CHARS = "abcXYZ019_.-"
HOSTS = st.one_of(
    st.text(HOST_CHARS, min_size=0, max_size=20),
    st.from_regex(r"[a-z0-9]{1,8}\.(com|co\.uk|top|test|xn--p1ai)", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,4}){0,3}", fullmatch=True),
    st.sampled_from(["[::1]", "user:pw@bank.example", "münchen.de", "a..b.com", "-x.com", "x.com."]),
)
PORTS = st.one_of(st.just(""), st.from_regex(r":[0-9]{0,6}", fullmatch=True), st.just(":x"))
# Path and query characters from every class: quoted-as-is, to be escaped, separators, controls.
TAIL = st.text("aZ09/%:@!$&'()*+,;=._~-?#\"<> \t\\^`{|}é\x00\x7f", max_size=24)


def outcome(rule, value):  # type: ignore[no-untyped-def]
    try:
        return rule(value)
    except InvalidObservable as exc:
        return ("refused", exc.field, exc.reason)


@settings(max_examples=1500, deadline=None)
@given(SCHEMES, HOSTS, PORTS, TAIL)
def test_plain_urls_take_the_quick_way_to_the_same_result(scheme: str, host: str, port: str, tail: str) -> None:
    value = f"{scheme}://{host}{port}{tail}"

    assert outcome(url_rules.canonical_url, value) == outcome(
        lambda v: url_rules._canonical_general(v, v.strip()), value
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        ("HTTP://Files.Example.COM:80/a/B.exe?x=1&Y=%20", "http://files.example.com/a/B.exe?x=1&Y=%20"),
        ("https://203.0.113.9:8443/bins/mozi.m", "https://203.0.113.9:8443/bins/mozi.m"),
        ("hxxps://cdn.example.co.uk", "https://cdn.example.co.uk/"),
        ("http://example.com/?", "http://example.com/"),
    ],
)
def test_plain_urls_are_taken_the_quick_way(value: str, expected: str) -> None:
    assert url_rules._PLAIN.fullmatch(value) is not None
    assert url_rules.canonical_url(value).value == expected


def test_a_port_out_of_range_is_refused_either_way() -> None:
    with pytest.raises(InvalidObservable, match="Port out of range"):
        url_rules.canonical_url("http://example.com:99999/")
