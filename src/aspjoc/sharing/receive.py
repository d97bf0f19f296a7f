"""Statements arriving from another aspjoc instance, carried by aspjoc's STIX statement extension.

Used by the TAXII server for objects a client adds, and by the TAXII client for pulled pages.
Such an indicator keeps its statement uuid, owner and full marking (``sharing.mapping``), so the
receiving side enforces the owner's marking with its own gate. Rules:

* an add (POST) stores statements of the caller's own organisation only: the extension's owner
  must be the caller's organisation (nobody files statements in another's name);
* a pull keeps the owner the remote names: the remote is a configured, trusted peer;
* RED never travels between instances (DESIGN: no sync), so a RED statement is refused on pull;
* a statement that was made here is never overwritten by a remote copy (the echo of our own push);
* a received statement is updated only by a newer version (``modified``), so re-reading a page
  after a broken link changes nothing and duplicates nothing;
* the indicator's ``labels`` other than the crime type are the statement's tags, kept as ingest
  keeps them (``intel.tags.stored_tags``), so tags survive hub-to-node sync.

Objects without the extension (plain STIX from other tools) go through the ingest pipeline
instead (``sharing.intake``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.errors import AspjocError, InvalidInput
from aspjoc.intel.correlation.service import correlate
from aspjoc.intel.models import CREDIBILITY, CRIME_TYPES, KINDS, RELIABILITY, Statement
from aspjoc.intel.service import RETENTION, observable_for
from aspjoc.intel.tags import stored_tags
from aspjoc.marking import TLP
from aspjoc.observables import canonicalise
from aspjoc.sharing.mapping import Directory
from aspjoc.sharing.models import StatementOrigin
from aspjoc.sharing.stix.patterns import terms_of
from aspjoc.sharing.stix.vocab import (
    STATEMENT_EXTENSION,
    TLP_BY_MARKING_ID,
    statement_uuid_of,
)
from aspjoc.sharing.taxii.media import TaxiiError
from aspjoc.sharing.taxii.paging import parse_timestamp

REFERENCE_TYPES = frozenset({"identity", "marking-definition", "extension-definition"})


@dataclass(frozen=True)
class Inbound:
    """Where objects come from and on whose behalf they are stored.

    ``org_id`` is the receiving organisation: the caller's (an add) or the sync's (a pull); plain
    objects are stored as its statements. ``group_id`` is the sharing group of the collection
    added to, if any.
    """

    via: str
    principal: Principal
    org_id: int
    remote_id: int | None = None
    group_id: int | None = None
    source: str = "taxii"
    default_region: str | None = None

    @property
    def trusts_owner(self) -> bool:
        return self.via == "pull"


@dataclass
class Outcome:
    """What became of one object, for the TAXII status resource and sync reports."""

    id: str
    version: str | None
    ok: bool
    message: str = ""
    changed: bool = False

    def status_entry(self) -> dict[str, str]:
        entry = {"id": self.id, "message": self.message}
        if self.version:
            entry["version"] = self.version
        return entry


def carries_statement(obj: Any) -> bool:
    return (isinstance(obj, dict) and obj.get("type") == "indicator"
            and isinstance(obj.get("extensions"), dict) and STATEMENT_EXTENSION in obj["extensions"])


def timestamp_field(value: Any, field_name: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput(field_name, "is missing or not a timestamp")
    try:
        return parse_timestamp(value, field_name)
    except TaxiiError as exc:
        raise InvalidInput(field_name, exc.description) from exc


def _tlp(obj: dict[str, Any], ext: dict[str, Any]) -> TLP:
    """The stricter of the extension's TLP and the object's TLP marking reference."""
    levels = [TLP_BY_MARKING_ID[ref] for ref in obj.get("object_marking_refs", []) if ref in TLP_BY_MARKING_ID]
    marking = ext.get("marking") or {}
    if "tlp" in marking:
        levels.append(TLP.parse(str(marking["tlp"]), "marking.tlp"))
    if not levels:
        raise InvalidInput("marking.tlp", "the statement carries no TLP marking")
    return max(levels)


def _fields(obj: dict[str, Any], ext: dict[str, Any]) -> dict[str, Any]:
    kind = str(ext.get("statement_kind", "indicator"))
    if kind not in KINDS:
        raise InvalidInput("statement_kind", f"'{kind}' is not one of {', '.join(sorted(KINDS))}")
    raw_labels = obj.get("labels") or []
    if not isinstance(raw_labels, list):
        raise InvalidInput("labels", "must be a list of texts")
    labels = [str(label) for label in raw_labels]
    # The crime type is the first label when the statement has one; the source's tags follow it (or stand alone).
    crime = ext.get("crime_type", labels[0] if labels and labels[0] in CRIME_TYPES and "tags" not in ext else None)
    if crime is not None and crime not in CRIME_TYPES:
        raise InvalidInput("crime_type", f"'{crime}' is not one of {', '.join(sorted(CRIME_TYPES))}")
    reliability, credibility = ext.get("reliability"), ext.get("credibility")
    if reliability is not None and reliability not in RELIABILITY:
        raise InvalidInput("reliability", "use an Admiralty source reliability letter A-F")
    if credibility is not None and credibility not in CREDIBILITY:
        raise InvalidInput("credibility", "use an Admiralty information credibility number 1-6")
    confidence = obj.get("confidence", 50)
    if not isinstance(confidence, int) or not 0 <= confidence <= 100:
        raise InvalidInput("confidence", "must be an integer 0-100")
    first = timestamp_field(ext.get("first_seen", obj.get("valid_from")), "valid_from")
    last = timestamp_field(ext["last_seen"], "last_seen") if ext.get("last_seen") else first
    return {
        "kind": kind, "crime_type": crime, "confidence": confidence, "reliability": reliability,
        "credibility": credibility, "first_seen": first, "last_seen": max(first, last),
        "valid_until": timestamp_field(obj["valid_until"], "valid_until") if obj.get("valid_until") else None,
        "retention_until": timestamp_field(ext["retention_until"], "retention_until") if ext.get("retention_until") else None,
        "sightings": max(1, int(ext.get("sightings", 1))), "source": str(ext.get("source", ""))[:200],
        "description": str(obj.get("description", "")), "withdrawn": bool(obj.get("revoked", False)),
        "tags": stored_tags([str(t) for t in ext["tags"]] if isinstance(ext.get("tags"), list)
                            else [label for label in labels if label != crime]),
    }


class Receiver:
    """Stores aspjoc statements from STIX indicators in one session; ``finish`` correlates and audits."""

    def __init__(self, session: Session, inbound: Inbound, now: datetime) -> None:
        self.session = session
        self.inbound = inbound
        self.now = now
        self.directory = Directory(session, now, inbound.remote_id)
        self.changed: list[int] = []

    def _owner(self, ext: dict[str, Any]) -> int:
        owner = ext.get("owner") or {}
        name = str(owner.get("name", "")).strip()
        if not self.inbound.trusts_owner:
            if name and name != self.inbound.principal.org_name:
                raise InvalidInput("owner", f"'{name}' is not your organisation; you may add only your own statements")
            return self.inbound.org_id
        return self.directory.organisation(name, owner.get("country"), owner.get("org_kind"))

    def _existing(self, statement_uuid: str, observable_id: int, owner_id: int, kind: str, source: str) -> Statement | None:
        """The statement with ``statement_uuid``, else the one with the same owner, identifier, kind and source."""
        found = self.session.scalar(select(Statement).where(Statement.uuid == statement_uuid))
        if found is None:
            found = self.session.scalar(select(Statement).where(
                Statement.observable_id == observable_id, Statement.owner_org_id == owner_id,
                Statement.kind == kind, Statement.source == source))
        return found

    def store(self, obj: dict[str, Any]) -> Outcome:
        """Store one indicator carrying the statement extension; raises AspjocError naming the field at fault."""
        stix_id, version = str(obj.get("id")), obj.get("modified")
        statement_uuid = statement_uuid_of(stix_id)
        if statement_uuid is None:
            raise InvalidInput("id", f"'{stix_id}' is not an indicator id with a UUID")
        ext = obj["extensions"][STATEMENT_EXTENSION]
        modified = timestamp_field(version, "modified")
        tlp = _tlp(obj, ext)
        if tlp is TLP.RED and self.inbound.trusts_owner:
            raise InvalidInput("marking.tlp", "RED statements are never synchronised between instances")
        values = _fields(obj, ext)
        terms = terms_of(str(obj.get("pattern", "")))
        if len(terms) != 1:
            raise InvalidInput("pattern", "a statement's pattern names exactly one identifier")
        canonical = canonicalise(terms[0].value, terms[0].type, default_region=self.inbound.default_region)
        owner_id = self._owner(ext)
        observable = observable_for(self.session, canonical, self.now)
        existing = self._existing(statement_uuid, observable.id, owner_id, values["kind"], values["source"])
        origin = self.session.get(StatementOrigin, existing.id) if existing is not None else None
        if existing is not None and origin is None:
            return Outcome(stix_id, version, True, "made on this instance; the remote copy is not applied")
        if existing is not None and existing.owner_org_id != owner_id:
            raise InvalidInput("owner", "the statement belongs to another organisation here")
        if origin is not None and modified <= origin.source_modified:
            return Outcome(stix_id, version, True, "already current")
        marking_id = self.directory.marking(owner_id, ext.get("marking") or {}, tlp, self.inbound.org_id)
        statement = existing or Statement(uuid=statement_uuid, observable_id=observable.id, owner_org_id=owner_id,
                                          created_at=timestamp_field(obj.get("created"), "created"))
        for name, value in values.items():
            setattr(statement, name, value)
        statement.observable_id = observable.id
        statement.marking_id = marking_id
        statement.retention_until = statement.retention_until or self.now + RETENTION
        statement.updated_at = self.now
        if existing is None:
            self.session.add(statement)
        self.session.flush()
        if origin is None:
            self.session.add(StatementOrigin(statement_id=statement.id, remote_id=self.inbound.remote_id,
                                             via=self.inbound.via, source_modified=modified, received_at=self.now))
        else:
            origin.source_modified, origin.received_at, origin.remote_id = modified, self.now, self.inbound.remote_id
        self.changed.append(statement.id)
        return Outcome(stix_id, version, True, "stored" if existing is None else "updated", changed=True)

    def store_safely(self, obj: dict[str, Any]) -> Outcome:
        """``store`` inside a savepoint: a refused object leaves nothing behind and says why."""
        try:
            with self.session.begin_nested():
                return self.store(obj)
        except AspjocError as exc:
            self.directory = Directory(self.session, self.now, self.inbound.remote_id)
            return Outcome(str(obj.get("id")), obj.get("modified"), False, f"{exc.field}: {exc.reason}")

    def finish(self, outcomes: Sequence[Outcome]) -> None:
        if self.changed:
            correlate(self.session, self.changed, self.now)
        stored = sum(1 for o in outcomes if o.changed)
        failed = sum(1 for o in outcomes if not o.ok)
        if stored or failed:
            audit.record(self.session, self.inbound.principal, f"sharing.{self.inbound.via}", self.now, "remote",
                         self.inbound.remote_id or "", {"stored": stored, "failed": failed, "objects": len(outcomes)})


def receive_statements(session: Session, objects: Sequence[dict[str, Any]], inbound: Inbound, now: datetime) -> list[Outcome]:
    """Store the aspjoc statements among ``objects`` (all must carry the extension); one outcome per object."""
    receiver = Receiver(session, inbound, now)
    outcomes = [receiver.store_safely(obj) for obj in objects]
    receiver.finish(outcomes)
    return outcomes
