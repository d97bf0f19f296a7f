"""Amounts and currencies: exact decimals in, integer millionths stored, exact decimals out."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import list_currencies

from aspjoc.errors import InvalidInput

SCALE = 1_000_000
# Millionths in a signed 64-bit column: amounts up to about 9.2 trillion in any currency.
MAX_AMOUNT = Decimal(2**63 - 1) / SCALE
# Stablecoins and coins that the region's mule networks use; not in ISO 4217.
CRYPTO_CURRENCIES = frozenset({"USDT", "USDC", "BTC", "ETH", "TRX", "BNB"})


@lru_cache(maxsize=1)
def _iso_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def parse_currency(text: str, field: str = "currency") -> str:
    """Upper-cased ISO 4217 code or a known crypto ticker; InvalidInput naming ``field`` otherwise."""
    code = (text or "").strip().upper()
    if code not in _iso_currencies() and code not in CRYPTO_CURRENCIES:
        raise InvalidInput(field, f"'{text}' is not an ISO 4217 currency code (or USDT, USDC, BTC, ETH, TRX, BNB)")
    return code


def to_micros(value: Decimal | str | int | float, field: str = "amount") -> int:
    """``value`` in millionths; refuses negatives, more than six decimal places and amounts beyond the column."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInput(field, f"'{value}' is not a number") from exc
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(field, "must be a positive amount")
    if amount > MAX_AMOUNT:
        raise InvalidInput(field, "is too large")
    scaled = amount * SCALE
    if scaled != scaled.to_integral_value():
        raise InvalidInput(field, "has more than six decimal places")
    return int(scaled)


def from_micros(micros: int | None) -> Decimal:
    """The exact decimal amount for ``micros`` (0 for None), normalised to at least two decimal places."""
    amount = Decimal(micros or 0) / SCALE
    return amount.quantize(Decimal("0.01")) if amount == amount.quantize(Decimal("0.01")) else amount.normalize()


def format_amount(micros: int | None, currency: str | None) -> str:
    """'1,234.50 USD' style text for pages and notices."""
    amount = from_micros(micros)
    exponent = amount.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{amount:,.{places}f} {currency or ''}".strip()
