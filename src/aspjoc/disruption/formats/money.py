"""Splitting financial identifiers into the columns banks file them under: value, bank code, country.

* ``bank_account`` is stored as ``CC:BANKCODE:NUMBER``; e-wallets are bank accounts whose bank code
  names the wallet provider (the platform has no separate e-wallet type);
* ``iban``: the bank code sits at a country-specific place in the BBAN, read from schwifty's
  registry once per country (parsing every IBAN with schwifty costs ~50 µs, too much per row);
* ``crypto_wallet`` is stored as ``chain:address``; the chain goes in the bank-code column.
"""

from __future__ import annotations

from schwifty import IBAN
from schwifty.domain import Component
from schwifty.exceptions import SchwiftyException


_BANK_CODE_AT: dict[str, tuple[int, int] | None] = {}


def _bank_code_slice(iban: str) -> tuple[int, int] | None:
    """Where the bank code sits in the BBAN of ``iban``'s country (learnt from the first IBAN of that country)."""
    country = iban[:2]
    if country not in _BANK_CODE_AT:
        try:
            where = IBAN(iban).spec.positions.get(Component.BANK_CODE)
        except SchwiftyException:
            return None  # not remembered: the next IBAN of the country may be a valid sample
        _BANK_CODE_AT[country] = None if where is None else (where.start, where.end)
    return _BANK_CODE_AT[country]


def _iban_bank_code(iban: str) -> str:
    where = _bank_code_slice(iban)
    if where is None:
        return ""
    start, end = where
    return iban[4 + start:4 + end]


def split(kind: str, value: str) -> tuple[str, str]:
    """(value as banks know it, bank code or chain) for a canonical financial identifier."""
    if kind == "bank_account":
        _country, bank, number = (value.split(":", 2) + ["", ""])[:3]
        return number, bank
    if kind == "iban":
        return value, _iban_bank_code(value)
    if kind == "crypto_wallet":
        chain, _, address = value.partition(":")
        return (address, chain) if address else (value, "")
    return value, ""
