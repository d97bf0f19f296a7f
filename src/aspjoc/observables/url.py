"""URLs: one canonical spelling per resource, so feeds that differ in case or port agree."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

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
# The shape most feed URLs have: a known scheme, a plain host, maybe a port, a path of
# characters ``quote`` leaves alone and a query without fragment, space or control
# characters. Such a URL is canonicalised without ``urlsplit`` and ``quote``, to the same
# result (``tests/observables/test_observables_url_fast.py`` compares the two ways);
# anything else takes the general way.
_PLAIN = re.compile(
    r"(?P<scheme>https?|hxxps?|ftp|fxp)://(?P<host>[A-Za-z0-9_.-]+)(?::(?P<port>[0-9]{1,5}))?"
    r"(?P<path>/[A-Za-z0-9/%:@!$&'()*+,;=._~-]*)?(?:\?(?P<query>[!-\"$-~]*))?",
    re.IGNORECASE,
)


def canonical_url(value: str) -> Canonical:
    """Return ``scheme://host[:port]/path[?query]`` with ``domain`` set for hostname URLs.

    The scheme and host are lowercased (host as IDNA punycode; ``hxxp`` becomes ``http``),
    a default port is dropped, an empty path becomes ``/``, spaces and non-ASCII in the
    path are percent-encoded, the fragment is dropped and the query is kept as written.
    ``host/path`` without a scheme is read as ``http://``. User info is kept: phishing
    URLs such as ``http://bank.example@evil.example/`` depend on it.
    """
    text = value.strip()
    plain = _PLAIN.fullmatch(text)
    if plain is not None:
        return _canonical_plain(value, plain)
    return _canonical_general(value, text)


def _canonical_plain(value: str, match: re.Match[str]) -> Canonical:
    """``canonical_url`` of a URL of the ``_PLAIN`` shape."""
    scheme, host_text, port_text, path, query = match.group("scheme", "host", "port", "path", "query")
    scheme = scheme.lower()
    scheme = _DEFANGED_SCHEMES.get(scheme, scheme)
    port = None if port_text is None else int(port_text)
    if port is not None and port > 65535:
        return _canonical_general(value, value.strip())  # which refuses it, saying why
    host, domain = _host(value, host_text.lower())
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return Canonical(_URL, f"{scheme}://{netloc}{path or '/'}{'?' + query if query else ''}", domain=domain)


def _canonical_general(value: str, text: str) -> Canonical:
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
    host, domain = _host(value, parts.hostname)
    netloc = (
        host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    )
    userinfo = parts.netloc.rpartition("@")[0]
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    query = f"?{parts.query}" if parts.query else ""
    return Canonical(_URL, f"{scheme}://{netloc}{path}{query}", domain=domain)


def _host(value: str, host: str | None) -> tuple[str, str | None]:
    """Return the canonical host text for the URL and its registered domain (None for IPs).

    ``host`` is the URL's host as ``urlsplit`` gives it: lowercased, without brackets.
    """
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
