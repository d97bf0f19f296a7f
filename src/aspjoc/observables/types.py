"""The kinds of observable and the canonical record every kind is reduced to."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class ObservableType(StrEnum):
    """Every kind of identifier aspjoc tracks; the value is the stored type name."""

    ipv4 = "ipv4"
    ipv6 = "ipv6"
    cidr = "cidr"
    domain = "domain"
    url = "url"
    email = "email"
    md5 = "md5"
    sha1 = "sha1"
    sha256 = "sha256"
    phone = "phone"
    bank_account = "bank_account"
    iban = "iban"
    crypto_wallet = "crypto_wallet"
    social_handle = "social_handle"
    app = "app"


class Canonical(NamedTuple):
    """One identifier in canonical form; ``(type, value)`` is its identity.

    A named tuple rather than a frozen dataclass: ingest makes one per line, and a tuple is made
    several times faster.
    """

    type: ObservableType
    value: str
    country: str | None = None
    domain: str | None = None
    num_lo: int | None = None
    num_hi: int | None = None
