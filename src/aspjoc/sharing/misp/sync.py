"""Pull from and push to a remote MISP server (or another aspjoc's /misp/) through PyMISP.

Distribution on sync, as MISP has it (REFERENCE.md): 0 is never pushed; 1 is not pushed and becomes
0 when pulled; 2 becomes 1 both ways; 3 stays; 4 crosses only to a party that belongs to the sharing
group (matched by name, the only thing both sides share) and keeps its group. Local tags stay home.

A pull asks the remote for events changed since the last pull (``timestamp``), a page at a time, and
stores each as an event of the remote's local organisation (``MispRemote.org_id``), skipping copies it
already has at that remote timestamp, so a re-run stores nothing twice. A push sends the events the
link's organisation may export (``Purpose.EXPORT``) changed since the last push, adding or editing by
uuid. Failures are kept on the remote (``last_error``) and the watermark only moves past what was done.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymisp import MISPEvent, PyMISP
from pymisp.exceptions import PyMISPError
from requests.exceptions import RequestException
from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose
from aspjoc.accounts.models import SharingGroupMember
from aspjoc.accounts.service import principal_for_org
from aspjoc.errors import AspjocError, Conflict, InvalidInput
from aspjoc.sharing.misp import distribution as dist
from aspjoc.sharing.misp import query, service, store
from aspjoc.sharing.misp.distribution import Distribution
from aspjoc.sharing.misp.models import MispEvent, MispRemote
from aspjoc.sharing.misp.params import SearchParams, Span
from aspjoc.sharing.misp.parse import read_event

PAGE = 100
ClientFactory = Callable[[MispRemote], PyMISP]


class SyncFailed(AspjocError):
    """The remote could not be reached or refused the exchange."""

    status_code = 502
    code = "sync_failed"


@dataclass
class SyncResult:
    remote: str
    direction: str
    events: int = 0
    attributes: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    failed: str | None = None


def connect(remote: MispRemote) -> PyMISP:
    """A PyMISP client for ``remote``; SyncFailed when it cannot connect (PyMISP checks version and key at once)."""
    try:
        return PyMISP(remote.url, remote.api_key, ssl=remote.verify_ssl, timeout=60)
    except (PyMISPError, RequestException) as exc:
        raise SyncFailed("remote", f"cannot connect to {remote.name} ({remote.url}): {exc}") from exc


def _errors(reply: Any) -> str | None:
    if isinstance(reply, dict) and "errors" in reply:
        return str(reply["errors"])[:500]
    return None


def _pulled_pages(misp: PyMISP, since: int) -> Iterator[list[Any]]:
    page = 1
    while True:
        try:
            reply = misp.search(controller="events", timestamp=since or None, limit=PAGE, page=page)
        except (PyMISPError, RequestException) as exc:
            raise SyncFailed("remote", f"search failed: {exc}") from exc
        problem = _errors(reply)
        if problem:
            raise SyncFailed("remote", f"search refused: {problem}")
        assert isinstance(reply, list)
        yield reply
        if len(reply) < PAGE:
            return
        page += 1


def _store_pulled(session: Session, author: store.Author, item: dict[str, Any], result: SyncResult, now: datetime) -> int:
    """Store one pulled event; return its remote timestamp (0 when it was refused)."""
    try:
        data = read_event(item)
    except InvalidInput as exc:
        result.problems.append(f"event refused: {exc.field}: {exc.reason}")
        return 0
    stamp = data.timestamp or 0
    existing = session.scalar(select(MispEvent).where(MispEvent.uuid == data.uuid)) if data.uuid else None
    if existing is not None and existing.org_id != author.org.id:
        result.skipped += 1
        result.problems.append(f"event {data.uuid}: the uuid belongs to another organisation's event here")
        return stamp
    if existing is not None and (existing.remote_timestamp or 0) >= stamp:
        result.skipped += 1
        return stamp
    if existing is not None:
        done = store.update_event(session, author, existing, data, now, replace=True)
    else:
        done = store.create_event(session, author, data, now)
    done.event.remote_timestamp = stamp
    result.events += 1
    result.attributes += done.stored
    result.problems += [f"event {done.event.uuid} {r.path}: {r.reason}" for r in done.rejected]
    return stamp


def pull(session: Session, remote: MispRemote, now: datetime, factory: ClientFactory = connect) -> SyncResult:
    """Pull what changed on ``remote`` since the last pull; a failure is in ``result.failed`` and on the remote."""
    result = SyncResult(remote.name, "pull")
    author = store.Author(org=remote.org, principal=principal_for_org(session, remote.org), user_id=None,
                          source=f"misp:{remote.name}", remote=remote)
    newest = remote.pulled_until
    try:
        misp = factory(remote)
        for page in _pulled_pages(misp, remote.pulled_until):
            for item in page:
                newest = max(newest, _store_pulled(session, author, item, result, now))
    except SyncFailed as exc:
        # What was stored stays (each event is whole); the watermark stays, so the next pull resumes here.
        _failed(session, remote, result, exc, now)
        return result
    remote.pulled_until = newest
    _done(session, remote, result, now)
    return result


def _peer_groups(session: Session, remote: MispRemote) -> set[int]:
    if remote.peer_org_id is None:
        return set()
    return set(session.scalars(select(SharingGroupMember.group_id).where(SharingGroupMember.org_id == remote.peer_org_id)))


def _crossing(shown: dict[str, Any], peer_groups: set[int]) -> Distribution | None:
    level = int(shown.get("distribution", 0))
    group = int(shown.get("sharing_group_id") or 0) or None
    crossed = dist.after_sync(Distribution(level, group))
    if crossed is None or (crossed.level == dist.GROUP and crossed.group_id not in peer_groups):
        return None
    return crossed


def _apply_crossing(body: dict[str, Any], crossed: Distribution) -> None:
    body["distribution"] = str(crossed.level)
    if crossed.level != dist.GROUP:
        body.pop("SharingGroup", None)
        body["sharing_group_id"] = "0"
    # For a group the local id stays (PyMISP insists on one) but receivers go by SharingGroup's name and uuid.
    body["Tag"] = [t for t in body.get("Tag", []) if not t.get("local")]
    for key in ("id", "event_id", "org_id", "orgc_id", "object_id"):
        body.pop(key, None)


def outgoing(shown: dict[str, Any], peer_groups: set[int]) -> dict[str, Any] | None:
    """The event as it may leave: distributions after sync, attributes that may not cross dropped; None if the event may not."""
    event = dict(shown["Event"])
    crossed = _crossing(event, peer_groups)
    if crossed is None:
        return None
    _apply_crossing(event, crossed)
    attributes = []
    for attribute in event.get("Attribute", []):
        attribute = dict(attribute)
        a_crossed = _crossing(attribute, peer_groups)
        if a_crossed is not None:
            _apply_crossing(attribute, a_crossed)
            attributes.append(attribute)
    event["Attribute"] = attributes
    return {"Event": event}


def _send(misp: PyMISP, body: dict[str, Any]) -> str | None:
    """Add or edit the event on the remote by uuid; the remote's complaint, or None when it took it."""
    event = MISPEvent()
    event.load(copy.deepcopy(body))  # PyMISP pops keys from what it loads
    try:
        if misp.event_exists(event.uuid):
            reply = misp.update_event(event, event_id=event.uuid)  # type: ignore[arg-type]
        else:
            reply = misp.add_event(event)
    except (PyMISPError, RequestException) as exc:
        return str(exc)[:500]
    return _errors(reply)


def _changed_since(session: Session, principal: Principal, since: datetime | None) -> Iterator[MispEvent]:
    """Events the principal may export changed since ``since``, a page at a time."""
    page = 1
    while True:
        params = SearchParams(timestamp=Span(since, None), limit=PAGE, page=page)
        events = query.search_events(session, principal, params, Purpose.EXPORT)
        yield from events
        if len(events) < PAGE:
            return
        page += 1


def push(session: Session, remote: MispRemote, now: datetime, factory: ClientFactory = connect) -> SyncResult:
    """Push the events changed since the last push that may cross to ``remote``."""
    result = SyncResult(remote.name, "push")
    principal = principal_for_org(session, remote.org)
    since = datetime.fromtimestamp(remote.pushed_until, UTC) if remote.pushed_until else None
    groups = _peer_groups(session, remote)
    newest = remote.pushed_until
    try:
        misp = factory(remote)
        for event in _changed_since(session, principal, since):
            if event.remote_id == remote.id:
                continue  # pulled from there: never echoed back
            body = outgoing(service.events_out(session, principal, [event], now, purpose=Purpose.EXPORT)[0], groups)
            if body is None:
                result.skipped += 1
                continue
            problem = _send(misp, body)
            if problem:
                result.problems.append(f"event {event.uuid}: {problem}")
                continue
            result.events += 1
            result.attributes += len(body["Event"]["Attribute"])
            if not result.problems:
                newest = max(newest, int(event.timestamp.timestamp()))
    except SyncFailed as exc:
        _failed(session, remote, result, exc, now)
        return result
    remote.pushed_until = newest
    _done(session, remote, result, now)
    return result


def _done(session: Session, remote: MispRemote, result: SyncResult, now: datetime) -> None:
    remote.last_run_at = now
    remote.last_error = "; ".join(result.problems)[:4000]
    audit.record(session, None, f"misp.{result.direction}", now, "misp_remote", remote.id,
                 {"events": result.events, "attributes": result.attributes, "skipped": result.skipped,
                  "problems": len(result.problems)})


def _failed(session: Session, remote: MispRemote, result: SyncResult, exc: SyncFailed, now: datetime) -> None:
    result.failed = exc.reason
    remote.last_run_at = now
    remote.last_error = exc.reason[:4000]
    audit.record(session, None, f"misp.{result.direction}.failed", now, "misp_remote", remote.id, {"reason": exc.reason})


def add_remote(session: Session, name: str, url: str, api_key: str, org_id: int, now: datetime,
               peer_org_id: int | None = None, direction: str = "both", verify_ssl: bool = True) -> MispRemote:
    """Configure a remote; Conflict when the name is taken, InvalidInput for a bad direction or URL."""
    if direction not in ("pull", "push", "both"):
        raise InvalidInput("direction", "use pull, push or both")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput("url", "the remote's URL starts with http:// or https://")
    if session.scalar(select(MispRemote.id).where(MispRemote.name == name)) is not None:
        raise Conflict("name", f"a remote named '{name}' exists")
    remote = MispRemote(name=name, url=url if url.endswith("/") else url + "/", api_key=api_key, org_id=org_id,
                        peer_org_id=peer_org_id, direction=direction, verify_ssl=verify_ssl, created_at=now, last_error="")
    session.add(remote)
    session.flush()
    audit.record(session, None, "misp.remote.create", now, "misp_remote", remote.id, {"name": name, "url": remote.url})
    return remote

