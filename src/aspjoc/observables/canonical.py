"""One entry point: any identifier in, its type and canonical form out."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from aspjoc.errors import InvalidObservable

from .app import canonical_app
from .countries import normalise_region
from .crypto import CHAIN_ALIASES, canonical_crypto_wallet
from .display import shown
from .finance import canonical_bank_account, canonical_iban, looks_like_iban
from .hashes import HASH_TYPE_BY_LENGTH, canonical_hash
from .network import canonical_cidr, canonical_ipv4, canonical_ipv6
from .phone import canonical_phone
from .refang import refang
from .social import PLATFORM_ALIASES, canonical_social_handle
from .types import Canonical, ObservableType
from .url import canonical_url
from .web import canonical_domain, canonical_email

T = ObservableType
Rule = Callable[[str, str | None], Canonical]

_RULES: dict[ObservableType, Rule] = {
    T.ipv4: lambda text, region: canonical_ipv4(text),
    T.ipv6: lambda text, region: canonical_ipv6(text),
    T.cidr: lambda text, region: canonical_cidr(text),
    T.domain: lambda text, region: canonical_domain(text),
    T.url: lambda text, region: canonical_url(text),
    T.email: lambda text, region: canonical_email(text),
    T.md5: lambda text, region: canonical_hash(text, T.md5),
    T.sha1: lambda text, region: canonical_hash(text, T.sha1),
    T.sha256: lambda text, region: canonical_hash(text, T.sha256),
    T.phone: canonical_phone,
    T.bank_account: lambda text, region: canonical_bank_account(text),
    T.iban: lambda text, region: canonical_iban(text),
    T.crypto_wallet: lambda text, region: canonical_crypto_wallet(text),
    T.social_handle: canonical_social_handle,
    T.app: lambda text, region: canonical_app(text),
}
_TYPE_NAMES = {kind.value: kind for kind in ObservableType}
# Prefixes that name the kind without being a type name; the prefix stays part of the value.
_PREFIX_KINDS = {name: T.crypto_wallet for name in CHAIN_ALIASES} | {
    name: T.social_handle for name in PLATFORM_ALIASES
}
_LONGEST_PREFIX = max(map(len, [*_TYPE_NAMES, *_PREFIX_KINDS, "mailto"]))

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s/:]+@[^@\s/:]+")
_CIDR = re.compile(
    r"(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F.]*:[0-9a-fA-F:.]*)/[0-9]{1,3}"
)
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_IPV6 = re.compile(r"[0-9a-fA-F:.]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
_CRYPTO = re.compile(
    r"0[xX][0-9a-fA-F]{40}|[13T][1-9A-HJ-NP-Za-km-z]{24,34}|(?:bc1|BC1)[0-9A-Za-z]{8,87}"
)
_BANK_ACCOUNT = re.compile(r"[A-Za-z]{2}:[A-Za-z0-9]+:[A-Za-z0-9 .-]+")
_LOCAL_PHONE = re.compile(r"\(?[0-9][0-9 ().-]{5,19}")
_BARE_URL = re.compile(
    r"[a-z0-9_.-]+\.[a-z]{2,63}(?::[0-9]{1,5}(?:/\S*)?|/\S*)", re.IGNORECASE
)
_DOMAIN = re.compile(r"[^\s/:@?#\[\]]+\.[^\s/:@?#.\[\]]+\.?")


class _Found(NamedTuple):
    type: ObservableType
    text: str  # what the type's rule reads (an explicit type-name prefix removed)
    canonical: Canonical | None  # already computed where validity decided the type


def canonicalise(
    value: str,
    type: str | ObservableType | None = None,
    *,
    default_region: str | None = None,
) -> Canonical:
    """Return the canonical form of ``value``, telling its type first when ``type`` is None.

    The value is refanged and stripped. ``default_region`` (ISO alpha-2) reads phone numbers
    written without ``+``. A value may carry its type name as a prefix (``iban:…``,
    ``app:…``). Raises InvalidObservable: field "type" for an unknown type name, field
    "default_region" for an unknown region, field "value" with the reason otherwise.
    """
    return _canonicalise(value, type, default_region)


def canonicalise_many(
    values: Sequence[str],
    types: Sequence[str | ObservableType | None],
    *,
    default_region: str | None = None,
) -> list[Canonical | tuple[str, str]]:
    """``canonicalise`` of each value with its type, in order; a value without a canonical form
    gives the (field, reason) of the InvalidObservable ``canonicalise`` would raise.

    The bulk way in (ingest reads a million lines at a time): the region is read once and no
    exception leaves the loop. The errors are not kept as exceptions: their tracebacks' frames
    would hold this one, and so every result, until the cyclic collector ran.
    """
    try:
        region = normalise_region(default_region)
    except InvalidObservable as exc:
        return [(exc.field, exc.reason)] * len(values)
    found: list[Canonical | tuple[str, str]] = []
    append = found.append
    cached = _canonicalise
    for value, type in zip(values, types):
        try:
            append(cached(value, type, region))
        except InvalidObservable as exc:
            append((exc.field, exc.reason))
    return found


# Feeds repeat values (the same C2 address on thousands of lines); a hit skips all the work.
@functools.lru_cache(maxsize=1 << 16)
def _canonicalise(
    value: str, type: str | ObservableType | None, default_region: str | None
) -> Canonical:
    text = refang(value).strip()
    if not text:
        raise InvalidObservable("value", "the value is empty")
    region = normalise_region(default_region)
    if type is None:
        found = _detect(text, region)
        return found.canonical or _RULES[found.type](found.text, region)
    kind = _kind(type)
    return _RULES[kind](_without_prefix(text, kind._value_), region)


def detect_type(value: str, *, default_region: str | None = None) -> ObservableType:
    """Return the type ``canonicalise`` would give ``value``.

    Types told by shape (an IPv4 dotted quad, a ``+`` phone number, a domain) are returned
    even when the value then fails that type's rules ("999.1.1.1" is ipv4); IBANs, crypto
    addresses and numbers without ``+`` count only when valid. Raises InvalidObservable when
    nothing fits.
    """
    text = refang(value).strip()
    if not text:
        raise InvalidObservable("value", "the value is empty")
    return _detect(text, normalise_region(default_region)).type


def _kind(type: str | ObservableType) -> ObservableType:
    if isinstance(type, ObservableType):
        return type
    kind = _TYPE_NAMES.get(type.strip().lower())
    if kind is None:
        raise InvalidObservable(
            "type",
            f"{type!r} is not an observable type; use one of " + ", ".join(_TYPE_NAMES),
        )
    return kind


def _without_prefix(text: str, name: str) -> str:
    if text[: len(name) + 1].lower() == name + ":":
        return text[len(name) + 1 :].strip()
    return text


def _detect(text: str, region: str | None) -> _Found:
    # Order matters: each test below is only reached when the ones before it failed. Each
    # regex sits behind a substring or length test, as most values fail most tests.
    explicit = _explicit(text) if ":" in text else None
    if explicit is not None:
        return explicit
    if "://" in text and _SCHEME.match(text):
        return _Found(T.url, text, None)
    if "@" in text and _EMAIL.fullmatch(text):
        return _Found(T.email, text, None)
    if "/" in text and _CIDR.fullmatch(text):
        return _Found(T.cidr, text, None)
    if text[0].isdigit() and _IPV4.fullmatch(text):
        return _Found(T.ipv4, text, None)
    if ":" in text and _IPV6.fullmatch(text) and ("::" in text or text.count(":") >= 6):
        return _Found(T.ipv6, text, None)
    if len(text) in HASH_TYPE_BY_LENGTH and _HEX.fullmatch(text):
        return _Found(HASH_TYPE_BY_LENGTH[len(text)], text, None)
    misses: list[str] = []
    found = _by_validity(text, region, misses)
    if found is not None:
        return found
    if "." in text:
        if _BARE_URL.fullmatch(text):
            return _Found(T.url, text, None)
        if _DOMAIN.fullmatch(text):
            return _Found(T.domain, text, None)
    raise InvalidObservable("value", _unknown(text, misses))


def _explicit(text: str) -> _Found | None:
    head, colon, rest = text.partition(":")
    if not colon or len(head) > _LONGEST_PREFIX:
        return None
    key = head.strip().lower()
    kind = _TYPE_NAMES.get(key)
    if kind is not None:
        return _Found(kind, rest.strip(), None)
    kind = _PREFIX_KINDS.get(key)
    if kind is not None:
        return _Found(kind, text, None)
    if key == "tel":
        return _Found(T.phone, text, None)
    if key == "mailto":
        return _Found(T.email, text, None)
    return None


def _by_validity(text: str, region: str | None, misses: list[str]) -> _Found | None:
    """Try the kinds whose shape alone is not enough: IBAN, crypto, bank account, phone."""
    if "." not in text:
        if (
            text[:2].isalpha()
            and text[2:4].isdigit()
            and looks_like_iban(text.replace(" ", "").upper())
        ):
            found = _attempt(T.iban, text, region, "an IBAN", misses)
            if found is not None:
                return found
        if 25 <= len(text) <= 90 and _CRYPTO.fullmatch(text):
            found = _attempt(T.crypto_wallet, text, region, "a crypto address", misses)
            if found is not None:
                return found
    if ":" in text and _BANK_ACCOUNT.fullmatch(text):
        return _Found(T.bank_account, text, None)
    if text[0] == "+":
        return _Found(T.phone, text, None)
    if (text[0].isdigit() or text[0] == "(") and _LOCAL_PHONE.fullmatch(text):
        if region is None:
            misses.append(
                "as a phone number it needs a +country code or a default region"
            )
            return None
        return _attempt(T.phone, text, region, "a phone number", misses)
    return None


def _attempt(
    kind: ObservableType, text: str, region: str | None, label: str, misses: list[str]
) -> _Found | None:
    try:
        return _Found(kind, text, _RULES[kind](text, region))
    except InvalidObservable as exc:
        why = exc.reason.removeprefix(shown(text)).lstrip(": ").removeprefix("is ")
        misses.append(f"as {label} it fails: {why}")
        return None


def _unknown(text: str, misses: list[str]) -> str:
    reason = f"could not tell what kind of identifier {shown(text)} is"
    return f"{reason}; {'; '.join(misses)}" if misses else reason
