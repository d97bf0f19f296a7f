import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise


def test_handle_is_lowercased_without_at() -> None:
    result = canonicalise("Telegram:@Scam_Boss")

    assert (result.type, result.value) == (
        ObservableType.social_handle,
        "telegram:scam_boss",
    )


def test_twitter_is_stored_as_x() -> None:
    assert canonicalise("twitter:@Evil_Co").value == "x:evil_co"


def test_phone_handle_on_messaging_platform_is_e164() -> None:
    assert canonicalise("whatsapp:+66 81 234 5678").value == "whatsapp:+66812345678"
    assert canonicalise("whatsapp:66812345678").value == "whatsapp:+66812345678"


def test_youtube_channel_id_keeps_its_case() -> None:
    channel = "UC" + "AbCdEfGhIjKlMnOpQrStUv"

    assert canonicalise(f"youtube:{channel}").value == f"youtube:{channel}"


def test_handle_with_characters_the_platform_forbids_is_refused() -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise("x:@far_too_long_handle", "social_handle")

    assert (
        caught.value.reason
        == "'x:@far_too_long_handle': x handles are letters, digits and underscores, up to 15"
    )


def test_unknown_platform_is_refused() -> None:
    with pytest.raises(
        InvalidObservable, match="is not a social handle: write platform:handle"
    ):
        canonicalise("myspace:bob", "social_handle")


def test_app_id_keeps_its_case() -> None:
    result = canonicalise("app:com.Example.Wallet")

    assert (result.type, result.value) == (ObservableType.app, "com.Example.Wallet")


def test_app_id_is_only_detected_with_its_prefix() -> None:
    assert canonicalise("com.example.wallet").type is ObservableType.domain


def test_ios_bundle_id_with_hyphen_is_accepted() -> None:
    assert (
        canonicalise("com.example.wallet-ios", "app").value == "com.example.wallet-ios"
    )


@pytest.mark.parametrize("value", ["wallet", "1com.example", "com..example"])
def test_malformed_app_id_is_refused(value: str) -> None:
    with pytest.raises(
        InvalidObservable, match="is not an app id: expected reverse-DNS segments"
    ):
        canonicalise(value, "app")
