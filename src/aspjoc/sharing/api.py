"""REST routes of sharing under /api/v1: the STIX 2.1 export, and the configured sync remotes (administrators)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from aspjoc import audit
from aspjoc.accounts.permissions import Permission, require
from aspjoc.accounts.service import find_organisation
from aspjoc.db import Database
from aspjoc.intel.service import StatementFilter
from aspjoc.sharing import service
from aspjoc.sharing.models import SyncRemote
from aspjoc.sharing.stix.export import selection_conditions, stream_bundle
from aspjoc.web.deps import DbSession, Now, SignedIn

router = APIRouter(tags=["sharing"])
STIX_MEDIA = "application/stix+json;version=2.1"


@router.get("/export/stix", response_class=StreamingResponse,
            responses={200: {"content": {STIX_MEDIA: {}}, "description": "A STIX 2.1 bundle"}})
def export_stix(
    request: Request, principal: SignedIn, session: DbSession, now: Now,
    type: Annotated[str | None, Query(description="Observable type.")] = None,
    crime_type: str | None = None,
    owner: Annotated[str | None, Query(description="Owner organisation id or name.")] = None,
    kind: str | None = None,
    since: Annotated[datetime | None, Query(description="Only statements changed at or after this time.")] = None,
    tag: Annotated[list[str] | None, Query(description="A source tag (any case); repeat for statements carrying any of several.")] = None,
    interop: Annotated[bool, Query(description="Mark with the TLP 1.0 ids of STIX 2.1 where one exists.")] = False,
) -> StreamingResponse:
    """The statements the caller may export that match the filters of ``GET /statements``, as one STIX 2.1 bundle.

    RED and ``no_export`` statements of other organisations are never included; withdrawn
    statements are left out. The bundle is streamed, so any size of selection works.
    """
    flt = StatementFilter(type=type, crime_type=crime_type, owner=owner, kind=kind, since=since, tags=tuple(tag or ()))
    # Resolve the filter now, so a bad owner answers 404 (a bad tag 422) rather than breaking the stream.
    selection_conditions(session, principal, flt)
    audit.record(session, principal, "export.stix", now, detail={
        "type": type, "crime_type": crime_type, "owner": owner, "kind": kind, "since": since, "tags": list(flt.tags),
        "interop": interop})
    db: Database = request.app.state.db

    def chunks() -> Iterator[bytes]:
        # Streaming outlives the request's unit of work, so the bundle is read in a session of its own.
        with db.unit_of_work() as stream_session:
            for chunk in stream_bundle(stream_session, principal, flt, now, interop):
                yield chunk.encode()

    filename = f"aspjoc-{now:%Y%m%dT%H%M%SZ}.stix.json"
    return StreamingResponse(chunks(), media_type=STIX_MEDIA,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class RemoteIn(BaseModel):
    name: str = Field(..., max_length=100)
    api_root_url: str = Field(..., description="URL of the remote TAXII API root, e.g. https://hub.example/taxii2/aspjoc/")
    collection_id: str
    organisation: str | int = Field(..., description="Local organisation the sync acts for (id or name).")
    direction: str = Field("both", description="pull, push or both.")
    auth: str = Field("basic", description="basic, bearer or none.")
    username: str = ""
    secret: str = Field("", description="Password or token of this instance's account on the remote; never shown again.")
    page_size: int = 1000
    interval_minutes: int = 60


class RemoteOut(BaseModel):
    id: int
    name: str
    api_root_url: str
    collection_id: str
    org_id: int
    direction: str
    enabled: bool
    interval_minutes: int
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    pulled_total: int
    pushed_total: int


def _out(remote: SyncRemote) -> RemoteOut:
    return RemoteOut(id=remote.id, name=remote.name, api_root_url=remote.api_root_url,
                     collection_id=remote.collection_id, org_id=remote.org_id, direction=remote.direction,
                     enabled=remote.enabled, interval_minutes=remote.interval_minutes, next_run_at=remote.next_run_at,
                     last_run_at=remote.last_run_at, last_success_at=remote.last_success_at,
                     last_error=remote.last_error, pulled_total=remote.pulled_total, pushed_total=remote.pushed_total)


@router.get("/sharing/remotes", response_model=list[RemoteOut])
def list_remotes(principal: SignedIn, session: DbSession) -> list[RemoteOut]:
    """The configured sync remotes and their state (administrators)."""
    require(principal, Permission.MANAGE_ACCOUNTS)
    return [_out(r) for r in service.list_remotes(session)]


@router.post("/sharing/remotes", response_model=RemoteOut, status_code=201)
def add_remote(data: RemoteIn, principal: SignedIn, session: DbSession, now: Now) -> RemoteOut:
    """Configure a remote TAXII collection to pull from and push to (administrators)."""
    require(principal, Permission.MANAGE_ACCOUNTS)
    org = find_organisation(session, data.organisation)
    spec = service.RemoteSpec(data.name, data.api_root_url, data.collection_id, org.id, data.direction, data.auth,
                              data.username, data.secret, data.page_size, data.interval_minutes)
    return _out(service.add_remote(session, principal, spec, now))
