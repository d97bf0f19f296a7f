"""Telephone numbers, in E.164, with the country they belong to."""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from aspjoc.errors import InvalidObservable

from .countries import country_name
from .display import shown
from .types import Canonical, ObservableType

_PHONE = ObservableType.phone

_PARSE_FAULTS = {
    NumberParseException.INVALID_COUNTRY_CODE: "its country calling code is unknown",
    NumberParseException.NOT_A_NUMBER: "it is not digits in a phone-number pattern",
    NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "it is too short",
    NumberParseException.TOO_LONG: "it is too long",
}


@functools.lru_cache(maxsize=1 << 16)
def canonical_phone(value: str, default_region: str | None = None) -> Canonical:
    """Return the E.164 number (``+6799990001``) with ``country`` set to its ISO region.

    ``default_region`` (ISO alpha-2, upper case) reads numbers written without ``+``; without
    it such numbers are refused. Numbers of non-geographic codes (+800, +882…) have no country.
    Extensions are dropped. Results are cached: the same numbers recur across a feed.
    """
    text = value.strip()
    if text[:4].lower() == "tel:":
        text = text[4:]
    if not text.startswith("+") and default_region is None:
        raise InvalidObservable(
            "value",
            f"{shown(value)} has no +country code, and no default region was given to read it",
        )
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException as exc:
        fault = _PARSE_FAULTS.get(exc.error_type, "it could not be read")
        raise InvalidObservable(
            "value", f"{shown(value)} cannot be read as a phone number: {fault}"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidObservable(
            "value", f"{shown(value)} is not a valid phone number for {_where(number)}"
        )
    region = phonenumbers.region_code_for_number(number)
    country = region if region and region.isalpha() else None
    return Canonical(
        _PHONE,
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        country=country,
    )


def _where(number: phonenumbers.PhoneNumber) -> str:
    code = number.country_code or 0
    regions = phonenumbers.region_codes_for_country_code(code)
    if len(regions) == 1 and regions[0].isalpha():
        return country_name(regions[0])
    return f"calling code +{code}"
