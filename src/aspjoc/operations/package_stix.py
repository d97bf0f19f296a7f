"""A package as a STIX 2.1 bundle, built on the platform's STIX export (``aspjoc.sharing.stix``).

The bundle holds what ``export_bundle`` gives for the package's statements, exported as the recipient
organisation (so the gate for EXPORT applies once more: RED and ``no_export`` statements of others stay
out, and retrievals are audited and notified), plus, per target, an indicator (a threat actor for an
entity target) whose description carries the recommended action, priority and deadline, and one
``report`` that lists them all under the package's TLP. Target and report ids are stable UUIDs of the
records, so regenerating a package gives the same ids.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from aspjoc.accounts.models import Organisation
from aspjoc.accounts.service import principal_for_org
from aspjoc.marking import TLP
from aspjoc.operations.package_content import PackageContent, PackageTarget
from aspjoc.sharing.stix.export import export_bundle
from aspjoc.sharing.stix.objects import organisation_identity, tlp_marking
from aspjoc.sharing.stix.patterns import pattern_for
from aspjoc.sharing.stix.vocab import TLP2_IDS, identity_id, indicator_id, stable_uuid, stamp


def _summary(item: PackageTarget) -> str:
    t = item.target
    parts = [f"Recommended action: {t.recommended_action.replace('_', ' ')}", f"priority {item.priority}"]
    if t.deadline is not None:
        parts.append(f"deadline {t.deadline:%Y-%m-%d %H:%M} UTC")
    return "; ".join(parts) + (f". {t.rationale}" if t.rationale else ".")


def target_object(item: PackageTarget) -> dict[str, Any]:
    """The STIX object of one target: an indicator for an identifier, a threat actor for an entity."""
    t = item.target
    common: dict[str, Any] = {
        "spec_version": "2.1", "created": stamp(t.created_at), "modified": stamp(t.updated_at), "name": t.label,
        "description": _summary(item), "created_by_ref": identity_id(t.owner.name),
        "object_marking_refs": [TLP2_IDS[TLP(t.marking.tlp)]]}
    if t.observable is None:
        return {"type": "threat-actor", "id": f"threat-actor--{stable_uuid(f'operation-target:{t.id}')}",
                "threat_actor_types": ["criminal"], **common}
    return {"type": "indicator", "id": f"indicator--{stable_uuid(f'operation-target:{t.id}')}",
            "indicator_types": ["malicious-activity"], "pattern": pattern_for(t.observable.type, t.observable.value),
            "pattern_type": "stix", "pattern_version": "2.1", "valid_from": stamp(t.created_at), **common}


def _identity(org: Organisation) -> dict[str, Any]:
    return organisation_identity(org.name, org.country, org.kind, org.created_at)


def build_bundle(session: Session, content: PackageContent, generated_at: datetime) -> str:
    """The package as serialised STIX 2.1: exported statements, target objects, their support objects, a report."""
    statement_ids = sorted({s.id for item in content.targets for s in item.statements})
    bundle = export_bundle(session, principal_for_org(session, content.organisation), statement_ids, generated_at)
    present = {obj["id"] for obj in bundle["objects"]}
    wanted = {indicator_id(s.uuid) for item in content.targets for s in item.statements}
    exported = [obj["id"] for obj in bundle["objects"] if obj["id"] in wanted]
    extra: list[dict[str, Any]] = []

    def add(obj: dict[str, Any]) -> None:
        if obj["id"] not in present:
            present.add(obj["id"])
            extra.append(obj)

    lead = content.operation.lead
    for org in (content.organisation, lead, *(i.target.owner for i in content.targets)):
        add(_identity(org))
    for level in {content.tlp, *(TLP(i.target.marking.tlp) for i in content.targets)}:
        add(tlp_marking(level))
    targets = [target_object(item) for item in content.targets]
    report = {
        "type": "report", "spec_version": "2.1",
        "id": f"report--{stable_uuid(f'operation-package:{content.operation.uuid}:{content.organisation.id}')}",
        "created": stamp(generated_at), "modified": stamp(generated_at), "published": stamp(generated_at),
        "name": f"{content.operation.title}: cyber activity report for {content.country}",
        "description": f"Targets for {content.organisation.name} to act on, with the statements behind each.",
        "report_types": ["threat-report"], "created_by_ref": identity_id(lead.name),
        "object_refs": [t["id"] for t in targets] + exported or [identity_id(content.organisation.name)],
        "object_marking_refs": [TLP2_IDS[content.tlp]]}
    bundle["objects"] += extra + targets + [report]
    return json.dumps(bundle, separators=(",", ":"))
