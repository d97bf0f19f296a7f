"""Bank accounts (national number plus bank code) and IBANs."""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty import exceptions as iban_errors

from aspjoc.errors import InvalidObservable

from .countries import country_name, is_country
from .display import shown
from .types import Canonical, ObservableType

_BANK_ACCOUNT = ObservableType.bank_account
_IBAN = ObservableType.iban

_BANK_CODE = re.compile(r"[A-Z0-9]{1,15}")
_ACCOUNT_NUMBER = re.compile(r"[A-Z0-9]{1,34}")
_NUMBER_PUNCTUATION = str.maketrans("", "", " .-")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def canonical_bank_account(value: str) -> Canonical:
    """Return ``CC:BANKCODE:NUMBER`` upper case, e.g. ``TH:004:1234567890``.

    Accepts ``TH:004:123-4-56789-0`` or, with whitespace between the three parts,
    ``TH 004 123-4-56789-0``. Spaces, dots and dashes inside the number are dropped; the
    country must be an ISO 3166 alpha-2 code and the bank code letters and digits.
    """
    country, bank_code, number = _bank_account_parts(value)
    if not is_country(country):
        raise InvalidObservable(
            "value", f"{shown(value)}: {country!r} is not an ISO 3166 country code"
        )
    if not _BANK_CODE.fullmatch(bank_code):
        raise InvalidObservable(
            "value",
            f"{shown(value)}: the bank code must be 1 to 15 letters or digits, not {bank_code!r}",
        )
    if not _ACCOUNT_NUMBER.fullmatch(number):
        raise InvalidObservable(
            "value",
            f"{shown(value)}: the account number must be 1 to 34 letters or digits (spaces, dots and dashes aside)",
        )
    return Canonical(_BANK_ACCOUNT, f"{country}:{bank_code}:{number}", country=country)


def _bank_account_parts(value: str) -> tuple[str, str, str]:
    text = value.strip().upper()
    parts = text.split(":") if ":" in text else text.split(None, 2)
    if len(parts) != 3:
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not a bank account: write it as COUNTRY:BANKCODE:NUMBER, e.g. TH:004:1234567890",
        )
    country, bank_code, number = (part.strip() for part in parts)
    return country, bank_code, number.translate(_NUMBER_PUNCTUATION)


def looks_like_iban(compact: str) -> bool:
    """True when upper-case, space-free ``compact`` has the shape of an IBAN (no checks run)."""
    return _IBAN_SHAPE.fullmatch(compact) is not None


def canonical_iban(value: str) -> Canonical:
    """Return the IBAN compact and upper case, ``country`` from its first two letters.

    The ISO 7064 check digits, the country's IBAN length and its BBAN structure are checked.
    """
    try:
        iban = IBAN(value.strip())
    except iban_errors.InvalidChecksumDigits:
        raise InvalidObservable(
            "value", f"{shown(value)}: IBAN check digits are wrong"
        ) from None
    except iban_errors.InvalidCountryCode:
        raise InvalidObservable(
            "value",
            f"{shown(value)}: {value.strip()[:2]!r} is not a country that uses IBANs",
        ) from None
    except iban_errors.InvalidLength:
        raise InvalidObservable(
            "value", f"{shown(value)}: wrong IBAN length for {_country_of(value)}"
        ) from None
    except iban_errors.SchwiftyException as exc:
        raise InvalidObservable(
            "value", f"{shown(value)}: not a valid IBAN for {_country_of(value)}: {exc}"
        ) from None
    country = str(iban.country_code)
    return Canonical(_IBAN, str(iban.compact), country=country)


def _country_of(value: str) -> str:
    return country_name(value.strip()[:2].upper())
