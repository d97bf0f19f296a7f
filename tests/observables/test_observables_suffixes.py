"""The registered domain read from the public suffix list by ``web`` is the one tldextract gives."""

import idna
from hypothesis import given, settings
from hypothesis import strategies as st

from aspjoc.observables import web


def reference(host: str) -> str:
    """tldextract's answer, with the module's fallback for hosts on no rule."""
    return web._extractor()(host).top_domain_under_public_suffix or ".".join(host.rsplit(".", 2)[-2:])


def ascii_rules() -> list[str]:
    rules, _ = web._suffix_rules()
    return sorted(rule for rule in rules if rule.isascii())


def hosts_under(rule: str) -> list[str]:
    """The rule itself and one and two labels below it, a wildcard filled in."""
    base = rule.lstrip("!").replace("*", "wild")
    return [base, f"a.{base}", f"b.a.{base}", f"www.{base}"]


def test_every_rule_of_the_list_gives_what_tldextract_gives() -> None:
    rules = ascii_rules()
    assert len(rules) > 5000  # the bundled list, ICANN section
    for rule in rules:
        for host in hosts_under(rule):
            assert web.registered_domain(host) == reference(host), host


def test_the_regions_wildcards_and_exceptions() -> None:
    assert web.registered_domain("shop.evil.com.kh") == "evil.com.kh"  # *.kh
    assert web.registered_domain("pay.bank.com.pg") == "bank.com.pg"  # *.pg
    assert web.registered_domain("www.ck") == "www.ck"  # !www.ck under *.ck
    assert web.registered_domain("a.b.co.ck") == "b.co.ck"
    assert web.registered_domain("login.city.kawasaki.jp") == "city.kawasaki.jp"  # !city.kawasaki.jp
    assert web.registered_domain("cdn.shop.co.uk") == "shop.co.uk"
    assert web.registered_domain("a.b.example.test") == "example.test"  # on no rule: the last two labels
    assert web.registered_domain("co.uk") == "co.uk"  # a suffix itself
    assert web.registered_domain("x.github.io") == "github.io"  # the private section is not used


def test_punycode_hosts_are_matched_against_unicode_rules() -> None:
    host = "shop." + idna.encode("пример.рф").decode()
    assert web.registered_domain(host) == reference(host) == idna.encode("пример.рф").decode()


LABELS = st.sampled_from(["com", "co", "uk", "kh", "ck", "www", "jp", "kawasaki", "city", "net", "gov", "ph", "th",
                          "in", "ac", "go", "or", "edu", "my", "fj", "to", "ws", "sch", "a", "b1", "x-y", "_dmarc"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(LABELS, min_size=2, max_size=6))
def test_hosts_made_of_suffix_labels_agree_with_tldextract(labels: list[str]) -> None:
    host = ".".join(labels)

    assert web.registered_domain(host) == reference(host)
