"""What the public may ask the check: one whole identifier per request, never a wildcard, a list or a range."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aspjoc.countries import is_country
from aspjoc.errors import InvalidInput, InvalidObservable
from aspjoc.observables import Canonical, ObservableType, canonicalise

MAX_LENGTH = 512
# A "%" is a wildcard unless it starts a URL escape such as %20.
_BARE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_LIST_SEPARATORS = re.compile(r"[\n\r\t]")

ONE_PER_REQUEST = "check one value per request; lists are not accepted"
EMPTY = "enter a phone number, bank account, wallet, link or e-mail address to check"
TOO_LONG = f"is longer than {MAX_LENGTH} characters; check one value at a time"
WILDCARD = "wildcards (* or %) are not accepted; enter one whole value"
RANGE = "address ranges are not accepted; check one address"


def one_value(values: list[str]) -> str:
    """The single value of the ``q`` parameter, stripped; InvalidInput (field ``q``) when it is missing,
    repeated, too long, a wildcard or a list.

    Commas and semicolons are allowed inside one URL (``https://a.example/x,y``) but separate a list
    anywhere else; two ``://`` mean two URLs.
    """
    if len(values) > 1:
        raise InvalidInput("q", ONE_PER_REQUEST)
    text = values[0].strip() if values else ""
    if not text:
        raise InvalidInput("q", EMPTY)
    if len(text) > MAX_LENGTH:
        raise InvalidInput("q", TOO_LONG)
    if "*" in text or _BARE_PERCENT.search(text):
        raise InvalidInput("q", WILDCARD)
    is_url = "://" in text
    if _LIST_SEPARATORS.search(text) or text.count("://") > 1 or (not is_url and re.search(r"[,;|]", text)) \
            or (is_url and " " in text):
        raise InvalidInput("q", ONE_PER_REQUEST)
    return text


def country_code(value: str | None) -> str | None:
    """The upper-case ISO 3166 code in ``value`` ('' or None: no country); InvalidInput (field ``country``) otherwise."""
    if not value or not value.strip():
        return None
    code = value.strip().upper()
    if len(code) != 2 or not is_country(code):
        raise InvalidInput("country", f"'{value}' is not a two-letter country code")
    return code


def canonical(text: str, country: str | None) -> Canonical:
    """``text`` canonicalised (local phone numbers read in ``country``); InvalidObservable naming ``q``,
    and CIDR ranges refused because one range is a bulk query.
    """
    try:
        found = canonicalise(text, default_region=country)
    except InvalidObservable as exc:
        raise InvalidObservable("q", exc.reason) from exc
    if found.type is ObservableType.cidr:
        raise InvalidInput("q", RANGE)
    return found


def candidates(found: Canonical) -> tuple[tuple[str, str], ...]:
    """The (type, value) pairs the check looks up: the value itself, and for a URL also its host,
    because a reported site is dangerous whatever page or tracking parameters a message adds.
    """
    pairs = [(found.type.value, found.value)]
    if found.type is ObservableType.url:
        host = urlsplit(found.value).hostname
        if host:
            try:
                site = canonicalise(host)
            except InvalidObservable:
                site = None
            if site is not None and site.type in (ObservableType.domain, ObservableType.ipv4, ObservableType.ipv6):
                pairs.append((site.type.value, site.value))
    return tuple(pairs)


WARM_UP = ("+66812345678", "TH:004:1234567890", "scam.example.com", "https://scam.example.com/x", "a@scam.example.com",
           "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA")


def warm_up() -> None:
    """Read one value of each common kind now, so the identifier libraries load their tables at start-up
    (before a server freezes its heap) rather than on some member of the public's first check."""
    for value in WARM_UP:
        candidates(canonical(value, None))
