"""Configured remote collections: add, find, list, remove. Services take a session and never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation
from aspjoc.errors import Conflict, InvalidInput, NotFound
from aspjoc.sharing.models import Direction, RemoteAuth, SyncRemote


@dataclass(frozen=True)
class RemoteSpec:
    """A remote collection as an operator describes it."""

    name: str
    api_root_url: str
    collection_id: str
    org_id: int
    direction: str = Direction.BOTH.value
    auth: str = RemoteAuth.BASIC.value
    username: str = ""
    secret: str = ""
    page_size: int = 1000
    interval_minutes: int = 60


def _check(spec: RemoteSpec) -> None:
    if not spec.name.strip():
        raise InvalidInput("name", "a remote needs a name")
    if not spec.api_root_url.startswith(("http://", "https://")):
        raise InvalidInput("api_root_url", f"'{spec.api_root_url}' is not an http(s) URL of a TAXII API root")
    if not spec.collection_id.strip():
        raise InvalidInput("collection_id", "name the remote collection (its id)")
    if spec.direction not in {d.value for d in Direction}:
        raise InvalidInput("direction", f"'{spec.direction}' is not one of pull, push, both")
    if spec.auth not in {a.value for a in RemoteAuth}:
        raise InvalidInput("auth", f"'{spec.auth}' is not one of basic, bearer, none")
    if spec.auth != RemoteAuth.NONE.value and not spec.secret:
        raise InvalidInput("secret", "give the password or token of this instance's account on the remote")
    if not 1 <= spec.page_size <= 10000:
        raise InvalidInput("page_size", "must be between 1 and 10000")
    if not 1 <= spec.interval_minutes <= 7 * 24 * 60:
        raise InvalidInput("interval_minutes", "must be between 1 minute and a week")


def add_remote(session: Session, actor: Principal | None, spec: RemoteSpec, now: datetime) -> SyncRemote:
    """Store a remote; InvalidInput naming the field, Conflict when the name is taken."""
    _check(spec)
    if session.get(Organisation, spec.org_id) is None:
        raise NotFound("organisation", f"no organisation {spec.org_id}")
    if session.scalar(select(SyncRemote.id).where(SyncRemote.name == spec.name.strip())) is not None:
        raise Conflict("name", f"a remote named '{spec.name}' already exists")
    remote = SyncRemote(name=spec.name.strip(), api_root_url=spec.api_root_url, collection_id=spec.collection_id.strip(),
                        org_id=spec.org_id, direction=spec.direction, auth=spec.auth, username=spec.username,
                        secret=spec.secret, page_size=spec.page_size, interval_minutes=spec.interval_minutes,
                        enabled=True, created_at=now, push_statement_id=0, pulled_total=0, pushed_total=0,
                        last_error="")
    session.add(remote)
    session.flush()
    audit.record(session, actor, "sync_remote.create", now, "sync_remote", remote.id,
                 {"name": remote.name, "url": remote.api_root_url, "direction": remote.direction})
    return remote


def find_remote(session: Session, ref: str | int) -> SyncRemote:
    remote = None
    if isinstance(ref, int) or ref.isdigit():
        remote = session.get(SyncRemote, int(ref))
    if remote is None:
        remote = session.scalar(select(SyncRemote).where(SyncRemote.name == str(ref)))
    if remote is None:
        raise NotFound("remote", f"no remote '{ref}'")
    return remote


def list_remotes(session: Session) -> list[SyncRemote]:
    return list(session.scalars(select(SyncRemote).order_by(SyncRemote.name)))


def remove_remote(session: Session, actor: Principal | None, ref: str | int, now: datetime) -> None:
    remote = find_remote(session, ref)
    audit.record(session, actor, "sync_remote.delete", now, "sync_remote", remote.id, {"name": remote.name})
    session.delete(remote)
    session.flush()
