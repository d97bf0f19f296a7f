"""The evidence a takedown notice carries, and the files that go with it.

A notice is read by more than its addressee: every organisation its request's marking opens it to
(the operation's participants by default) reads it on the platform and may export it again. So the
notice carries only statements and files that the sender, the provider (the public when it is not
registered here) and every one of those readers may see for export, each through the access gate.

Files are the evidence items attached to the target, to its identifier, or to a statement the notice
carries. They are re-hashed while they are read for attaching; a file whose bytes no longer match its
intake SHA-256 stops the notice from going out. Every file that goes out is a custody event (``send``
by e-mail, ``export`` as .eml) naming the request, so a later re-export attaches the same files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose, gate
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import Organisation, SharingGroupMember, User
from aspjoc.intel.models import Statement
from aspjoc.marking import TLP, Marking, MarkingRecipient
from aspjoc.operations.evidence.models import CustodyAction, CustodyEvent, EvidenceItem
from aspjoc.operations.evidence.service import record_custody, visible
from aspjoc.operations.evidence.subjects import subject_visible
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.models import TakedownRequest, Target
from aspjoc.operations.targets import statements_behind

# Mail servers commonly refuse messages over 25 MB, and base64 adds a third; larger files are listed, not attached.
MAX_ATTACHED_BYTES = 18 << 20


@dataclass(frozen=True)
class Evidence:
    """What a notice carries: statements, files to attach (by id) and files listed only (too large to attach)."""

    statements: list[Statement]
    files: list[EvidenceItem]
    too_large: list[EvidenceItem]

    def tlp(self, session: Session) -> TLP:
        """The most restrictive marking among the evidence; CLEAR when there is none."""
        ids = {s.marking_id for s in self.statements} | {f.marking_id for f in self.files + self.too_large}
        levels = session.scalars(select(Marking.tlp).where(Marking.id.in_(ids))).all() if ids else []
        return TLP(max(levels, default=int(TLP.CLEAR)))


@dataclass(frozen=True)
class Attachment:
    item: EvidenceItem
    data: bytes


def reference(row: TakedownRequest) -> str:
    return f"TD-{row.id}"


def custody_purpose(row: TakedownRequest) -> str:
    """The purpose written on every custody event of the request's files (how a re-export finds them again)."""
    return f"takedown request {reference(row)}"


def recipient(session: Session, provider: Organisation | None) -> Principal:
    """How the provider is seen by the gate: its organisation when registered here, else the public."""
    return accounts.principal_for_org(session, provider) if provider is not None else Principal.public()


def readers(session: Session, marking_id: int, provider: Organisation | None) -> list[Principal]:
    """The provider and everyone the request's marking lets read it: the owner organisation and each named
    organisation and group member as whole organisations, and each named user."""
    marking = session.get(Marking, marking_id)
    assert marking is not None
    rows = session.scalars(select(MarkingRecipient).where(MarkingRecipient.marking_id == marking_id)).all()
    org_ids = {marking.owner_org_id} | {r.org_id for r in rows if r.org_id is not None}
    groups = [r.group_id for r in rows if r.group_id is not None]
    if groups:
        org_ids |= set(session.scalars(select(SharingGroupMember.org_id).where(SharingGroupMember.group_id.in_(groups))))
    if provider is not None:
        org_ids.discard(provider.id)
    found = [recipient(session, provider)]
    found += [accounts.principal_for_org(session, org) for org in
              session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)).order_by(Organisation.id))]
    users = [r.user_id for r in rows if r.user_id is not None]
    found += [accounts.principal_for(session, user) for user in
              session.scalars(select(User).where(User.id.in_(users)).order_by(User.id))]
    return found


def _on_subjects(session: Session, sender: Principal, target: Target, statements: list[Statement]) -> ColumnElement[bool]:
    """Evidence on the target, its identifier or the statements, where the sender may see that subject.

    The sender has already passed the gate on the target and on each statement; the identifier is checked
    here. This is ``evidence.service.visible``'s subject condition, narrowed to these subjects.
    """
    e = EvidenceItem
    about = [and_(e.subject_type == "target", e.subject_id == str(target.id))]
    observable = str(target.observable_id)
    if target.observable_id is not None and subject_visible(session, sender, "observable", observable) is not False:
        about.append(and_(e.subject_type == "observable", e.subject_id == observable))
    if statements:
        about.append(and_(e.subject_type == "statement", e.subject_id.in_([str(s.id) for s in statements])))
    return or_(*about)


def gather(session: Session, sender: Principal, target: Target, others: list[Principal]) -> Evidence:
    """The statements and files the sender and every one of ``others`` may see for export, oldest file first;
    files past the attachment budget are listed only. ``target`` must be one the sender may see."""
    statements = statements_behind(session, target, sender, *others, purpose=Purpose.EXPORT)
    items = list(session.scalars(select(EvidenceItem).where(
        _on_subjects(session, sender, target, statements),
        *[gate(p, EvidenceItem, Purpose.EXPORT) for p in (sender, *others)]).order_by(EvidenceItem.id)))
    files, too_large, budget = [], [], MAX_ATTACHED_BYTES
    for item in items:
        if item.size <= budget:
            files.append(item)
            budget -= item.size
        else:
            too_large.append(item)
    return Evidence(statements, files, too_large)


def already_sent(session: Session, principal: Principal, row: TakedownRequest,
                 purpose: Purpose = Purpose.EXPORT) -> list[EvidenceItem]:
    """The files that went out with the request before (from the custody log), as far as ``principal`` may export
    them (or read them, with ``purpose``)."""
    sent = select(CustodyEvent.evidence_id).where(
        CustodyEvent.purpose == custody_purpose(row),
        CustodyEvent.action.in_((CustodyAction.SEND.value, CustodyAction.EXPORT.value)))
    return list(session.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(sent), visible(principal, purpose))
                                .order_by(EvidenceItem.id)))


def read_files(store: EvidenceStore, items: list[EvidenceItem]) -> tuple[list[Attachment], list[EvidenceItem]]:
    """Each file's bytes, hashed as they are read: (intact attachments, items changed or missing on disk)."""
    attached, failed = [], []
    for item in items:
        digest, parts = hashlib.sha256(), []
        try:
            for chunk in store.chunks(item.sha256):
                digest.update(chunk)
                parts.append(chunk)
        except FileNotFoundError:
            failed.append(item)
            continue
        if digest.hexdigest() == item.sha256:
            attached.append(Attachment(item, b"".join(parts)))
        else:
            failed.append(item)
    return attached, failed


def log_sent(session: Session, principal: Principal, row: TakedownRequest, attached: list[Attachment],
             action: CustodyAction, channel: str, now: datetime) -> None:
    """A custody event for every file that left with the notice, with the hash of the bytes that left."""
    for a in attached:
        record_custody(session, principal, a.item, action, now, hashlib.sha256(a.data).hexdigest(), custody_purpose(row),
                       from_org_id=principal.org_id, to_org_id=row.provider_org_id,
                       detail={"takedown_id": row.id, "channel": channel, "to": row.provider_email})


def log_tampered(session: Session, principal: Principal, row: TakedownRequest, store: EvidenceStore,
                 failed: list[EvidenceItem], now: datetime) -> str:
    """Record the failed hash checks in the custody log; returns the reason to show the sender."""
    for item in failed:
        current = store.check(item.sha256)
        record_custody(session, principal, item, CustodyAction.VERIFY, now, current, custody_purpose(row),
                       detail={"status": "missing" if current is None else "changed", "takedown_id": row.id})
    names = ", ".join(f"{i.id} ({i.filename})" for i in failed)
    return f"evidence {names} no longer matches its intake SHA-256; the notice was not sent"
