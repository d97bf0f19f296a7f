"""ISO 3166 alpha-2 country codes: which exist, and their English names for reasons."""

from __future__ import annotations

import functools

import phonenumbers

from aspjoc.errors import InvalidObservable


@functools.lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    # phonenumbers' region list is ISO 3166-1 alpha-2 less seven uninhabited territories,
    # plus AC and TA (exceptionally reserved, not countries) and XK (Kosovo, user-assigned
    # but used by banks and the IBAN registry).
    return frozenset(phonenumbers.SUPPORTED_REGIONS) - {"AC", "TA"}


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    from babel import (
        Locale,
    )  # only refusal messages need names; babel loads locale data

    return dict(Locale("en").territories)


def is_country(code: str) -> bool:
    """True when ``code`` (exact case, two letters) is a known country code."""
    return code in _codes()


def country_name(code: str) -> str:
    """Return ``"Fiji (FJ)"`` for ``"FJ"``; an unknown code is returned bare."""
    name = _names().get(code)
    return f"{name} ({code})" if name else code


@functools.lru_cache(maxsize=256)
def normalise_region(region: str | None) -> str | None:
    """Return the region upper-cased, or None when none was given.

    Raises InvalidObservable(field="default_region") for a code that is not a country.
    """
    if region is None or not region.strip():
        return None
    code = region.strip().upper()
    if not is_country(code):
        raise InvalidObservable(
            "default_region", f"{region!r} is not a country code phonenumbers knows"
        )
    return code
