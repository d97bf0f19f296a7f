import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise


def iban(country: str, bban: str) -> str:
    """A valid IBAN for a made-up BBAN: ISO 7064 mod 97-10 check digits computed here."""
    digits = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


GERMAN = iban("DE", "123456780000000042")


def test_bank_account_colon_form_drops_number_punctuation() -> None:
    result = canonicalise("TH:004:123-4-56789-0")

    assert (result.type, result.value, result.country) == (
        ObservableType.bank_account,
        "TH:004:1234567890",
        "TH",
    )


def test_bank_account_in_two_spellings_is_one_identity() -> None:
    assert canonicalise("th 004 123.456.789-0", "bank_account") == canonicalise(
        "TH:004:1234567890"
    )


def test_bank_code_letters_are_uppercased() -> None:
    assert (
        canonicalise("ph:bdo:0012 3456 78", "bank_account").value == "PH:BDO:0012345678"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "XX:004:1234567890",
            "'XX:004:1234567890': 'XX' is not an ISO 3166 country code",
        ),
        (
            "TH:0_4:1234567890",
            "'TH:0_4:1234567890': the bank code must be 1 to 15 letters or digits, not '0_4'",
        ),
        (
            "TH:004:12#34",
            "'TH:004:12#34': the account number must be 1 to 34 letters or digits (spaces, dots and dashes aside)",
        ),
        (
            "TH:004",
            "'TH:004' is not a bank account: write it as COUNTRY:BANKCODE:NUMBER, e.g. TH:004:1234567890",
        ),
    ],
)
def test_invalid_bank_account_is_refused_with_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise(value, "bank_account")

    assert caught.value.reason == reason


def test_iban_is_compact_uppercase_with_country() -> None:
    spaced = " ".join(GERMAN[i : i + 4] for i in range(0, len(GERMAN), 4)).lower()

    result = canonicalise(spaced)

    assert (result.type, result.value, result.country) == (
        ObservableType.iban,
        GERMAN,
        "DE",
    )


def test_iban_prefix_is_accepted() -> None:
    assert canonicalise(f"iban:{GERMAN}").value == GERMAN


def test_iban_with_wrong_check_digits_is_refused() -> None:
    wrong = GERMAN[:2] + f"{(int(GERMAN[2:4]) + 1) % 100:02d}" + GERMAN[4:]

    with pytest.raises(InvalidObservable) as caught:
        canonicalise(wrong, "iban")

    assert caught.value.reason == f"'{wrong}': IBAN check digits are wrong"


def test_iban_of_wrong_length_names_the_country() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise(GERMAN[:-1], "iban")

    assert caught.value.reason == f"'{GERMAN[:-1]}': wrong IBAN length for Germany (DE)"


def test_iban_of_unknown_country_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("XX00123456780000000042", "iban")

    assert (
        caught.value.reason
        == "'XX00123456780000000042': 'XX' is not a country that uses IBANs"
    )
