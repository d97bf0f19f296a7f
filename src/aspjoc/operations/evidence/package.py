"""Evidence packages for cross-border preservation and mutual-legal-assistance requests.

A package is a zip holding the files, ``manifest.json`` (hashes, sizes, subjects, markings),
``SHA256SUMS`` (checkable with ``sha256sum -c``), and the custody log as ``custody.json`` and as a
readable ``custody.html``. Each file is re-hashed while it is copied in; a package is refused when
any file no longer matches its intake hash, and the failure is logged.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from jinja2 import Environment, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc.access import Principal, Purpose
from aspjoc.accounts.models import Organisation, User
from aspjoc.accounts.permissions import Permission, require
from aspjoc.errors import InvalidInput, NotFound
from aspjoc.marking import Marking, TLP
from aspjoc.operations.evidence.models import CustodyAction, CustodyEvent, EvidenceItem
from aspjoc.operations.evidence.service import record_custody, visible
from aspjoc.operations.evidence.store import EvidenceStore

MAX_ITEMS = 1000
SPOOL = 8 << 20


@dataclass(frozen=True)
class PackageRequest:
    """What the package is for: the purpose and reference of the request, and who receives it."""

    purpose: str
    reference: str = ""
    recipient: str = ""
    item_ids: tuple[int, ...] = ()
    subject_type: str | None = None
    subject_id: str | None = None


@dataclass
class Package:
    """The finished zip (a temporary file, rewound) or the names of the files that failed their hash check."""

    file: IO[bytes] | None
    name: str
    failed: list[tuple[int, str]]
    items: int


def _items(session: Session, principal: Principal, request: PackageRequest) -> list[EvidenceItem]:
    query = select(EvidenceItem).where(visible(principal, Purpose.EXPORT))
    if request.item_ids:
        query = query.where(EvidenceItem.id.in_(request.item_ids))
    elif request.subject_type and request.subject_id:
        query = query.where(EvidenceItem.subject_type == request.subject_type,
                            EvidenceItem.subject_id == request.subject_id)
    else:
        raise InvalidInput("evidence_ids", "name the evidence items, or a subject, to package")
    items = list(session.scalars(query.order_by(EvidenceItem.id).limit(MAX_ITEMS + 1)))
    missing = sorted(set(request.item_ids) - {i.id for i in items})
    if missing:
        raise NotFound("evidence_ids", f"no evidence {missing[0]} that you may export")
    if not items:
        raise NotFound("subject_id", "no evidence on this subject that you may export")
    if len(items) > MAX_ITEMS:
        raise InvalidInput("evidence_ids", f"a package holds at most {MAX_ITEMS} items")
    return items


def _zip_name(item: EvidenceItem) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", item.filename).strip("._") or "file"
    return f"evidence/{item.id:06d}-{safe}"


def _copy(zf: zipfile.ZipFile, store: EvidenceStore, item: EvidenceItem) -> str:
    """Copy the stored file into the zip, hashing the bytes as they go in; return that hash."""
    digest = hashlib.sha256()
    info = zipfile.ZipInfo(_zip_name(item), date_time=item.created_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as out:
        for chunk in store.chunks(item.sha256):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _names(session: Session, ids: set[int | None], model: Any) -> dict[int, str]:
    found = {i for i in ids if i is not None}
    if not found:
        return {}
    column = model.email if model is User else model.name
    return dict(session.execute(select(model.id, column).where(model.id.in_(found))).all())  # type: ignore[arg-type]


def custody_records(session: Session, items: list[EvidenceItem]) -> list[dict[str, Any]]:
    """The custody log of ``items`` as plain records, oldest first, with people and organisations named."""
    events = session.scalars(select(CustodyEvent).where(CustodyEvent.evidence_id.in_([i.id for i in items]))
                             .order_by(CustodyEvent.id)).all()
    orgs = _names(session, {o for e in events for o in (e.actor_org_id, e.from_org_id, e.to_org_id)}, Organisation)
    users = _names(session, {e.actor_user_id for e in events}, User)
    return [{"evidence_id": e.evidence_id, "at": e.at.isoformat(), "action": e.action,
             "actor": users.get(e.actor_user_id or 0, "system"), "actor_organisation": orgs.get(e.actor_org_id or 0, ""),
             "from_organisation": orgs.get(e.from_org_id or 0, ""), "to_organisation": orgs.get(e.to_org_id or 0, ""),
             "purpose": e.purpose, "sha256": e.sha256, "intact": e.intact, "audit_hash": e.audit_hash} for e in events]


def _manifest(session: Session, principal: Principal, items: list[EvidenceItem], request: PackageRequest,
              now: datetime) -> dict[str, Any]:
    tlps = dict(session.execute(select(Marking.id, Marking.tlp).where(Marking.id.in_({i.marking_id for i in items}))).all())
    orgs = _names(session, {i.owner_org_id for i in items}, Organisation)
    return {
        "package": {"created_at": now.isoformat(), "created_by": principal.email, "organisation": principal.org_name,
                    "purpose": request.purpose, "reference": request.reference, "recipient": request.recipient,
                    "hash_algorithm": "SHA-256"},
        "items": [{"id": i.id, "uuid": i.uuid, "path": _zip_name(i), "filename": i.filename, "content_type": i.content_type,
                   "size": i.size, "sha256": i.sha256, "subject": {"type": i.subject_type, "id": i.subject_id},
                   "description": i.description, "owner": orgs.get(i.owner_org_id, ""),
                   "marking": "TLP:" + TLP(tlps[i.marking_id]).label.upper(), "received_at": i.created_at.isoformat()}
                  for i in items],
    }


_HTML = Environment(autoescape=select_autoescape(default=True)).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evidence package {{ m.package.reference or '' }}</title>
<style>body{font:14px/1.4 sans-serif;margin:2rem}table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}code{font-size:.85em;word-break:break-all}</style>
</head><body>
<h1>Evidence package</h1>
<p>Prepared {{ m.package.created_at }} by {{ m.package.created_by }} ({{ m.package.organisation }}).<br>
Purpose: {{ m.package.purpose }}{% if m.package.reference %} · Reference: {{ m.package.reference }}{% endif %}
{% if m.package.recipient %} · For: {{ m.package.recipient }}{% endif %}</p>
<h2>Items</h2>
<table><tr><th>Id</th><th>File</th><th>Size (bytes)</th><th>SHA-256</th><th>Subject</th><th>Marking</th></tr>
{% for i in m["items"] %}<tr><td>{{ i.id }}</td><td>{{ i.path }}</td><td>{{ i.size }}</td><td><code>{{ i.sha256 }}</code></td>
<td>{{ i.subject.type }} {{ i.subject.id }}</td><td>{{ i.marking }}</td></tr>{% endfor %}</table>
<h2>Chain of custody</h2>
<table><tr><th>Item</th><th>When (UTC)</th><th>Action</th><th>Who</th><th>From → to</th><th>Purpose</th><th>SHA-256 at the time</th><th>Intact</th></tr>
{% for e in custody %}<tr><td>{{ e.evidence_id }}</td><td>{{ e.at }}</td><td>{{ e.action }}</td><td>{{ e.actor }} ({{ e.actor_organisation }})</td>
<td>{{ e.from_organisation }}{% if e.to_organisation %} → {{ e.to_organisation }}{% endif %}</td><td>{{ e.purpose }}</td>
<td><code>{{ e.sha256 or 'file missing' }}</code></td><td>{{ 'yes' if e.intact else 'NO' }}</td></tr>{% endfor %}</table>
</body></html>
""")


def build_package(session: Session, principal: Principal, store: EvidenceStore, request: PackageRequest,
                  now: datetime) -> Package:
    """Write the package for the items ``principal`` may export, logging an export custody event per item.

    When a file's bytes no longer match its intake hash, no package is made: ``failed`` names the
    items (the failures are logged, and the caller must commit them rather than roll back).
    """
    require(principal, Permission.READ)
    if not request.purpose.strip():
        raise InvalidInput("purpose", "say what the package is for (a preservation or MLA request)")
    items = _items(session, principal, request)
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 - handed to the caller
    failed: list[tuple[int, str]] = []
    with zipfile.ZipFile(spool, "w", allowZip64=True) as zf:
        for item in items:
            try:
                copied: str | None = _copy(zf, store, item)
            except FileNotFoundError:
                copied = None
            record_custody(session, principal, item, CustodyAction.EXPORT, now, copied, request.purpose.strip(),
                           from_org_id=principal.org_id,
                           detail={"reference": request.reference, "recipient": request.recipient})
            if copied != item.sha256:
                failed.append((item.id, item.filename))
        if not failed:
            manifest = _manifest(session, principal, items, request, now)
            custody = custody_records(session, items)
            zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            zf.writestr("SHA256SUMS", "".join(f"{i['sha256']}  {i['path']}\n" for i in manifest["items"]))
            zf.writestr("custody.json", json.dumps(custody, indent=2, ensure_ascii=False))
            zf.writestr("custody.html", _HTML.render(m=manifest, custody=custody))
    if failed:
        spool.close()
        return Package(None, "", failed, len(items))
    spool.seek(0)
    return Package(spool, f"evidence-package-{now:%Y%m%dT%H%M%SZ}.zip", [], len(items))
