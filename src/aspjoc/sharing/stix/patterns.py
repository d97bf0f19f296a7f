"""STIX patterns for canonical observables, and the identifiers inside simple patterns read back.

Standard cyber-observable types cover network and file identifiers. STIX 2.1 has no object for
phone numbers, bank accounts, crypto wallets, social handles or mobile apps, so their patterns
use custom observable types whose ``value`` is aspjoc's canonical form (docs/sharing.md):

====================  ==========================================  =========================
aspjoc type           pattern                                     value
====================  ==========================================  =========================
phone                 ``[x-aspjoc-phone:value = '…']``            E.164, ``+6799990001``
bank_account          ``[x-aspjoc-bank-account:value = '…']``     ``MY:951:520384661730``
iban                  ``[x-aspjoc-bank-account:iban = '…']``      ``DE89370400440532013000``
crypto_wallet         ``[x-aspjoc-crypto-wallet:value = '…']``    ``tron:T…`` (chain:address)
social_handle         ``[x-aspjoc-social-handle:value = '…']``    ``telegram:name``
app                   ``[x-aspjoc-app:value = '…']``              package id
====================  ==========================================  =========================

Only the pattern names these types; no custom object is ever emitted, so bundles validate
without custom-object warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.pattern import Pattern

from aspjoc.errors import InvalidInput

# (STIX object type, property path) of each aspjoc observable type.
PATH_OF: dict[str, tuple[str, str]] = {
    "ipv4": ("ipv4-addr", "value"),
    "ipv6": ("ipv6-addr", "value"),
    "domain": ("domain-name", "value"),
    "url": ("url", "value"),
    "email": ("email-addr", "value"),
    "md5": ("file", "hashes.MD5"),
    "sha1": ("file", "hashes.'SHA-1'"),
    "sha256": ("file", "hashes.'SHA-256'"),
    "phone": ("x-aspjoc-phone", "value"),
    "bank_account": ("x-aspjoc-bank-account", "value"),
    "iban": ("x-aspjoc-bank-account", "iban"),
    "crypto_wallet": ("x-aspjoc-crypto-wallet", "value"),
    "social_handle": ("x-aspjoc-social-handle", "value"),
    "app": ("x-aspjoc-app", "value"),
}
_TYPE_OF: dict[tuple[str, str], str] = {
    (obj, path.replace("'", "")): kind for kind, (obj, path) in PATH_OF.items()
} | {("file", "hashes.SHA1"): "sha1", ("file", "hashes.SHA256"): "sha256", ("file", "hashes.SHA-256"): "sha256",
     ("file", "hashes.SHA-1"): "sha1"}
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'")
_NOT_PLAIN = re.compile(r"\b(AND|FOLLOWEDBY|NOT|WITHIN|REPEATS|START|STOP|LIKE|MATCHES|IN|ISSUBSET|ISSUPERSET)\b|[<>!]")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(obs_type: str, value: str) -> str:
    """The STIX pattern matching the canonical ``value`` of ``obs_type`` (a CIDR is an address range)."""
    if obs_type == "cidr":
        obj, path = ("ipv6-addr" if ":" in value else "ipv4-addr"), "value"
    else:
        obj, path = PATH_OF[obs_type]
    return f"[{obj}:{path} = {_quote(value)}]"


@dataclass(frozen=True)
class PatternTerm:
    """One identifier named by a pattern: its aspjoc type and the value as written."""

    type: str
    value: str


def _unquote(text: str) -> str:
    inner = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text
    return re.sub(r"\\(.)", r"\1", inner)


def terms_of(pattern: str, field: str = "pattern") -> list[PatternTerm]:
    """The identifiers a plain pattern names: ``=`` comparisons joined by OR, in one or more observations.

    Raises InvalidInput for a pattern that does not parse, that combines comparisons with AND,
    FOLLOWEDBY or qualifiers (those describe a situation, not an identifier), or that names no
    identifier type aspjoc stores.
    """
    try:
        data = Pattern(pattern).inspect()
    except (ParseException, ValueError, TypeError) as exc:
        raise InvalidInput(field, f"not a STIX 2.1 pattern: {exc}") from exc
    if _NOT_PLAIN.search(_QUOTED.sub("''", pattern)) or data.qualifiers:
        raise InvalidInput(field, "only '=' comparisons joined by OR name identifiers; this pattern describes a combination")
    terms: list[PatternTerm] = []
    for obj, comparisons in data.comparisons.items():
        for path, op, raw in comparisons:
            kind = _TYPE_OF.get((obj, ".".join(str(p) for p in path)))
            if op != "=" or kind is None:
                raise InvalidInput(field, f"{obj}:{'.'.join(map(str, path))} is not an identifier type aspjoc stores")
            value = _unquote(str(raw))
            if kind in ("ipv4", "ipv6") and "/" in value:
                kind = "cidr"
            terms.append(PatternTerm(kind, value))
    if not terms:
        raise InvalidInput(field, "the pattern names no identifier")
    return terms
