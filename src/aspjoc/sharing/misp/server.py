"""What a MISP client asks first: the server version and who the key belongs to (``users/view/me``)."""

from __future__ import annotations

from typing import Any

import pymisp
from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts.models import Organisation, Role, User
from aspjoc.accounts.permissions import GRANTS, Permission
from aspjoc.errors import NotFound
from aspjoc.sharing.misp.render import ts
from aspjoc.sharing.misp.store import org_uuid

# The MISP release whose API this one follows; PyMISP compares the first three numbers with its own.
MISP_VERSION = "2.5.21"
_ROLE_IDS: dict[str, int] = {Role.ADMIN: 2, Role.ANALYST: 3, Role.INVESTIGATOR: 3, Role.PARTNER: 3, Role.VIEWER: 6}


def version() -> dict[str, Any]:
    recommended = ".".join(pymisp.__version__.split(".")[:3])
    return {"version": MISP_VERSION, "pymisp_recommended_version": recommended, "perm_sync": False,
            "perm_sighting": False, "perm_galaxy_editor": False, "request_encoding": ["gzip"], "filter_sightings": True}


def _role(role: str) -> dict[str, Any]:
    grants = GRANTS.get(role, frozenset())
    write = Permission.WRITE_INTEL in grants
    admin = Permission.MANAGE_ACCOUNTS in grants
    perms = {"perm_add": write, "perm_modify": write, "perm_modify_org": write, "perm_publish": write,
             "perm_delegate": False, "perm_sync": False, "perm_admin": admin, "perm_audit": admin, "perm_auth": True,
             "perm_site_admin": False, "perm_regexp_access": False, "perm_tagger": write, "perm_template": False,
             "perm_sharing_group": False, "perm_tag_editor": False, "perm_sighting": write, "perm_object_template": False,
             "perm_publish_zmq": False, "perm_publish_kafka": False, "perm_decaying": False, "perm_galaxy_editor": False,
             "perm_warninglist": False, "perm_view_feed_correlations": False, "perm_analyst_data": False,
             "perm_skip_otp": False, "perm_server_sign": False}
    return {"id": str(_ROLE_IDS.get(role, 6)), "name": role, "default_role": False, "memory_limit": "",
            "max_execution_time": "", "restricted_to_site_admin": False, "enforce_rate_limit": False,
            "rate_limit_count": "0", "permission": "3" if write else "0",
            "permission_description": "publish" if write else "read", **perms}


def me(session: Session, principal: Principal) -> dict[str, Any]:
    """``{"User", "Role", "UserSetting", "Organisation"}`` for the key's user; ``UserSetting`` is a dict, as PyMISP needs."""
    user = session.get(User, principal.user_id)
    org = session.get(Organisation, principal.org_id)
    if user is None or org is None:
        raise NotFound("user", "Invalid user")
    role = _role(user.role)
    return {
        "User": {"id": str(user.id), "org_id": str(org.id), "email": user.email, "role_id": role["id"],
                 "server_id": "0", "autoalert": False, "invited_by": "0", "gpgkey": None, "certif_public": "",
                 "nids_sid": "0", "termsaccepted": True, "newsread": "0", "change_pw": False, "contactalert": False,
                 "disabled": not user.active, "expiration": None, "current_login": "0", "last_login": "0",
                 "force_logout": False, "date_created": ts(user.created_at), "date_modified": ts(user.created_at),
                 "last_pw_change": ts(user.created_at)},
        "Role": role,
        "UserSetting": {},
        "Organisation": {"id": str(org.id), "name": org.name, "uuid": org_uuid(org.name), "local": True,
                         "nationality": org.country or "", "sector": org.kind, "type": org.kind, "description": "",
                         "date_created": ts(org.created_at), "date_modified": ts(org.created_at)},
    }
