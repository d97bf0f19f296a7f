import time

import base58

from aspjoc.observables import Canonical, ObservableType, extract

T = ObservableType
TRON = base58.b58encode_check(b"\x41" + bytes(range(20))).decode()
P2PKH = base58.b58encode_check(b"\x00" + bytes(range(20))).decode()


def pairs(found: list[Canonical]) -> list[tuple[str, str]]:
    return [(item.type.value, item.value) for item in found]


def test_defanged_url_and_ip_are_found() -> None:
    found = extract(
        "Victims were sent to hxxps://evil[.]example/login from 198.51.100[.]7 today."
    )

    assert pairs(found) == [
        ("url", "https://evil.example/login"),
        ("ipv4", "198.51.100.7"),
    ]


def test_regional_phone_numbers_are_found_in_order() -> None:
    text = "Call +679 999 0001, then +63 917 123 4567; also +66 81 234 5678 and +676 771 2345."

    found = extract(text)

    assert pairs(found) == [
        ("phone", "+6799990001"),
        ("phone", "+639171234567"),
        ("phone", "+66812345678"),
        ("phone", "+6767712345"),
    ]
    assert [item.country for item in found] == ["FJ", "PH", "TH", "TO"]


def test_national_numbers_are_found_with_a_default_region() -> None:
    assert pairs(extract("โทร 081 234 5678 ด่วน", default_region="TH")) == [
        ("phone", "+66812345678")
    ]
    assert extract("โทร 081 234 5678 ด่วน") == []


def test_repeats_are_reported_once_at_first_appearance() -> None:
    text = "hxxp://evil[.]example/a then 192.0.2.9 then HTTP://EVIL.example/a again"

    assert pairs(extract(text)) == [
        ("url", "http://evil.example/a"),
        ("ipv4", "192.0.2.9"),
    ]


def test_url_keeps_the_ip_and_hash_inside_it() -> None:
    text = "Payload at http://192.0.2.44:8080/d41d8cd98f00b204e9800998ecf8427e.bin"

    assert pairs(extract(text)) == [
        ("url", "http://192.0.2.44:8080/d41d8cd98f00b204e9800998ecf8427e.bin")
    ]


def test_financial_and_social_identifiers_are_found() -> None:
    text = (
        f"Pay USDT-TRC20 {TRON} or BTC {P2PKH}; bank TH:004:123-4-56789-0; "
        "IBAN GB21 TEST 0000 0012 3456 78. Chat on t.me/scamboss or telegram:@Scam_Boss, "
        "wa.me/66812345678. Install app:com.example.wallet"
    )

    assert pairs(extract(text)) == [
        ("crypto_wallet", f"tron:{TRON}"),
        ("crypto_wallet", f"btc:{P2PKH}"),
        ("bank_account", "TH:004:1234567890"),
        ("iban", "GB21TEST00000012345678"),
        ("social_handle", "telegram:scamboss"),
        ("social_handle", "telegram:scam_boss"),
        ("social_handle", "whatsapp:+66812345678"),
        ("app", "com.example.wallet"),
    ]


def test_ethereum_address_is_not_mistaken_for_a_sha1() -> None:
    address = "0x" + bytes(range(100, 120)).hex()

    found = extract(f"send to {address} now")

    assert [item.type for item in found] == [T.crypto_wallet]


def test_emails_cidrs_and_reserved_domains_are_found() -> None:
    text = "Mail ops[@]mail.example from 203.0.113.0/24 and 2001:db8::/32; panel at www.shop.test and shop.example.com"

    assert pairs(extract(text)) == [
        ("email", "ops@mail.example"),
        ("cidr", "203.0.113.0/24"),
        ("cidr", "2001:db8::/32"),
        ("domain", "www.shop.test"),
        ("domain", "shop.example.com"),
    ]


def test_prose_after_a_platform_word_is_not_a_handle() -> None:
    assert extract("The error is on line: 42 of the log") == []


def test_invalid_candidates_are_skipped() -> None:
    bad_iban = "GB22TEST00000012345678"

    assert extract(f"IBAN {bad_iban} and 999.1.1.1") == []


def test_long_bracket_run_does_not_stall_extraction() -> None:
    # ioc_finder alone needs tens of seconds for this; extract must stay interactive.
    started = time.process_time()

    found = extract("[" * 30_000 + " 198.51.100.7")

    assert pairs(found) == [("ipv4", "198.51.100.7")]
    assert time.process_time() - started < 5
