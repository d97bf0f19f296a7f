"""A small TAXII 2.1 client over httpx: get a page of objects (with its date-added headers), add objects, poll status.

taxii2-client returns parsed bodies only, while resuming a pull needs the
``X-TAXII-Date-Added-Last`` header of each page, so the sync speaks HTTP itself. It talks to
this project's server and to the OASIS reference server (medallion) alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from aspjoc.sharing.taxii.media import TAXII_MEDIA

STATUS_POLL_SECONDS = 1.0
STATUS_TIMEOUT_SECONDS = 120.0


class RemoteUnavailable(Exception):
    """The remote could not be reached or the link broke mid-request."""


class RemoteRefused(Exception):
    """The remote answered with an error; ``status`` is the HTTP status, the message its TAXII description."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


@dataclass(frozen=True)
class RemotePage:
    objects: list[dict[str, Any]]
    more: bool
    next: str | None
    added_last: str | None


class TaxiiClient:
    """One remote API root; credentials are HTTP basic (user and password or token) or a bearer token."""

    def __init__(self, api_root_url: str, auth: str = "basic", username: str = "", secret: str = "",
                 timeout: float = 60.0) -> None:
        headers = {"Accept": TAXII_MEDIA, "User-Agent": "aspjoc-sync"}
        basic: tuple[str, str] | None = None
        if auth == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        elif auth == "basic":
            basic = (username, secret)
        self.root = api_root_url if api_root_url.endswith("/") else api_root_url + "/"
        self.http = httpx.Client(headers=headers, auth=basic, timeout=timeout, follow_redirects=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.http.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            reply = self.http.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            raise RemoteUnavailable(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
        if reply.status_code >= 400:
            try:
                body = reply.json()
                message = str(body.get("description") or body.get("title") or reply.text[:200])
            except ValueError:
                message = reply.text[:200]
            raise RemoteRefused(reply.status_code, message)
        return reply

    def _json(self, reply: httpx.Response) -> dict[str, Any]:
        try:
            body = reply.json()
        except ValueError as exc:
            raise RemoteRefused(reply.status_code, f"the reply is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise RemoteRefused(reply.status_code, "the reply is not a JSON object")
        return body

    def get_objects(self, collection_id: str, added_after: str | None = None, next_token: str | None = None,
                    limit: int | None = None) -> RemotePage:
        params: dict[str, str] = {}
        if added_after:
            params["added_after"] = added_after
        if next_token:
            params["next"] = next_token
        if limit:
            params["limit"] = str(limit)
        reply = self._send("GET", f"{self.root}collections/{collection_id}/objects/", params=params)
        body = self._json(reply)
        return RemotePage(list(body.get("objects") or []), bool(body.get("more", False)), body.get("next") or None,
                          reply.headers.get("X-TAXII-Date-Added-Last"))

    def add_objects(self, collection_id: str, objects: list[dict[str, Any]]) -> dict[str, Any]:
        """Add ``objects`` as one envelope and wait until the status is complete; returns the status resource."""
        reply = self._send("POST", f"{self.root}collections/{collection_id}/objects/", json={"objects": objects},
                           headers={"Content-Type": TAXII_MEDIA})
        status = self._json(reply)
        deadline = time.monotonic() + STATUS_TIMEOUT_SECONDS
        while status.get("status") != "complete":
            if time.monotonic() > deadline:
                raise RemoteRefused(504, f"status {status.get('id')} still pending after {STATUS_TIMEOUT_SECONDS:.0f} s")
            time.sleep(STATUS_POLL_SECONDS)
            # TAXII 2.1 §4.3: the status resource is <api-root>/status/<id>.
            status = self._json(self._send("GET", f"{self.root}status/{status['id']}/"))
        return status
