"""Cryptocurrency wallet addresses on Bitcoin, Ethereum (and ERC-20) and TRON (and TRC-20)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import base58
from bech32 import CHARSET, bech32_hrp_expand, bech32_polymod, convertbits
from Crypto.Hash import keccak

from aspjoc.errors import InvalidObservable

from .display import shown
from .types import Canonical, ObservableType

_CRYPTO_WALLET = ObservableType.crypto_wallet

# Tokens live at their chain's addresses: USDT-TRC20 is a TRON address, ERC-20 an Ethereum one.
CHAIN_ALIASES = {
    "btc": "btc",
    "bitcoin": "btc",
    "eth": "eth",
    "ethereum": "eth",
    "erc20": "eth",
    "usdt-erc20": "eth",
    "tron": "tron",
    "trx": "tron",
    "trc20": "tron",
    "usdt-trc20": "tron",
}

_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
_ETH = re.compile(r"0[xX][0-9a-fA-F]{40}")
_BITCOIN_VERSIONS = {0x00: "P2PKH", 0x05: "P2SH"}
_TRON_VERSION = 0x41
# BIP 350: witness version 0 uses the Bech32 checksum constant, versions 1-16 Bech32m. The
# bech32 package only implements BIP 173, so the constant is checked here.
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3


def canonical_crypto_wallet(value: str) -> Canonical:
    """Return ``chain:address`` with chain ``btc``, ``eth`` or ``tron``.

    A chain prefix (``btc:``, ``eth:``, ``erc20:``, ``tron:``, ``trx:``, ``usdt-trc20:`` …) is
    optional; without one the chain is told from the address shape. Checksums are always
    verified. Bitcoin bech32 addresses become lowercase, Ethereum addresses EIP-55 mixed
    case (all-lowercase or all-uppercase input carries no checksum and is accepted).
    """
    text = value.strip()
    head, colon, rest = text.partition(":")
    if colon:
        chain = CHAIN_ALIASES.get(head.strip().lower())
        if chain is None:
            raise InvalidObservable(
                "value",
                f"{shown(value)}: {head!r} is not a chain aspjoc knows; use btc, eth or tron",
            )
        # BIP 21 payment URIs ("bitcoin:1…?amount=0.1") carry parameters after the address.
        address = rest.strip().split("?", 1)[0]
    else:
        chain, address = _chain_of(value, text), text
    return Canonical(_CRYPTO_WALLET, f"{chain}:{_ADDRESS_RULES[chain](value, address)}")


def _chain_of(value: str, address: str) -> str:
    if address[:2] in ("0x", "0X"):
        return "eth"
    if address[:1] == "T":
        return "tron"
    if address[:1] in ("1", "3") or address[:3].lower() == "bc1":
        return "btc"
    raise InvalidObservable(
        "value", f"{shown(value)} is not a Bitcoin, Ethereum or TRON address"
    )


def _bitcoin(value: str, address: str) -> str:
    if address[:3].lower() == "bc1":
        return _bitcoin_segwit(value, address)
    payload = _base58check(value, address, "Bitcoin")
    if len(payload) != 21 or payload[0] not in _BITCOIN_VERSIONS:
        raise InvalidObservable(
            "value",
            f"{shown(value)}: not a Bitcoin mainnet address (P2PKH, P2SH or bc1)",
        )
    return address


def _bitcoin_segwit(value: str, address: str) -> str:
    lower = address.lower()
    if address not in (lower, address.upper()):
        raise InvalidObservable(
            "value",
            f"{shown(value)}: a bech32 Bitcoin address may not mix upper and lower case",
        )
    separator = lower.rfind("1")
    data = [CHARSET.find(char) for char in lower[separator + 1 :]]
    if len(lower) > 90 or len(data) < 7 or -1 in data:
        raise InvalidObservable(
            "value", f"{shown(value)}: not a well-formed bech32 Bitcoin address"
        )
    expected = _BECH32_CONST if data[0] == 0 else _BECH32M_CONST
    if bech32_polymod(bech32_hrp_expand("bc") + data) != expected:
        raise InvalidObservable(
            "value", f"{shown(value)}: bad checksum for Bitcoin address"
        )
    program = convertbits(data[1:-6], 5, 8, False)
    if (
        program is None
        or not 2 <= len(program) <= 40
        or data[0] > 16
        or (data[0] == 0 and len(program) not in (20, 32))
    ):
        raise InvalidObservable(
            "value", f"{shown(value)}: not a valid segwit witness program"
        )
    return lower


def _ethereum(value: str, address: str) -> str:
    if not _ETH.fullmatch(address):
        raise InvalidObservable(
            "value", f"{shown(value)}: an Ethereum address is 0x and 40 hex digits"
        )
    body = address[2:]
    checksummed = eip55(body.lower())
    if body not in (body.lower(), body.upper()) and body != checksummed[2:]:
        raise InvalidObservable(
            "value", f"{shown(value)}: bad EIP-55 checksum for Ethereum address"
        )
    return checksummed


def _tron(value: str, address: str) -> str:
    payload = _base58check(value, address, "TRON")
    if len(payload) != 21 or payload[0] != _TRON_VERSION or address[:1] != "T":
        raise InvalidObservable(
            "value",
            f"{shown(value)}: not a TRON address (T…, 21 bytes with version 0x41)",
        )
    return address


def _base58check(value: str, address: str, chain: str) -> bytes:
    if not _BASE58.fullmatch(address):
        raise InvalidObservable(
            "value",
            f"{shown(value)}: a {chain} address is base58 (no 0, O, I or l, nothing else)",
        )
    try:
        return base58.b58decode_check(address)
    except ValueError:
        raise InvalidObservable(
            "value", f"{shown(value)}: bad checksum for {chain} address"
        ) from None


@functools.lru_cache(maxsize=1 << 14)
def eip55(hex40: str) -> str:
    """Return ``0x`` and the EIP-55 mixed-case spelling of 40 lowercase hex digits."""
    digest = keccak.new(digest_bits=256, data=hex40.encode("ascii")).hexdigest()
    # A digest nibble of 8 or more ("8"-"9", "a"-"f", all above "7") upper-cases the letter.
    return "0x" + "".join(
        [
            char.upper() if nibble > "7" else char
            for char, nibble in zip(hex40, digest[:40], strict=True)
        ]
    )


_ADDRESS_RULES: dict[str, Callable[[str, str], str]] = {
    "btc": _bitcoin,
    "eth": _ethereum,
    "tron": _tron,
}
