"""REST routes of the MISP exchange under /api/v1: the MISP feed export."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from aspjoc.sharing.misp import feed
from aspjoc.web.deps import DbSession, Now, SignedIn

router = APIRouter(tags=["misp"])
CHUNK = 1 << 16


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


@router.get("/export/misp-feed", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}, "description": "A zip of manifest.json, <uuid>.json per event and hashes.csv."}})
def export_misp_feed(
    principal: SignedIn, session: DbSession, now: Now,
    since: Annotated[str | None, Query(description="Events changed since: Unix seconds, ISO time or a span such as 7d.")] = None,
    org: Annotated[str | None, Query(description="Owner or creator organisation (name or id).")] = None,
    tag: Annotated[list[str] | None, Query(description="Event or attribute tag; repeat for any of several; !tag excludes.")] = None,
    type: Annotated[list[str] | None, Query(description="MISP attribute type; repeat for any of several.")] = None,
    published: Annotated[bool | None, Query(description="Only published (true) or unpublished (false) events.")] = None,
) -> StreamingResponse:
    """A MISP feed of the events the caller may export, as a zip PyMISP and MISP read."""
    params = feed.feed_params(now, since, org, tag, type, published)
    spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)
    feed.write_zip(session, principal, params, spool, now)
    return StreamingResponse(_chunks(spool), media_type="application/zip",
                             headers={"Content-Disposition": 'attachment; filename="misp-feed.zip"'})
