"""ISO 3166 country codes and names (from Babel's CLDR data, offline), and the programme's member countries."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

# CLDR lists some two-letter codes that are not countries: the EU, the eurozone, the UN, pseudo-regions.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ"})

MEMBER_COUNTRIES = (
    "BN", "KH", "FJ", "ID", "KI", "LA", "MY", "MH", "NR", "PG",
    "PH", "WS", "SG", "SB", "TH", "TL", "TO", "VU", "VN",
)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    territories = Locale("en").territories
    return {code: name for code, name in territories.items() if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}


def is_country(code: str) -> bool:
    return code.upper() in _names()


def country_name(code: str | None) -> str:
    """English name of ``code``; the code itself when unknown, '' for None."""
    if not code:
        return ""
    return _names().get(code.upper(), code.upper())
