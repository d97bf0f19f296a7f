"""The sharing page: how to reach the TAXII server, the caller's collections, a STIX export form, and sync state."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from aspjoc.accounts.permissions import GRANTS, Permission
from aspjoc.intel.models import CrimeType, StatementKind
from aspjoc.marking import TLP
from aspjoc.observables import ObservableType
from aspjoc.sharing import service
from aspjoc.sharing.taxii.collections import API_ROOTS, DEFAULT_ROOT, collections_for
from aspjoc.web.deps import DbSession, SignedIn
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
NAV = [("Sharing", "/sharing")]

# What each level lets leave over TAXII, exports and sync (sharing.taxii.server, sharing.federation).
LEAVES = [
    (TLP.CLEAR, "to every signed-in client; synchronised"),
    (TLP.GREEN, "to every signed-in client; synchronised"),
    (TLP.AMBER, "to the named recipients (law enforcement and the hub when none is named); synchronised"),
    (TLP.AMBER_STRICT, "to the named recipient organisations only; synchronised with the recipients kept"),
    (TLP.RED, "never: not served, not exported by others, never synchronised"),
]


@router.get("/sharing")
def sharing_page(request: Request, principal: SignedIn, session: DbSession) -> Response:
    base = str(request.base_url).rstrip("/")
    admin = Permission.MANAGE_ACCOUNTS in GRANTS.get(principal.role or "", frozenset())
    return render(request, "sharing/index.html", {
        "discovery": f"{base}/taxii2/", "roots": [f"{base}/taxii2/{name}/" for name in API_ROOTS],
        "default_root": f"{base}/taxii2/{DEFAULT_ROOT}/", "collections": collections_for(session, principal),
        "leaves": LEAVES, "remotes": service.list_remotes(session) if admin else None,
        "crime_types": [c.value for c in CrimeType], "types": [t.value for t in ObservableType],
        "kinds": [k.value for k in StatementKind],
    })
