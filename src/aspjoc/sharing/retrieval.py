"""What every sharing channel does when statements leave: audit restricted reads, tell owners who asked to be told.

TAXII pages, STIX exports and federation pushes call ``record_retrieval`` once per page or
batch with the rows they send, so the cost is one audit event and a few notices per page, not
per statement.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.intel.models import Notice
from aspjoc.marking import TLP, Handling

RESTRICTED = (int(TLP.AMBER_STRICT), int(TLP.RED))
# Audit detail lists at most this many statement ids per event; the count is always exact.
AUDIT_ID_LIMIT = 200


def record_retrieval(session: Session, principal: Principal, rows: Sequence[Any], now: datetime, channel: str) -> None:
    """Audit the restricted statements among ``rows`` that others own, and notify owners whose handling asks for it.

    ``rows`` are ``stix.rows.statement_rows`` tuples the caller has already passed through the gate.
    """
    others = [r for r in rows if r.owner_org_id != principal.org_id]
    restricted = [r.id for r in others if r.tlp in RESTRICTED]
    if restricted:
        audit.record(session, principal, f"{channel}.restricted", now, "statement", restricted[0],
                     {"count": len(restricted), "statements": restricted[:AUDIT_ID_LIMIT]})
    notify = Counter(r.owner_org_id for r in others if r.handling & int(Handling.NOTIFY_OWNER))
    who = f"{principal.org_name} ({principal.email})" if principal.email else principal.org_name or "a remote peer"
    for owner_id, count in sorted(notify.items()):
        session.add(Notice(org_id=owner_id, kind="retrieval", actor_org_id=principal.org_id,
                           actor_user_id=principal.user_id, created_at=now,
                           message=f"{who} retrieved {count} of your statements through {channel}."))
