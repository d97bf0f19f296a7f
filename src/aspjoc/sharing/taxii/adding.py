"""TAXII "Add Objects" (§5.4): an envelope or a STIX bundle in, a status resource out.

Statements of other aspjoc instances (carrying the statement extension) are stored with their
marking (``sharing.receive``); plain STIX objects go through the ingest pipeline
(``sharing.intake``). Everything is stored before the reply, so the status is always
``complete``; a refused object is listed among the failures with the field and the reason.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.sharing.intake import ingest_plain
from aspjoc.sharing.models import TaxiiStatus
from aspjoc.sharing.receive import (
    Inbound,
    Outcome,
    carries_statement,
    receive_statements,
)
from aspjoc.sharing.stix.vocab import stamp
from aspjoc.sharing.taxii.collections import CollectionView
from aspjoc.sharing.taxii.media import TaxiiError, not_found


def objects_of(body: bytes) -> list[dict[str, Any]]:
    """The objects of a TAXII envelope or a STIX bundle; a TAXII 400 naming what is wrong otherwise."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TaxiiError(400, "Bad Request", f"the body is not JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("objects"), list):
        raise TaxiiError(400, "Bad Request", "send a TAXII envelope or a STIX bundle: an object with an 'objects' list")
    objects = document["objects"]
    for position, obj in enumerate(objects):
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("type"), str):
            raise TaxiiError(400, "Bad Request", f"objects[{position}] is not a STIX object with a type and an id")
    return objects


def status_resource(row: TaxiiStatus) -> dict[str, Any]:
    successes, failures = json.loads(row.successes), json.loads(row.failures)
    resource: dict[str, Any] = {
        "id": row.id, "status": row.status, "request_timestamp": stamp(row.request_timestamp),
        "total_count": row.total_count, "success_count": row.success_count, "failure_count": row.failure_count,
        "pending_count": row.pending_count,
    }
    if successes:
        resource["successes"] = successes
    if failures:
        resource["failures"] = failures
    return resource


def add_objects(db: Database, principal: Principal, view: CollectionView, api_root: str, body: bytes,
                settings: Settings, now: datetime) -> dict[str, Any]:
    """Store what ``body`` holds for ``principal`` and return the status resource (already stored)."""
    assert principal.org_id is not None and principal.user_id is not None
    objects = objects_of(body)
    inbound = Inbound("post", principal, principal.org_id, group_id=view.group_id, source="taxii",
                      default_region=settings.default_region)
    carried = [o for o in objects if carries_statement(o)]
    plain = [o for o in objects if not carries_statement(o)]
    with db.unit_of_work() as session:
        by_id = {id(o): out for o, out in zip(carried, receive_statements(session, carried, inbound, now))}
    # The pipeline commits in its own transactions, so it runs after the unit of work above is closed.
    by_id.update({id(o): out for o, out in zip(plain, ingest_plain(db, plain, inbound, now) if plain else [])})
    outcomes: list[Outcome] = [by_id[id(o)] for o in objects]
    with db.unit_of_work() as session:
        row = TaxiiStatus(
            id=str(uuid.uuid4()), api_root=api_root, user_id=principal.user_id, org_id=principal.org_id,
            status="complete", request_timestamp=now, total_count=len(outcomes),
            success_count=sum(1 for o in outcomes if o.ok), failure_count=sum(1 for o in outcomes if not o.ok),
            pending_count=0, successes=json.dumps([o.status_entry() for o in outcomes if o.ok]),
            failures=json.dumps([o.status_entry() for o in outcomes if not o.ok]))
        session.add(row)
        audit.record(session, principal, "taxii.add", now, "taxii_status", row.id,
                     {"collection": view.alias, "objects": row.total_count, "failed": row.failure_count})
        return status_resource(row)


def find_status(session: Session, principal: Principal, api_root: str, status_id: str) -> dict[str, Any]:
    """A status resource of the caller's organisation; a TAXII 404 for any other."""
    row = session.scalar(select(TaxiiStatus).where(TaxiiStatus.id == status_id, TaxiiStatus.api_root == api_root,
                                                   TaxiiStatus.org_id == principal.org_id))
    if row is None:
        raise not_found(f"status '{status_id}'")
    return status_resource(row)
