"""A product as a STIX 2.1 bundle: one ``report`` with the indicators the product lists, all under the product's marking.

The report's id is ``report--<product uuid>``, so a re-export or a TAXII copy is the same object.
Its indicators are those of the snapshot (the indicators and cross-country matches sections),
which were computed for the product's audience, so the bundle holds nothing the product does not.
Identities, TLP marking definitions and indicator patterns come from ``aspjoc.sharing.stix``, so a
product's bundle and a statement export name organisations and markings alike.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aspjoc.marking import TLP
from aspjoc.products.content import Content
from aspjoc.products.document import Document
from aspjoc.products.models import Product, ProductKind
from aspjoc.sharing.stix.objects import (
    organisation_identity,
    statement_extension,
    system_identity,
    tlp_marking,
)
from aspjoc.sharing.stix.patterns import pattern_for
from aspjoc.sharing.stix.vocab import identity_id, marking_ref, stable_uuid, stamp

REPORT_TYPES = {
    ProductKind.ASSESSMENT: ["threat-report"],
    ProductKind.ADVISORY: ["threat-report", "indicator"],
    ProductKind.ACTIVITY_REPORT: ["threat-report"],
    ProductKind.MO_BULLETIN: ["attack-pattern", "indicator"],
}


def _indicators(content: Content | None) -> dict[tuple[str, str], tuple[datetime, str]]:
    """(type, value) -> (valid from, description) of every identifier the snapshot lists; the first listing wins."""
    found: dict[tuple[str, str], tuple[datetime, str]] = {}
    if content and content.indicators:
        for item in content.indicators.items:
            found.setdefault((item.type, item.value), (item.first_seen, (
                f"Reported in {item.statements} statements by {item.organisations} organisations, "
                f"first seen {item.first_seen:%Y-%m-%d}, last seen {item.last_seen:%Y-%m-%d}.")))
    if content and content.matches:
        for match in content.matches.items:
            found.setdefault((match.type, match.value), (content.generated_at, (
                f"Reported by organisations of {', '.join(match.countries)} ({match.statements} statements).")))
    return found


def _indicator(product: Product, kind: str, value: str, valid_from: datetime, description: str, author_ref: str,
               marking: str, created: datetime) -> dict[str, Any]:
    return {"type": "indicator", "spec_version": "2.1",
            "id": f"indicator--{stable_uuid(f'product:{product.uuid}:{kind}:{value}')}",
            "created": stamp(created), "modified": stamp(created), "created_by_ref": author_ref,
            "name": f"{kind.replace('_', ' ')} {value}", "description": description,
            "indicator_types": ["malicious-activity"],
            "pattern_type": "stix", "pattern": pattern_for(kind, value), "valid_from": stamp(valid_from),
            "object_marking_refs": [marking]}


def bundle(product: Product, content: Content | None, doc: Document, interop: bool = False) -> dict[str, Any]:
    """The bundle of ``product``; ``interop`` uses the TLP 1.0 marking ids where one exists (stix2-validator's schema)."""
    level = TLP(product.marking.tlp)
    marking = marking_ref(level, interop)
    org = product.author_org
    author_ref = identity_id(org.name)
    created = product.created_at
    modified = product.published_at or product.approved_at or (content.generated_at if content else product.updated_at)
    indicators = [_indicator(product, kind, value, first, description, author_ref, marking, created)
                  for (kind, value), (first, description) in _indicators(content).items()]
    description = "\n\n".join(part for part in (doc.summary.markdown.strip(), *(t.markdown.strip() for t in doc.texts),
                                                 doc.left_out_note) if part)
    report = {"type": "report", "spec_version": "2.1", "id": f"report--{product.uuid}", "created": stamp(created),
              "modified": stamp(max(created, modified)), "created_by_ref": author_ref, "name": product.title,
              "description": description, "report_types": REPORT_TYPES[ProductKind(product.kind)],
              "published": stamp(product.published_at or modified),
              "object_refs": [i["id"] for i in indicators] or [author_ref], "object_marking_refs": [marking],
              "labels": [product.kind] + ([product.crime_type] if product.crime_type else [])}
    support = [system_identity(), statement_extension(), organisation_identity(org.name, org.country, org.kind, org.created_at),
               tlp_marking(level, interop)]
    return {"type": "bundle", "id": f"bundle--{stable_uuid(f'product-bundle:{product.uuid}:{stamp(modified)}')}",
            "objects": [*support, report, *indicators]}


def bundle_json(product: Product, content: Content | None, doc: Document, interop: bool = False) -> str:
    return json.dumps(bundle(product, content, doc, interop), indent=2, ensure_ascii=False)
