import base58
import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise, detect_type

T = ObservableType
TRON = base58.b58encode_check(b"\x41" + bytes(range(20))).decode()

IDEMPOTENCE_CASES = [
    "198.51.100.7",
    "2001:DB8::1",
    "203.0.113.0/24",
    "2001:db8::/32",
    "WWW.Example.COM.",
    "bücher.example",
    "HXXPS://Evil[.]Example:443/Login?A=1#x",
    "evil.example/pay",
    "Ops@Mail.Example.COM",
    "D41D8CD98F00B204E9800998ECF8427E",
    "+66 81 234 5678",
    "TH:004:123-4-56789-0",
    "GB21 TEST 0000 0012 3456 78",
    f"usdt-trc20:{TRON}",
    "0x" + bytes(range(100, 120)).hex(),
    "Telegram:@Scam_Boss",
    "whatsapp:+679 999 0001",
]
# An app id alone reads as a domain; only its "app:" prefix makes it an app.
IDEMPOTENCE_CASES_TYPED_ONLY = ["app:com.Example.Wallet"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("https://evil.example/login", T.url),
        ("hxxp://evil[.]example", T.url),
        ("ops@mail.example", T.email),
        ("203.0.113.0/24", T.cidr),
        ("198.51.100.7", T.ipv4),
        ("2001:db8::1", T.ipv6),
        ("d41d8cd98f00b204e9800998ecf8427e", T.md5),
        ("da39a3ee5e6b4b0d3255bfef95601890afd80709", T.sha1),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", T.sha256),
        ("GB21TEST00000012345678", T.iban),
        (TRON, T.crypto_wallet),
        ("TH:004:1234567890", T.bank_account),
        ("+676 771 2345", T.phone),
        ("evil.example/pay", T.url),
        ("cafe.de/123", T.url),
        ("shop.example.com", T.domain),
        ("com.example.wallet", T.domain),
        ("app:com.example.wallet", T.app),
        ("iban:GB21TEST00000012345678", T.iban),
        ("phone:+6767712345", T.phone),
        ("telegram:@scam_boss", T.social_handle),
        (f"tron:{TRON}", T.crypto_wallet),
    ],
)
def test_type_is_detected(value: str, kind: ObservableType) -> None:
    assert detect_type(value) is kind
    assert canonicalise(value).type is kind


def test_national_number_is_a_phone_only_with_a_default_region() -> None:
    assert detect_type("081 234 5678", default_region="th") is T.phone

    with pytest.raises(InvalidObservable) as caught:
        detect_type("081 234 5678")

    assert caught.value.reason == (
        "could not tell what kind of identifier '081 234 5678' is; "
        "as a phone number it needs a +country code or a default region"
    )


def test_shape_decides_type_even_when_the_value_is_then_refused() -> None:
    assert detect_type("999.1.1.1") is T.ipv4

    with pytest.raises(InvalidObservable, match="octet 999"):
        canonicalise("999.1.1.1")


def test_unrecognisable_value_is_refused_on_value_field() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("hello world")

    assert caught.value.field == "value"
    assert (
        caught.value.reason == "could not tell what kind of identifier 'hello world' is"
    )


def test_near_miss_explains_what_it_almost_was() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("GB22TEST00000012345678")

    assert caught.value.reason == (
        "could not tell what kind of identifier 'GB22TEST00000012345678' is; "
        "as an IBAN it fails: IBAN check digits are wrong"
    )


def test_unknown_type_name_is_refused_on_type_field() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("198.51.100.7", "ip")

    assert caught.value.field == "type"
    assert caught.value.reason.startswith(
        "'ip' is not an observable type; use one of ipv4, ipv6"
    )


def test_type_name_is_case_insensitive() -> None:
    assert canonicalise("198.51.100.7", "IPv4").type is T.ipv4


def test_empty_value_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("   ")

    assert caught.value.reason == "the value is empty"


def test_long_value_is_shortened_in_the_reason() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("x y " * 100)

    assert len(caught.value.reason) < 140
    assert "…" in caught.value.reason


@pytest.mark.parametrize("value", IDEMPOTENCE_CASES + IDEMPOTENCE_CASES_TYPED_ONLY)
def test_canonical_form_is_a_fixed_point_for_its_type(value: str) -> None:
    first = canonicalise(value)

    assert canonicalise(first.value, first.type) == first


@pytest.mark.parametrize("value", IDEMPOTENCE_CASES)
def test_canonical_form_is_detected_as_the_same_identity(value: str) -> None:
    first = canonicalise(value)

    assert canonicalise(first.value) == first
