"""Conditional HTTP fetches: an unchanged feed costs one request and no body (RFC 9110 §13.1).

The body goes to a temporary file in chunks, so memory does not grow with the feed, and the
ingest reads it back as a stream.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import BinaryIO, cast

import httpx

from aspjoc import __version__
from aspjoc.errors import AspjocError
from aspjoc.intel.formats.base import Opener

MAX_BYTES = 2 << 30
CHUNK = 1 << 16
TIMEOUT = httpx.Timeout(60.0, connect=15.0)
USER_AGENT = f"aspjoc/{__version__} (feed poller)"


class FetchFailed(AspjocError):
    """The feed could not be fetched: no answer, an HTTP error status, or a body over the size limit."""

    status_code = 502
    code = "fetch_failed"

    def __init__(self, reason: str, http_status: int | None = None) -> None:
        super().__init__("url", reason)
        self.http_status = http_status


@dataclass
class Fetched:
    """A fetch's answer: 304 (``body`` None) or 200 with the body spooled to ``body``."""

    status: int
    body: BinaryIO | None
    size: int
    etag: str | None
    last_modified: str | None

    @property
    def unchanged(self) -> bool:
        return self.status == 304


def new_client() -> httpx.Client:
    """The HTTP client the worker shares between fetches (connection reuse, redirects followed, one timeout)."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=True, headers={"User-Agent": USER_AGENT})


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """If-None-Match and If-Modified-Since from the last stored fetch (a server honours either)."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _spool(reply: httpx.Response, limit: int) -> tuple[BinaryIO, int]:
    body = cast(BinaryIO, tempfile.TemporaryFile())
    size = 0
    try:
        for chunk in reply.iter_bytes(CHUNK):
            size += len(chunk)
            if size > limit:
                raise FetchFailed(f"the feed is larger than {limit:,} bytes", reply.status_code)
            body.write(chunk)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body, size


def fetch(client: httpx.Client, url: str, etag: str | None = None, last_modified: str | None = None,
          limit: int = MAX_BYTES) -> Fetched:
    """GET ``url`` with the validators of the last fetch; the caller closes ``body``.

    Raises FetchFailed for a network error, a timeout, a status other than 200 or 304, or a
    body over ``limit`` bytes.
    """
    try:
        with client.stream("GET", url, headers=conditional_headers(etag, last_modified)) as reply:
            if reply.status_code == 304:
                return Fetched(304, None, 0, etag, last_modified)
            if reply.status_code != 200:
                raise FetchFailed(f"{url} answered HTTP {reply.status_code} {reply.reason_phrase}".rstrip(), reply.status_code)
            body, size = _spool(reply, limit)
            return Fetched(200, body, size, reply.headers.get("etag"), reply.headers.get("last-modified"))
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{url}: {type(exc).__name__}: {exc}") from exc


def sibling_opener(client: httpx.Client, base_url: str) -> Opener:
    """Opens files beside ``base_url`` (a MISP feed's event files next to its manifest.json)."""
    folder = base_url.rsplit("/", 1)[0] + "/"

    def open_sibling(name: str) -> AbstractContextManager[BinaryIO]:
        @contextmanager
        def remote() -> Iterator[BinaryIO]:
            fetched = fetch(client, folder + name)
            assert fetched.body is not None
            with fetched.body as body:
                yield body
        return remote()

    return open_sibling

