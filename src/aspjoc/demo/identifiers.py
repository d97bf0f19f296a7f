"""Fictitious identifiers for the demo, drawn from reserved or clearly made-up spaces.

* IP addresses come from the documentation blocks (RFC 5737 and RFC 3849);
* host names end in ``.example``, ``.test``, ``.example.com`` or ``.example.net`` (RFC 2606);
* phone numbers are libphonenumber's example mobile numbers with the last digits varied;
* bank codes 900-999 are not assigned to any bank in the member countries' clearing systems;
* wallets are random bytes with correct checksums; handles and app ids carry "demo" or "example".

Each function returns text as an analyst might type it; the loader canonicalises it.
"""

from __future__ import annotations

import functools
import random

import base58
import phonenumbers
from phonenumbers import PhoneNumberType

WORDS = (
    "profit", "wealth", "crypto", "invest", "lucky", "golden", "trade", "signal", "mentor", "yield",
    "parcel", "refund", "secure", "verify", "wallet", "token", "bonus", "prize", "loan", "task",
    "angel", "sweet", "heart", "star", "royal", "smart", "rapid", "prime", "asia", "ocean",
)
BRANDS = (
    "coral-sea-bank", "islands-post", "pacific-parcel", "mekong-trade", "reef-wallet", "lotus-pay",
    "banyan-bank", "monsoon-mobile", "atoll-air", "tradewind-shop",
)
ZONES = (".example", ".test", ".example.com", ".example.net")
URL_PATHS = (
    "/login", "/verify", "/account/update", "/secure/signin", "/parcel/track", "/refund/claim",
    "/invest/register", "/wallet/connect", "/vip/join", "/otp", "/gate.php", "/panel/login.php",
    "/dl/app-release.apk", "/kyc/upload",
)
TEST_NETS = ("192.0.2", "198.51.100", "203.0.113")
# Messaging platforms most used for scam contact in each country; the rest of the region
# falls back to the first entry of DEFAULT_PLATFORMS.
PLATFORMS = {
    "TH": ("line", "facebook", "telegram"),
    "VN": ("zalo", "facebook", "telegram"),
    "KH": ("telegram", "facebook", "wechat"),
    "LA": ("whatsapp", "facebook", "wechat"),
    "ID": ("whatsapp", "instagram", "telegram"),
    "MY": ("whatsapp", "telegram", "facebook"),
    "PH": ("facebook", "telegram", "tiktok"),
    "SG": ("telegram", "whatsapp", "instagram"),
}
DEFAULT_PLATFORMS = ("facebook", "whatsapp", "tiktok", "telegram")
# National account-number lengths (digits) where they are well known; others use 10.
ACCOUNT_DIGITS = {"TH": 10, "MY": 12, "PH": 12, "ID": 10, "VN": 12, "SG": 9, "KH": 9}


@functools.lru_cache(maxsize=32)
def _mobile_template(country: str) -> tuple[int, str]:
    example = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
    assert example is not None and example.country_code is not None, f"no example mobile number for {country}"
    return example.country_code, phonenumbers.national_significant_number(example)


def phone(rng: random.Random, country: str) -> str:
    """An E.164 mobile number of ``country``: the library's example with the last four digits varied."""
    code, nsn = _mobile_template(country)
    while True:
        number = f"+{code}{nsn[:-4]}{rng.randrange(10_000):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def bank_account(rng: random.Random, country: str) -> str:
    digits = ACCOUNT_DIGITS.get(country, 10)
    number = "".join(str(rng.randrange(10)) for _ in range(digits))
    if country == "TH":
        # Thai banks print account numbers as XXX-X-XXXXX-X; the canonical form drops the dashes.
        number = f"{number[:3]}-{number[3]}-{number[4:9]}-{number[9]}"
    return f"{country}:{rng.randint(900, 999)}:{number}"


def social_handle(rng: random.Random, country: str) -> str:
    platform = rng.choice(PLATFORMS.get(country, DEFAULT_PLATFORMS))
    if platform == "whatsapp":
        return f"whatsapp:{phone(rng, country)}"
    sep = "." if platform == "facebook" else "_"
    return f"{platform}:@demo{sep}{rng.choice(WORDS)}{sep}{rng.randrange(10, 10_000)}"


def tron_wallet(rng: random.Random) -> str:
    # A TRON address is base58check of version byte 0x41 and a 20-byte account id.
    return "tron:" + base58.b58encode_check(b"\x41" + rng.randbytes(20)).decode("ascii")


def crypto_wallet(rng: random.Random) -> str:
    """Mostly USDT on TRON, as in the region's scams; some Ethereum, a few Bitcoin."""
    roll = rng.random()
    if roll < 0.78:
        return tron_wallet(rng)
    if roll < 0.95:
        return "eth:0x" + rng.randbytes(20).hex()
    return "btc:" + base58.b58encode_check(b"\x00" + rng.randbytes(20)).decode("ascii")


def hostname(rng: random.Random) -> str:
    shape = rng.random()
    zone = rng.choice(ZONES)
    if shape < 0.4:
        return f"{rng.choice(BRANDS)}-{rng.choice(WORDS)}{zone}"
    if shape < 0.7:
        return f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(100)}{zone}"
    return f"{rng.choice(WORDS)}.{rng.choice(BRANDS)}-{rng.randrange(1000)}{zone}"


def url(rng: random.Random) -> str:
    scheme = "https" if rng.random() < 0.8 else "http"
    host = hostname(rng) if rng.random() < 0.92 else ipv4(rng)
    query = f"?ref={rng.randrange(100_000)}" if rng.random() < 0.3 else ""
    return f"{scheme}://{host}{rng.choice(URL_PATHS)}{query}"


def ipv4(rng: random.Random) -> str:
    return f"{rng.choice(TEST_NETS)}.{rng.randint(1, 254)}"


def ipv6(rng: random.Random) -> str:
    return f"2001:db8:{rng.randrange(0x10000):x}::{rng.randrange(1, 0x10000):x}"


def email(rng: random.Random, crime: str) -> str:
    if crime == "bec":
        local = rng.choice(("accounts.payable", "finance", "ceo.office", "invoices", "treasury"))
        return f"{local}{rng.randrange(100)}@{rng.choice(BRANDS)}-invoices{rng.choice(ZONES)}"
    return f"{rng.choice(WORDS)}.{rng.choice(WORDS)}{rng.randrange(10_000)}@mail{rng.choice(ZONES)}"


def app(rng: random.Random) -> str:
    return f"com.example.{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(100)}"


def sha256(rng: random.Random) -> str:
    return rng.randbytes(32).hex()
