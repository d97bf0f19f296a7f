import pytest

from aspjoc.observables import refang


@pytest.mark.parametrize(
    ("defanged", "plain"),
    [
        ("hxxps://evil[.]example/login", "https://evil.example/login"),
        ("HXXP://evil(.)example", "http://evil.example"),
        ("h**ps://evil{.}example", "https://evil.example"),
        ("fxp://files[.]example", "ftp://files.example"),
        ("evil[dot]example", "evil.example"),
        ("evil (DOT) example", "evil.example"),
        ("198.51.100[.]7", "198.51.100.7"),
        ("hxxp[:]//evil.example", "http://evil.example"),
        ("http[://]evil.example", "http://evil.example"),
        ("hxxp :// evil.example", "http://evil.example"),
        ("ops[@]mail.example", "ops@mail.example"),
        ("ops [at] mail [dot] example", "ops@mail.example"),
        ("evil\\.example", "evil.example"),
        ("evil.example[/]login", "evil.example/login"),
    ],
)
def test_defanged_forms_are_restored(defanged: str, plain: str) -> None:
    assert refang(defanged) == plain


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/login?next=/home",
        "2001:db8::/32",
        "see the report (page 4) [ref 2] {draft}",
        "a normal sentence: nothing to change",
    ],
)
def test_clean_text_is_unchanged(text: str) -> None:
    assert refang(text) == text
