"""TAXII 2.1 media types, responses and error bodies.

Every TAXII reply — errors included — carries ``application/taxii+json;version=2.1``:
taxii2-client refuses a reply whose Content-Type lacks it (TAXII 2.1 §1.6.8).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

TAXII_MEDIA = "application/taxii+json;version=2.1"
TAXII_BASE = "application/taxii+json"
# What a POST body may be labelled: TAXII envelopes, and STIX bundles as stix2's sink sends them.
POST_MEDIA = ("application/taxii+json", "application/stix+json", "application/json")
AUTH_CHALLENGE = 'Basic realm="aspjoc TAXII", Bearer realm="aspjoc TAXII"'


def taxii_json(content: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A TAXII reply: compact JSON in the TAXII media type.

    orjson, because encoding a page of a thousand indicators with the standard library took about
    half of the serving time (bench/taxii.py).
    """
    return Response(orjson.dumps(content), status_code=status, media_type=TAXII_MEDIA, headers=headers)


class TaxiiError(Exception):
    """An error answered with a TAXII error message (§3.6.1): ``{title, description, http_status}``."""

    def __init__(self, status: int, title: str, description: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {title}: {description}")
        self.status = status
        self.title = title
        self.description = description
        self.headers = headers

    def response(self) -> Response:
        return taxii_json({"title": self.title, "description": self.description, "http_status": str(self.status)},
                          self.status, self.headers)


def not_found(what: str) -> TaxiiError:
    return TaxiiError(404, "Not Found", f"{what} does not exist or is not visible to you")


def unauthenticated(description: str) -> TaxiiError:
    return TaxiiError(401, "Unauthorized", description, {"WWW-Authenticate": AUTH_CHALLENGE})


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    ranges = []
    for item in header.split(","):
        kind, *params = [p.strip() for p in item.split(";")]
        options = dict(p.split("=", 1) for p in params if "=" in p)
        ranges.append((kind.lower(), {k.strip().lower(): v.strip().strip('"') for k, v in options.items()}))
    return ranges


def check_accept(request: Request) -> None:
    """Refuse (406) an Accept header that admits no TAXII 2.1 reply.

    ``application/taxii+json`` without a version is accepted as 2.1 (§1.6.8.1: a missing version
    means the latest the server supports), as are ``*/*`` and ``application/*``.
    """
    header = request.headers.get("accept", "")
    if not header.strip():
        return
    for kind, params in _media_ranges(header):
        if kind in ("*/*", "application/*"):
            return
        if kind == TAXII_BASE and params.get("version", "2.1") == "2.1":
            return
    raise TaxiiError(406, "Not Acceptable", f"this server answers {TAXII_MEDIA}; the Accept header was '{header}'")


def check_content_type(request: Request) -> None:
    """Refuse (415) a POST body that is not labelled as a TAXII envelope or a STIX bundle (version 2.1 if given)."""
    header = request.headers.get("content-type", "")
    ranges = _media_ranges(header) if header else []
    for kind, params in ranges:
        if kind in POST_MEDIA and params.get("version", "2.1") == "2.1":
            return
    raise TaxiiError(415, "Unsupported Media Type",
                     f"send the objects as {TAXII_MEDIA} (or a STIX 2.1 bundle); the Content-Type was '{header}'")
