"""Find identifiers in free text: a pasted report, an e-mail, a chat export."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

import phonenumbers

from aspjoc.errors import InvalidObservable

from .canonical import canonicalise
from .countries import normalise_region
from .crypto import CHAIN_ALIASES
from .refang import refang
from .social import PLATFORM_ALIASES
from .types import Canonical, ObservableType

T = ObservableType

# Where two findings overlap, the lower rank wins: a URL keeps the IP or hash in it, a
# t.me link is a Telegram handle rather than a URL, an IBAN's digits are not a phone.
_PREFIXED, _SOCIAL_LINK, _LOCATOR, _ACCOUNT, _ADDRESS, _DOMAIN, _PHONE = range(7)

# ioc_finder result key → (type, rank). Keys checked against ioc_finder 9.4.
_IOC_FINDER_KEYS: dict[str, tuple[ObservableType, int]] = {
    "urls": (T.url, _LOCATOR),
    "email_addresses": (T.email, _LOCATOR),
    "ipv4_cidrs": (T.cidr, _ACCOUNT),
    "ipv6_cidrs": (T.cidr, _ACCOUNT),
    "bitcoin_addresses": (T.crypto_wallet, _ACCOUNT),
    "ipv4s": (T.ipv4, _ADDRESS),
    "ipv6s": (T.ipv6, _ADDRESS),
    "md5s": (T.md5, _ADDRESS),
    "sha1s": (T.sha1, _ADDRESS),
    "sha256s": (T.sha256, _ADDRESS),
    "domains": (T.domain, _DOMAIN),
}

_PREFIX_NAMES = "|".join(
    re.escape(name)
    for name in sorted({*CHAIN_ALIASES, *PLATFORM_ALIASES}, key=len, reverse=True)
)
# "telegram:@name", "telegram: @name" or "telegram:name"; "line: 42" (a space, no @) is prose.
_PREFIXED_RE = re.compile(
    rf"(?<![\w-])({_PREFIX_NAMES})(?::[ \t]*@|:)([A-Za-z0-9+][A-Za-z0-9._#+-]*[A-Za-z0-9])",
    re.IGNORECASE,
)
_APP_RE = re.compile(
    r"(?<![\w-])app:[ \t]*([A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+)", re.IGNORECASE
)
_TELEGRAM_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:s/)?@?([A-Za-z][A-Za-z0-9_]{3,31})(?![\w])",
    re.IGNORECASE,
)
_TELEGRAM_PATHS = frozenset(
    {
        "joinchat",
        "addstickers",
        "addemoji",
        "addtheme",
        "share",
        "proxy",
        "socks",
        "login",
        "setlanguage",
        "confirmphone",
        "contact",
        "invoice",
        "boost",
    }
)
_WHATSAPP_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?wa\.me/\+?([0-9]{7,15})(?![\w])", re.IGNORECASE
)
_TIKTOK_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?tiktok\.com/@([A-Za-z0-9._]{1,24})(?<!\.)", re.IGNORECASE
)
# ioc_finder only knows delegated TLDs; links and addresses on reserved names (RFC 2606) and
# any scheme URL are found here too, overlapping results collapse below.
_URL_RE = re.compile(r"\b(?:https?|ftps?|wss?)://[^\s<>\"'`]+", re.IGNORECASE)
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+"
)
_RESERVED_DOMAIN_RE = re.compile(
    r"(?<![\w.-])(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+(?:test|example|invalid)(?![\w-])",
    re.IGNORECASE,
)
_ETH_RE = re.compile(r"(?<![\w])0x[0-9a-fA-F]{40}(?![\w])")
_TRON_RE = re.compile(r"(?<![\w])T[1-9A-HJ-NP-Za-km-z]{33}(?![\w])")
_IBAN_RE = re.compile(
    r"(?<![\w])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![\w])"
)
_BANK_ACCOUNT_RE = re.compile(
    r"(?<![\w:])[A-Z]{2}:[A-Za-z0-9]{1,15}:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?![\w:])"
)
_TRAILING_PUNCTUATION = ".,;:!?'\")]}>"
# ioc_finder's time grows with the square of a long token or a run of brackets (50,000 "["
# took two minutes), so it is fed pieces of at most this many characters, whole lines where
# possible, and bracket runs (meaningless once refanged) are blanked.
_CHUNK = 4000
_BRACKET_RUN = re.compile(r"[\[\](){}]{4,}")


class _Finding(NamedTuple):
    rank: int
    start: int
    end: int
    canonical: Canonical


def extract(text: str, *, default_region: str | None = None) -> list[Canonical]:
    """Return the identifiers found in ``text``, canonical and de-duplicated, in order of first appearance.

    The text is refanged first. ``default_region`` lets phone numbers without ``+`` be
    found; without it only international numbers are. Where findings overlap the more
    specific one wins (a URL over the domain inside it; a ``t.me/name`` link becomes a
    Telegram handle). Anything that fails canonicalisation is skipped silently.
    """
    fanged = refang(text)
    region = normalise_region(default_region)
    findings = [
        *_library_findings(fanged),
        *_pattern_findings(fanged),
        *_phone_findings(fanged, region),
    ]
    kept = _without_overlaps(findings)
    seen: set[tuple[ObservableType, str]] = set()
    result: list[Canonical] = []
    for finding in sorted(kept, key=lambda item: item.start):
        key = (finding.canonical.type, finding.canonical.value)
        if key not in seen:
            seen.add(key)
            result.append(finding.canonical)
    return result


def _library_findings(text: str) -> Iterator[_Finding]:
    found: dict[str, dict[str, None]] = {key: {} for key in _IOC_FINDER_KEYS}
    for chunk in _chunks(_BRACKET_RUN.sub(" ", text)):
        for key, values in _find_iocs(chunk).items():
            if key in found and isinstance(values, list):
                found[key].update(dict.fromkeys(values))
    lowered = text.lower()
    for key, (kind, rank) in _IOC_FINDER_KEYS.items():
        for value in found[key]:
            canonical = _canonical(value, kind)
            if canonical is not None:
                for start in _positions(lowered, value.lower()):
                    yield _Finding(rank, start, start + len(value), canonical)


def _find_iocs(text: str) -> Mapping[str, object]:
    # ioc_finder takes about half a second to import; only extraction needs it.
    from ioc_finder import find_iocs

    # Domains inside e-mail addresses are left in (turning that off makes ioc_finder parse
    # every address twice); the e-mail finding outranks them where they overlap.
    return find_iocs(
        text,
        parse_domain_from_url=False,
        parse_from_url_path=False,
        parse_address_from_cidr=False,
        included_ioc_types=list(_IOC_FINDER_KEYS),
    )


def _chunks(text: str) -> Iterator[str]:
    """Yield ``text`` in pieces of at most ``_CHUNK`` characters, cut at line ends or spaces."""
    piece = ""
    for line in text.splitlines(keepends=True):
        if len(piece) + len(line) > _CHUNK and piece:
            yield piece
            piece = ""
        while len(line) > _CHUNK:
            cut = line.rfind(" ", 0, _CHUNK) + 1 or _CHUNK
            yield line[:cut]
            line = line[cut:]
        piece += line
    if piece:
        yield piece


def _pattern_findings(text: str) -> Iterator[_Finding]:
    for match in _PREFIXED_RE.finditer(text):
        yield from _found(_PREFIXED, match, f"{match.group(1)}:{match.group(2)}", None)
    for match in _APP_RE.finditer(text):
        yield from _found(_PREFIXED, match, match.group(1), T.app)
    for match in _TELEGRAM_LINK.finditer(text):
        if match.group(1).lower() not in _TELEGRAM_PATHS:
            yield from _found(
                _SOCIAL_LINK, match, f"telegram:{match.group(1)}", T.social_handle
            )
    for match in _WHATSAPP_LINK.finditer(text):
        yield from _found(
            _SOCIAL_LINK, match, f"whatsapp:+{match.group(1)}", T.social_handle
        )
    for match in _TIKTOK_LINK.finditer(text):
        yield from _found(
            _SOCIAL_LINK, match, f"tiktok:{match.group(1)}", T.social_handle
        )
    for match in _URL_RE.finditer(text):
        url = match.group(0).rstrip(_TRAILING_PUNCTUATION)
        yield from _found(_LOCATOR, match, url, T.url, end=match.start() + len(url))
    for match in _EMAIL_RE.finditer(text):
        yield from _found(_LOCATOR, match, match.group(0).rstrip("."), T.email)
    for pattern, kind, rank in (
        (_ETH_RE, T.crypto_wallet, _ACCOUNT),
        (_TRON_RE, T.crypto_wallet, _ACCOUNT),
        (_BANK_ACCOUNT_RE, T.bank_account, _ACCOUNT),
        (_RESERVED_DOMAIN_RE, T.domain, _DOMAIN),
    ):
        for match in pattern.finditer(text):
            yield from _found(rank, match, match.group(0), kind)
    for match in _IBAN_RE.finditer(text):
        yield from _iban(match)


def _iban(match: re.Match[str]) -> Iterator[_Finding]:
    # The grouped pattern can run on into a following word of capitals and digits;
    # drop trailing groups until the check digits agree.
    groups = match.group(0).split(" ")
    while len("".join(groups)) >= 15:
        canonical = _canonical(" ".join(groups), T.iban)
        if canonical is not None:
            yield _Finding(
                _ACCOUNT,
                match.start(),
                match.start() + len(" ".join(groups)),
                canonical,
            )
            return
        groups.pop()
        if len(groups) == 1:
            return


def _phone_findings(text: str, region: str | None) -> Iterator[_Finding]:
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        canonical = _canonical(match.raw_string, T.phone, region)
        if canonical is not None:
            yield _Finding(_PHONE, match.start, match.end, canonical)


def _found(
    rank: int,
    match: re.Match[str],
    value: str,
    kind: ObservableType | None,
    *,
    end: int | None = None,
) -> Iterator[_Finding]:
    canonical = _canonical(value, kind)
    if canonical is not None:
        yield _Finding(
            rank, match.start(), match.end() if end is None else end, canonical
        )


def _canonical(
    value: str, kind: ObservableType | None, region: str | None = None
) -> Canonical | None:
    try:
        return canonicalise(value, kind, default_region=region)
    except InvalidObservable:
        return None


def _positions(lowered: str, needle: str) -> Iterator[int]:
    start = lowered.find(needle)
    if start < 0:
        # ioc_finder rewrote the value (its own refanging); keep it, placed last.
        yield len(lowered)
    while start >= 0:
        yield start
        start = lowered.find(needle, start + 1)


def _without_overlaps(findings: list[_Finding]) -> list[_Finding]:
    """Keep the best finding for every stretch of text: lowest rank, then earliest, then longest."""
    kept: list[_Finding] = []
    spans: list[tuple[int, int]] = []  # kept spans, sorted and disjoint
    for finding in sorted(
        findings, key=lambda item: (item.rank, item.start, item.start - item.end)
    ):
        index = bisect.bisect_left(spans, (finding.start, finding.end))
        if index > 0 and spans[index - 1][1] > finding.start:
            continue
        if index < len(spans) and spans[index][0] < finding.end:
            continue
        spans.insert(index, (finding.start, finding.end))
        kept.append(finding)
    return kept
