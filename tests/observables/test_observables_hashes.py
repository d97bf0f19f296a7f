import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (MD5, ObservableType.md5),
        (SHA1, ObservableType.sha1),
        (SHA256, ObservableType.sha256),
    ],
)
def test_hash_type_follows_its_length_and_is_lowercased(
    value: str, kind: ObservableType
) -> None:
    result = canonicalise(value.upper())

    assert (result.type, result.value) == (kind, value)


def test_hash_of_wrong_length_for_its_type_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise(SHA1, "md5")

    assert (
        caught.value.reason
        == f"'{SHA1}' is not an MD5 hash: it needs 32 hex digits, not 40"
    )


def test_non_hex_hash_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("z" * 64, "sha256")

    assert caught.value.reason.endswith("is not a SHA-256 hash: it must be hexadecimal")
