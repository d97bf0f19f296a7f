"""URLs: one canonical spelling per resource, so feeds that differ in case or port agree."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, quote, urlsplit

from aspjoc.errors import InvalidObservable

from .display import shown
from .network import canonical_ipv4, canonical_ipv6
from .types import Canonical, ObservableType
from .web import canonical_hostname, registered_domain

_URL = ObservableType.url

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_DEFANGED_SCHEMES = {"hxxp": "http", "hxxps": "https", "fxp": "ftp"}
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
# Everything RFC 3986 allows unescaped in a path, plus "%" so existing escapes survive;
# spaces and non-ASCII get percent-encoded, the way browsers send them.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def canonical_url(value: str) -> Canonical:
    """Return ``scheme://host[:port]/path[?query]`` with ``domain`` set for hostname URLs.

    The scheme and host are lowercased (host as IDNA punycode; ``hxxp`` becomes ``http``),
    a default port is dropped, an empty path becomes ``/``, spaces and non-ASCII in the
    path are percent-encoded, the fragment is dropped and the query is kept as written.
    ``host/path`` without a scheme is read as ``http://``. User info is kept: phishing
    URLs such as ``http://bank.example@evil.example/`` depend on it.
    """
    text = value.strip()
    if not _SCHEME.match(text):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidObservable(
            "value", f"{shown(value)} is not a valid URL: {exc}"
        ) from None
    scheme = _DEFANGED_SCHEMES.get(parts.scheme, parts.scheme)
    host, domain = _host(value, parts)
    netloc = (
        host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    )
    userinfo = parts.netloc.rpartition("@")[0]
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    query = f"?{parts.query}" if parts.query else ""
    return Canonical(_URL, f"{scheme}://{netloc}{path}{query}", domain=domain)


def _host(value: str, parts: SplitResult) -> tuple[str, str | None]:
    """Return the canonical host text for the URL and its registered domain (None for IPs)."""
    host = parts.hostname
    if not host:
        raise InvalidObservable(
            "value", f"{shown(value)} is not a valid URL: it has no host"
        )
    try:
        if ":" in host:
            return f"[{canonical_ipv6(host).value}]", None
        if host.replace(".", "").isdigit():
            return _numeric_host(host), None
        name = canonical_hostname(host)
    except InvalidObservable as exc:
        raise InvalidObservable(
            "value", f"{shown(value)} has a bad host: {exc.reason}"
        ) from None
    return name, registered_domain(name)


def _numeric_host(host: str) -> str:
    # Browsers read a bare number as an IPv4 address ("http://3221225985/" is 192.0.2.1);
    # phishing links use that to hide the address, so it is written as a dotted quad.
    if host.isdigit() and int(host) < 2**32:
        number = int(host)
        return f"{number >> 24}.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
    return canonical_ipv4(host).value
