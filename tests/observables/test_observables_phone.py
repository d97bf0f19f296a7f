import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise


@pytest.mark.parametrize(
    ("value", "e164", "country"),
    [
        ("+679 999 0001", "+6799990001", "FJ"),
        ("+63 917 123 4567", "+639171234567", "PH"),
        ("+66 81 234 5678", "+66812345678", "TH"),
        ("+676 771 2345", "+6767712345", "TO"),
    ],
)
def test_regional_numbers_become_e164_with_country(
    value: str, e164: str, country: str
) -> None:
    result = canonicalise(value)

    assert (result.type, result.value, result.country) == (
        ObservableType.phone,
        e164,
        country,
    )


def test_same_phone_in_two_forms_is_one_identity() -> None:
    international = canonicalise("+66 81-234-5678")
    national = canonicalise("081 234 5678", "phone", default_region="TH")

    assert international == national


def test_national_number_needs_a_default_region() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("081 234 5678", "phone")

    assert (
        caught.value.reason
        == "'081 234 5678' has no +country code, and no default region was given to read it"
    )


def test_invalid_number_names_the_country() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("+679 12")

    assert caught.value.reason == "'+679 12' is not a valid phone number for Fiji (FJ)"


def test_unknown_calling_code_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("+999 1234567", "phone")

    assert (
        caught.value.reason
        == "'+999 1234567' cannot be read as a phone number: its country calling code is unknown"
    )


def test_tel_uri_is_read() -> None:
    assert canonicalise("tel:+6767712345").value == "+6767712345"


def test_unknown_default_region_is_refused_on_its_own_field() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("081 234 5678", "phone", default_region="QQ")

    assert caught.value.field == "default_region"
