import pytest

from aspjoc.errors import InvalidObservable
from aspjoc.observables import ObservableType, canonicalise


def test_domain_is_lowercased_without_trailing_dot() -> None:
    result = canonicalise("WWW.Shop.Example.COM.")

    assert (result.type, result.value, result.domain) == (
        ObservableType.domain,
        "www.shop.example.com",
        "example.com",
    )


def test_internationalised_domain_becomes_punycode() -> None:
    assert canonicalise("Bücher.example").value == "xn--bcher-kva.example"
    assert canonicalise("xn--bcher-kva.example").value == "xn--bcher-kva.example"


def test_registered_domain_follows_the_public_suffix_list() -> None:
    assert canonicalise("login.bank.example.co.uk", "domain").domain == "example.co.uk"


def test_registered_domain_falls_back_to_last_two_labels_for_unlisted_suffixes() -> (
    None
):
    assert canonicalise("a.b.evil.test").domain == "evil.test"
    assert canonicalise("cdn.evil.example").domain == "evil.example"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "-bad.example",
            "'-bad.example' is not a valid domain: label '-bad' starts or ends with a hyphen",
        ),
        (
            "a..example",
            "'a..example' is not a valid domain: it has an empty label (two dots in a row, or a leading dot)",
        ),
        (
            "localhost",
            "'localhost' is not a valid domain: a domain needs at least two labels, like example.com",
        ),
        (
            "host.123",
            "'host.123' is not a valid domain: the top-level label '123' must be letters (or xn-- punycode)",
        ),
        (
            "bad$name.example",
            "'bad$name.example' is not a valid domain: label 'bad$name' has characters other than letters, digits, hyphens and underscores",
        ),
    ],
)
def test_invalid_domain_names_the_faulty_label(value: str, reason: str) -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise(value, "domain")

    assert caught.value.reason == reason


def test_overlong_label_is_refused() -> None:
    with pytest.raises(InvalidObservable, match="longer than 63 characters"):
        canonicalise("a" * 64 + ".example", "domain")


def test_email_is_lowercased_with_registered_domain() -> None:
    result = canonicalise("Victim.Support@Mail.Example.COM")

    assert (result.type, result.value, result.domain) == (
        ObservableType.email,
        "victim.support@mail.example.com",
        "example.com",
    )


def test_mailto_prefix_is_dropped() -> None:
    assert canonicalise("mailto:ops@example.com").value == "ops@example.com"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "@example.com",
            "'@example.com' is not an e-mail address: it needs the form name@domain",
        ),
        (
            "a..b@example.com",
            "'a..b@example.com' is not a valid e-mail address: the part before @ is malformed or too long",
        ),
        (
            "ops@-x.example",
            "'ops@-x.example' has a bad e-mail domain: '-x.example' is not a valid domain: label '-x' starts or ends with a hyphen",
        ),
    ],
)
def test_invalid_email_is_refused_with_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise(value, "email")

    assert caught.value.reason == reason


def test_url_scheme_and_host_are_lowercased_and_default_port_dropped() -> None:
    result = canonicalise(
        "HTTPS://Login.Evil.EXAMPLE:443/Account/Verify?Session=AbC#top"
    )

    assert result.type is ObservableType.url
    assert result.value == "https://login.evil.example/Account/Verify?Session=AbC"
    assert result.domain == "evil.example"


def test_url_keeps_non_default_port_and_gets_root_path() -> None:
    assert canonicalise("http://evil.example:8080").value == "http://evil.example:8080/"


def test_defanged_url_is_refanged() -> None:
    assert (
        canonicalise("hxxps://evil[.]example/login").value
        == "https://evil.example/login"
    )


def test_bare_host_and_path_given_as_url_gets_http() -> None:
    assert canonicalise("evil.example/pay", "url").value == "http://evil.example/pay"


def test_url_with_ip_host_has_no_registered_domain() -> None:
    result = canonicalise("http://[2001:DB8::1]:80/a")

    assert (result.value, result.domain) == ("http://[2001:db8::1]/a", None)


def test_url_with_decimal_ip_host_is_written_as_dotted_quad() -> None:
    assert canonicalise("http://3221225985/x").value == "http://192.0.2.1/x"


def test_url_keeps_userinfo_that_disguises_the_host() -> None:
    result = canonicalise("http://bank.example@evil.example/")

    assert (result.value, result.domain) == (
        "http://bank.example@evil.example/",
        "evil.example",
    )


def test_url_path_spaces_and_unicode_are_percent_encoded() -> None:
    assert (
        canonicalise("https://shop.example/ö ü").value
        == "https://shop.example/%C3%B6%20%C3%BC"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("http:///path", "'http:///path' is not a valid URL: it has no host"),
        (
            "http://localhost/",
            "'http://localhost/' has a bad host: 'localhost' is not a valid domain: a domain needs at least two labels, like example.com",
        ),
    ],
)
def test_invalid_url_is_refused_with_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidObservable) as caught:
        canonicalise(value, "url")

    assert caught.value.reason == reason


def test_url_with_port_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidObservable, match="not a valid URL"):
        canonicalise("http://evil.example:99999/", "url")
