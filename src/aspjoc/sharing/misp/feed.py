"""MISP feeds: ``manifest.json``, one ``<uuid>.json`` per event and ``hashes.csv``, as PyMISP writes them.

Each event goes through PyMISP's own ``MISPEvent.to_feed(with_meta=True)``; its ``_manifest`` entry
goes into ``manifest.json`` and its ``_hashes`` (md5 of each attribute value) into ``hashes.csv`` as
``<md5>,<event uuid>``, the way ``pymisp.tools.feed`` writes them. Only what the caller may export
(``Purpose.EXPORT``: no RED, no ``no_export`` of others) is written. Events are read a page at a time,
so memory does not grow with the size of the feed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from pymisp import MISPEvent
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal, Purpose
from aspjoc.sharing.misp import query, service
from aspjoc.sharing.misp.models import MispEvent
from aspjoc.sharing.misp.params import SearchParams, search_params

PAGE = 200


class Sink(Protocol):
    def write(self, name: str, data: bytes) -> None: ...

    def copy(self, name: str, source: IO[bytes]) -> None: ...


class FolderSink:
    """Writes feed files into a folder (created if missing)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, name: str, data: bytes) -> None:
        (self.folder / name).write_bytes(data)

    def copy(self, name: str, source: IO[bytes]) -> None:
        with (self.folder / name).open("wb") as out:
            shutil.copyfileobj(source, out)


class ZipSink:
    """Writes feed files into an open zip archive."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def write(self, name: str, data: bytes) -> None:
        self.archive.writestr(name, data)

    def copy(self, name: str, source: IO[bytes]) -> None:
        with self.archive.open(name, "w") as out:
            shutil.copyfileobj(source, out)


@dataclass
class FeedSummary:
    events: int = 0
    attributes: int = 0


def count_events(session: Session, principal: Principal, params: SearchParams) -> int:
    """How many events an export with ``params`` will hold (for a progress bar)."""
    return query.count_events(session, principal, params, Purpose.EXPORT)


def _pages(session: Session, principal: Principal, params: SearchParams) -> Iterator[list[MispEvent]]:
    page = 1
    while True:
        batch = SearchParams(**{**params.__dict__, "limit": PAGE, "page": page})
        events = query.search_events(session, principal, batch, Purpose.EXPORT)
        if not events:
            return
        yield events
        page += 1


def feed_entry(event_json: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """PyMISP's feed form of one ``{"Event": ...}``: (event file body, manifest entry, md5 hashes)."""
    event = MISPEvent()
    event.load(event_json)
    feed = event.to_feed(with_meta=True)["Event"]
    # to_feed leaves these inside the event; a feed keeps them in manifest.json and hashes.csv instead.
    hashes: list[str] = feed.pop("_hashes")
    manifest: dict[str, Any] = feed.pop("_manifest")
    return {"Event": feed}, manifest, hashes


def write_feed(session: Session, principal: Principal, params: SearchParams, sink: Sink, now: datetime,
               progress: Callable[[int], None] | None = None) -> FeedSummary:
    """Write the feed of what ``principal`` may export matching ``params`` into ``sink``; audited as an export."""
    summary = FeedSummary()
    manifest: dict[str, Any] = {}
    # One line per attribute: kept on disk, not in memory, until the events are written.
    with tempfile.TemporaryFile() as hash_lines:
        for events in _pages(session, principal, params):
            for shown in service.events_out(session, principal, events, now, purpose=Purpose.EXPORT):
                body, entry, hashes = feed_entry(shown)
                uuid = body["Event"]["uuid"]
                sink.write(f"{uuid}.json", json.dumps(body, indent=1).encode())
                manifest.update(entry)
                hash_lines.write("".join(f"{h},{uuid}\n" for h in hashes).encode())
                summary.events += 1
                summary.attributes += len(body["Event"].get("Attribute", []))
            if progress is not None:
                progress(len(events))
        sink.write("manifest.json", json.dumps(manifest).encode())
        hash_lines.seek(0)
        sink.copy("hashes.csv", hash_lines)
    audit.record(session, principal, "misp.feed.export", now, "misp_feed", "",
                 {"events": summary.events, "attributes": summary.attributes})
    return summary


def write_zip(session: Session, principal: Principal, params: SearchParams, target: IO[bytes], now: datetime) -> FeedSummary:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        return write_feed(session, principal, params, ZipSink(archive), now)


def feed_params(now: datetime, since: str | None = None, org: str | None = None, tags: list[str] | None = None,
                types: list[str] | None = None, published: bool | None = None) -> SearchParams:
    """The filters of ``aspjoc export misp-feed`` and ``GET /api/v1/export/misp-feed`` as restSearch filters.

    ``since`` is Unix seconds, an ISO time or a span back from now (``7d``) on the event's last change;
    ``tags`` and ``types`` match any one of theirs; a ``!`` before a tag or type excludes it.
    """
    body: dict[str, Any] = {"timestamp": since, "org": org, "tags": tags or None, "type": types or None,
                            "published": published}
    return search_params({k: v for k, v in body.items() if v is not None}, now)
