"""Domain names and e-mail addresses, and the registered domain behind a host."""

from __future__ import annotations

import functools
import re

import idna
import tldextract

from aspjoc.errors import InvalidObservable

from .display import shown
from .types import Canonical, ObservableType

_DOMAIN = ObservableType.domain
_EMAIL = ObservableType.email

# Underscores are not valid in hostnames but occur in real DNS names (and in phishing
# hosts), so they are accepted everywhere except the top-level label.
_HOSTNAME = re.compile(
    r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})"
)
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# RFC 5322 dot-atom; quoted local parts are refused (they do not occur in intelligence).
_LOCAL_PART = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)


@functools.lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # suffix_list_urls=() keeps tldextract on its bundled snapshot (no network);
    # cache_dir=None keeps it from writing a cache under the user's home.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=1)
def _suffix_rules() -> tuple[frozenset[str], frozenset[str]]:
    """The public suffix list's ICANN rules as tldextract ships them ("co.uk", "*.kh", "!www.ck"),
    and every tail of a rule ("uk", "kh", "www.ck"): a host's suffix can only be longer than a
    tail it ends in.
    """
    rules = frozenset(_extractor().tlds)
    tails: set[str] = set()
    for rule in rules:
        labels = rule.lstrip("!").removeprefix("*.").split(".")
        tails.update(".".join(labels[i:]) for i in range(len(labels)))
    return rules, frozenset(tails)


def registered_domain(host: str) -> str:
    """Return the registrable domain of a canonical host ("a.b.example.co.uk" → "example.co.uk").

    Uses the public suffix list's ICANN section, so "x.github.io" gives "github.io". When the
    suffix is not on the list (".test", ".example", ".onion"), the last two labels are used.
    """
    if "xn--" in host:  # punycode labels are matched against the list's Unicode rules by tldextract
        found = _registered_domain_idna(host)
    else:
        start = _suffix_start(host)
        found = host[host.rfind(".", 0, start - 1) + 1:] if start else ""
    return found or ".".join(host.rsplit(".", 2)[-2:])


def _suffix_start(host: str) -> int | None:
    """Where the public suffix of ``host`` (lowercase ASCII) starts, by the list's rules; None when none applies.

    The list's algorithm, read from the right: the longest rule that matches wins, a wildcard
    ("*.kh") matches any one label more, and an exception ("!www.ck") makes the suffix its parent.
    It gives what tldextract gives (``tests/observables/test_observables_suffixes.py`` compares
    them) at a fraction of the cost: ingest looks up every URL's host.
    """
    rules, tails = _suffix_rules()
    found = None
    parent = ""
    start = len(host) + 1  # where the suffix read so far starts, plus one for its dot
    while start > 0:
        label_start = host.rfind(".", 0, start - 1) + 1
        suffix = host[label_start:]
        if "!" + suffix in rules:
            return start
        if suffix in rules or (parent and "*." + parent in rules):
            found = label_start
        if suffix not in tails:
            break
        parent, start = suffix, label_start
    return found


@functools.lru_cache(maxsize=1 << 12)
def _registered_domain_idna(host: str) -> str:
    """tldextract's registered domain of a punycode host; "" when its suffix is on no rule."""
    return _extractor()(host).top_domain_under_public_suffix


@functools.lru_cache(maxsize=1 << 16)
def canonical_hostname(value: str) -> str:
    """Return the host lowercased, as IDNA punycode, without a trailing dot.

    Needs at least two labels and a letter (or ``xn--``) top-level label, so "localhost" and
    "192.0.2.1" are refused. Raises InvalidObservable naming the label at fault.
    """
    host = value.strip().lower()
    host = host.removesuffix(".")
    if not host.isascii():
        host = _to_punycode(value, host)
    if len(host) <= 253 and _HOSTNAME.fullmatch(host):
        return host
    raise InvalidObservable(
        "value", f"{shown(value)} is not a valid domain: {_hostname_fault(host)}"
    )


def canonical_domain(value: str) -> Canonical:
    """Return the canonical host with its registered domain; see ``canonical_hostname``."""
    host = canonical_hostname(value)
    return Canonical(_DOMAIN, host, domain=registered_domain(host))


def canonical_email(value: str) -> Canonical:
    """Return ``local@domain`` all lowercase, the domain as in ``canonical_hostname``.

    A ``mailto:`` prefix is dropped. The local part is lowercased because every large mail
    provider treats it case-insensitively; provider tricks (dots, +tags) are kept as written.
    """
    text = value.strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    local, at, host = text.rpartition("@")
    if not at or not local or not host:
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not an e-mail address: it needs the form name@domain",
        )
    local = local.lower()
    if len(local) > 64 or not _LOCAL_PART.fullmatch(local):
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not a valid e-mail address: the part before @ is malformed or too long",
        )
    try:
        domain = canonical_hostname(host)
    except InvalidObservable as exc:
        raise InvalidObservable(
            "value", f"{shown(value)} has a bad e-mail domain: {exc.reason}"
        ) from None
    return Canonical(_EMAIL, f"{local}@{domain}", domain=registered_domain(domain))


def _to_punycode(original: str, host: str) -> str:
    # UTS 46 non-transitional mapping is what current browsers resolve, so "faß.de" stays
    # distinct from "fass.de" (Python's own "idna" codec is IDNA 2003 and folds them).
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidObservable(
            "value", f"{shown(original)} is not a valid internationalised domain: {exc}"
        ) from None


def _hostname_fault(host: str) -> str:
    if not host:
        return "it is empty"
    if len(host) > 253:
        return "it is longer than 253 characters"
    labels = host.split(".")
    if len(labels) < 2:
        return "a domain needs at least two labels, like example.com"
    for label in labels:
        if not label:
            return "it has an empty label (two dots in a row, or a leading dot)"
        if len(label) > 63:
            return f"label {shown(label)} is longer than 63 characters"
        if label[0] == "-" or label[-1] == "-":
            return f"label {shown(label)} starts or ends with a hyphen"
        if not _LABEL.fullmatch(label):
            return f"label {shown(label)} has characters other than letters, digits, hyphens and underscores"
    return f"the top-level label {shown(labels[-1])} must be letters (or xn-- punycode)"
