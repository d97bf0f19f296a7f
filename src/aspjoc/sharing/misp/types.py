"""MISP attribute types to aspjoc observable types and back, and PyMISP's describeTypes.

Composite MISP types (``ip-dst|port``, ``filename|sha256``, ``domain|ip``) become the observable of the
part aspjoc tracks; the attribute keeps the value as given. MISP types that are not identifiers
aspjoc tracks (``text``, ``comment``, ``AS`` …) are refused with a reason, per attribute.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pymisp

from aspjoc.errors import InvalidObservable
from aspjoc.observables import Canonical, ObservableType, canonicalise

T = ObservableType

# MISP type -> (observable type, or None to detect ip versions and CIDRs; index of the part to read when composite).
_INBOUND: dict[str, tuple[ObservableType | None, int]] = {
    "ip-src": (None, 0), "ip-dst": (None, 0), "ip-src|port": (None, 0), "ip-dst|port": (None, 0),
    "domain": (T.domain, 0), "hostname": (T.domain, 0), "domain|ip": (T.domain, 0), "hostname|port": (T.domain, 0),
    "url": (T.url, 0), "uri": (T.url, 0),
    "email": (T.email, 0), "email-src": (T.email, 0), "email-dst": (T.email, 0), "email-reply-to": (T.email, 0),
    "whois-registrant-email": (T.email, 0), "target-email": (T.email, 0), "dns-soa-email": (T.email, 0),
    "md5": (T.md5, 0), "sha1": (T.sha1, 0), "sha256": (T.sha256, 0),
    "filename|md5": (T.md5, 1), "filename|sha1": (T.sha1, 1), "filename|sha256": (T.sha256, 1),
    "phone-number": (T.phone, 0), "whois-registrant-phone": (T.phone, 0),
    "iban": (T.iban, 0), "bank-account-nr": (T.bank_account, 0),
    "btc": (T.crypto_wallet, 0), "xmr": (T.crypto_wallet, 0), "dash": (T.crypto_wallet, 0),
    "twitter-id": (T.social_handle, 0), "mobile-application-id": (T.app, 0),
}
# Prefixes that tell aspjoc's canonicaliser what the bare MISP value is.
_VALUE_PREFIX = {"btc": "btc:", "xmr": "xmr:", "dash": "dash:", "twitter-id": "x:"}

_OUTBOUND: dict[ObservableType, str] = {
    T.ipv4: "ip-dst", T.ipv6: "ip-dst", T.cidr: "ip-dst", T.domain: "domain", T.url: "url", T.email: "email-src",
    T.md5: "md5", T.sha1: "sha1", T.sha256: "sha256", T.phone: "phone-number", T.iban: "iban",
    T.bank_account: "bank-account-nr", T.crypto_wallet: "btc", T.social_handle: "text", T.app: "mobile-application-id",
}


DESCRIBE_TYPES = Path(pymisp.__file__).parent / "data" / "describeTypes.json"


@lru_cache(maxsize=1)
def describe_types() -> dict[str, Any]:
    """PyMISP's bundled ``describeTypes.json`` (``{"result": {...}}``), served as MISP serves its own."""
    loaded: dict[str, Any] = json.loads(DESCRIBE_TYPES.read_text())
    return loaded


@lru_cache(maxsize=1)
def describe_types_bytes() -> bytes:
    """The same file as bytes, served without re-encoding (every PyMISP client asks for it on connecting)."""
    return DESCRIBE_TYPES.read_bytes()


def known_type(misp_type: str) -> bool:
    return misp_type in describe_types()["result"]["types"]


def default_category(misp_type: str) -> str:
    """MISP's default category for ``misp_type`` ("Other" for a type MISP does not describe)."""
    defaults = describe_types()["result"]["sane_defaults"].get(misp_type)
    return str(defaults["default_category"]) if defaults else "Other"


def default_to_ids(misp_type: str) -> bool:
    defaults = describe_types()["result"]["sane_defaults"].get(misp_type)
    return bool(defaults and int(defaults["to_ids"]))


def categories() -> list[str]:
    return list(describe_types()["result"]["categories"])


def inbound(misp_type: str, value: str, default_region: str | None = None) -> Canonical:
    """Canonicalise a MISP attribute ``value`` of ``misp_type``.

    Raises InvalidObservable (field "type") when aspjoc does not track that kind of attribute, and
    (field "value") when the value does not canonicalise, with the canonicaliser's reason.
    """
    rule = _INBOUND.get(misp_type)
    if rule is None:
        raise InvalidObservable("type", f"MISP type '{misp_type}' is not an identifier aspjoc tracks")
    kind, part_index = rule
    parts = value.split("|")
    if "|" in misp_type:
        if len(parts) != 2:
            raise InvalidObservable("value", f"a {misp_type} value has two parts separated by '|'")
        part = parts[part_index].strip()
    else:
        part = value.strip()
    if misp_type in _VALUE_PREFIX and ":" not in part:
        part = _VALUE_PREFIX[misp_type] + part
    if kind is None:
        return _ip(part)
    return canonicalise(part, kind, default_region=default_region)


def _ip(text: str) -> Canonical:
    if "/" in text:
        return canonicalise(text, T.cidr)
    return canonicalise(text, T.ipv6 if ":" in text else T.ipv4)


def outbound(observable_type: str, value: str) -> str:
    """The MISP type an observable is shown as when no attribute says otherwise.

    Crypto wallets other than Bitcoin and social handles have no MISP attribute type and go out as ``text``.
    """
    kind = ObservableType(observable_type)
    if kind is T.crypto_wallet and not value.startswith("btc:"):
        return "text"
    return _OUTBOUND[kind]


def outbound_value(observable_type: str, value: str) -> str:
    """The value as MISP writes it: wallets without aspjoc's chain prefix."""
    if observable_type == T.crypto_wallet.value and value.startswith("btc:"):
        return value.removeprefix("btc:")
    return value
