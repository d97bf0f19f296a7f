"""IP addresses and CIDR blocks."""

from __future__ import annotations

import ipaddress

from aspjoc.errors import InvalidObservable

from .display import shown
from .types import Canonical, ObservableType

_IPV4 = ObservableType.ipv4
_IPV6 = ObservableType.ipv6
_CIDR = ObservableType.cidr


def ipv4_number(text: str) -> int | None:
    """Return a strict dotted quad as an unsigned int, or None when it is not one.

    Strict: four decimal octets 0-255 without leading zeros (tools disagree on whether
    "010" is octal). Hand-written because ``ipaddress`` is several times slower on the
    ingest hot path; it is still used to explain a refusal.
    """
    parts = text.split(".")
    if len(parts) != 4:
        return None
    number = 0
    for part in parts:
        if (
            not part.isdigit()
            or not part.isascii()
            or (len(part) > 1 and part[0] == "0")
            or len(part) > 3
        ):
            return None
        octet = int(part)
        if octet > 255:
            return None
        number = number << 8 | octet
    return number


def canonical_ipv4(value: str) -> Canonical:
    """Return the dotted-quad form with ``num_lo == num_hi`` set to the address as an int.

    Leading zeros ("192.0.2.010") are refused: tools disagree on whether they mean octal.
    """
    text = value.strip()
    number = ipv4_number(text)
    if number is None:
        raise InvalidObservable(
            "value", f"{shown(value)} is not a valid IPv4 address: {_ipv4_fault(text)}"
        )
    return Canonical(_IPV4, text, num_lo=number, num_hi=number)


def canonical_ipv6(value: str) -> Canonical:
    """Return the RFC 5952 compressed lowercase form; zone ids (``%eth0``) are refused."""
    if "%" in value:
        raise InvalidObservable(
            "value",
            f"{shown(value)} has a zone id, which only means something on one host",
        )
    try:
        address = ipaddress.IPv6Address(value.strip().strip("[]"))
    except ValueError as exc:
        raise InvalidObservable(
            "value", f"{shown(value)} is not a valid IPv6 address: {_why(exc, value)}"
        ) from None
    return Canonical(_IPV6, address.compressed)


def canonical_cidr(value: str) -> Canonical:
    """Return ``network/prefix`` (IPv6 compressed); for IPv4 also the first and last address.

    A block with host bits set ("192.0.2.5/24") is refused rather than silently widened,
    since the sender may have meant the single address.
    """
    address_text, slash, prefix_text = value.strip().partition("/")
    if not slash:
        raise InvalidObservable(
            "value", f"{shown(value)} is not a CIDR block: it has no /prefix"
        )
    number = ipv4_number(address_text)
    bits = 32 if number is not None else 128
    if number is None:
        number = _ipv6_number(value, address_text)
    if (
        not prefix_text.isdigit()
        or not prefix_text.isascii()
        or int(prefix_text) > bits
    ):
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not a CIDR block: the prefix must be 0 to {bits}",
        )
    prefix = int(prefix_text)
    host_mask = (1 << (bits - prefix)) - 1
    if number & host_mask:
        block = ipaddress.ip_network(f"{address_text}/{prefix}", strict=False)
        raise InvalidObservable(
            "value",
            f"{shown(value)} has host bits set; the block containing it is {block}",
        )
    if bits == 128:
        return Canonical(_CIDR, f"{ipaddress.IPv6Address(number).compressed}/{prefix}")
    return Canonical(
        _CIDR, f"{address_text}/{prefix}", num_lo=number, num_hi=number | host_mask
    )


def _ipv6_number(value: str, address_text: str) -> int:
    try:
        return int(ipaddress.IPv6Address(address_text))
    except ValueError:
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not a CIDR block: {address_text!r} is not an IP address",
        ) from None


def _ipv4_fault(text: str) -> str:
    try:
        ipaddress.IPv4Address(text)
    except ValueError as exc:
        return _why(exc, text)
    return "it has non-ASCII digits"


def _why(exc: ValueError, value: str) -> str:
    # ipaddress repeats the whole value at the end of its messages; the reason already quotes it.
    text = str(exc).replace(f" in {value!r}", "").replace(f"{value!r} ", "")
    return text[:1].lower() + text[1:]
