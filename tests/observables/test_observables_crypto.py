import base58
import pytest
from bech32 import CHARSET, bech32_hrp_expand, bech32_polymod, convertbits
from Crypto.Hash import keccak

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise

PROGRAM = bytes(range(20))
BECH32, BECH32M = 1, 0x2BC830A3


def base58check(version: int, payload: bytes = PROGRAM) -> str:
    return base58.b58encode_check(bytes([version]) + payload).decode()


def segwit(version: int, program: bytes, const: int) -> str:
    """A bc1 address built here (BIP 173 / BIP 350) from deterministic bytes."""
    five_bit = convertbits(program, 8, 5)
    assert five_bit is not None
    data = [version, *five_bit]
    polymod = bech32_polymod(bech32_hrp_expand("bc") + data + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return "bc1" + "".join(CHARSET[d] for d in data + checksum)


def eip55(hex40: str) -> str:
    digest = keccak.new(digest_bits=256, data=hex40.encode()).hexdigest()
    return "0x" + "".join(
        c.upper() if int(d, 16) >= 8 else c
        for c, d in zip(hex40, digest[:40], strict=True)
    )


P2PKH = base58check(0x00)
P2SH = base58check(0x05)
TRON = base58check(0x41)
SEGWIT_V0 = segwit(0, PROGRAM, BECH32)
TAPROOT = segwit(1, bytes(range(32)), BECH32M)
ETH_LOWER = "0x" + bytes(range(100, 120)).hex()
ETH_CHECKSUMMED = eip55(ETH_LOWER[2:])


@pytest.mark.parametrize("address", [P2PKH, P2SH, SEGWIT_V0, TAPROOT])
def test_bitcoin_addresses_are_detected_as_btc(address: str) -> None:
    result = canonicalise(address)

    assert (result.type, result.value) == (
        ObservableType.crypto_wallet,
        f"btc:{address}",
    )


def test_bech32_address_is_stored_lowercase() -> None:
    assert canonicalise(SEGWIT_V0.upper()).value == f"btc:{SEGWIT_V0}"


def test_bitcoin_address_with_bad_checksum_is_refused() -> None:
    broken = P2PKH[:-1] + ("2" if P2PKH[-1] != "2" else "3")

    with pytest.raises(InvalidObservable) as caught:
        canonicalise(broken, "crypto_wallet")

    assert caught.value.reason == f"'{broken}': bad checksum for Bitcoin address"


def test_witness_v1_with_bech32_instead_of_bech32m_checksum_is_refused() -> None:
    wrong_constant = segwit(1, bytes(range(32)), BECH32)

    with pytest.raises(InvalidObservable, match="bad checksum for Bitcoin address"):
        canonicalise(wrong_constant, "crypto_wallet")


def test_testnet_version_byte_is_refused() -> None:
    testnet = base58check(0x6F)

    with pytest.raises(InvalidObservable, match="not a Bitcoin mainnet address"):
        canonicalise(f"btc:{testnet}")


def test_ethereum_address_is_stored_eip55_checksummed() -> None:
    result = canonicalise(ETH_LOWER)

    assert result.value == f"eth:{ETH_CHECKSUMMED}"
    assert canonicalise(ETH_CHECKSUMMED).value == result.value


def test_ethereum_mixed_case_with_wrong_checksum_is_refused() -> None:
    body = ETH_CHECKSUMMED[2:]
    flipped_at = next(i for i, c in enumerate(body) if c.isalpha())
    wrong = (
        "0x" + body[:flipped_at] + body[flipped_at].swapcase() + body[flipped_at + 1 :]
    )

    with pytest.raises(InvalidObservable) as caught:
        canonicalise(wrong, "crypto_wallet")

    assert caught.value.reason == f"'{wrong}': bad EIP-55 checksum for Ethereum address"


def test_tron_address_is_detected() -> None:
    assert canonicalise(TRON).value == f"tron:{TRON}"


@pytest.mark.parametrize("prefix", ["tron", "TRX", "usdt-trc20", "trc20"])
def test_tron_prefixes_name_the_same_wallet(prefix: str) -> None:
    assert canonicalise(f"{prefix}:{TRON}").value == f"tron:{TRON}"


@pytest.mark.parametrize("prefix", ["eth", "erc20", "ethereum"])
def test_ethereum_prefixes_name_the_same_wallet(prefix: str) -> None:
    assert canonicalise(f"{prefix}:{ETH_LOWER}").value == f"eth:{ETH_CHECKSUMMED}"


def test_bitcoin_payment_uri_parameters_are_dropped() -> None:
    assert canonicalise(f"bitcoin:{P2PKH}?amount=0.1").value == f"btc:{P2PKH}"


def test_tron_address_with_bad_checksum_is_refused() -> None:
    broken = TRON[:-1] + ("2" if TRON[-1] != "2" else "3")

    with pytest.raises(InvalidObservable) as caught:
        canonicalise(f"tron:{broken}")

    assert caught.value.reason == f"'tron:{broken}': bad checksum for TRON address"


def test_unknown_chain_prefix_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("doge:DAbc", "crypto_wallet")

    assert (
        caught.value.reason
        == "'doge:DAbc': 'doge' is not a chain aspjoc knows; use btc, eth or tron"
    )


def test_address_of_no_known_chain_is_refused() -> None:
    with pytest.raises(
        InvalidObservable, match="is not a Bitcoin, Ethereum or TRON address"
    ):
        canonicalise("Xabc", "crypto_wallet")
