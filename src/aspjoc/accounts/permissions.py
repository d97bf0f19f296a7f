"""What each role may do. Visibility is the access gate's business; this is about actions."""

from __future__ import annotations

from enum import Enum

from aspjoc.access import Principal
from aspjoc.accounts.models import Role
from aspjoc.errors import AuthenticationFailed, PermissionDenied


class Permission(Enum):
    READ = "read"
    WRITE_INTEL = "write_intel"
    MANAGE_ACCOUNTS = "manage_accounts"


GRANTS: dict[str, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ANALYST: frozenset({Permission.READ, Permission.WRITE_INTEL}),
    Role.INVESTIGATOR: frozenset({Permission.READ, Permission.WRITE_INTEL}),
    Role.PARTNER: frozenset({Permission.READ, Permission.WRITE_INTEL}),
    Role.VIEWER: frozenset({Permission.READ}),
}


def require(principal: Principal, permission: Permission) -> None:
    """Raise unless ``principal`` holds ``permission``."""
    if not principal.authenticated:
        raise AuthenticationFailed("Authorization", "sign in first")
    if permission not in GRANTS.get(principal.role or "", frozenset()):
        raise PermissionDenied("role", f"the {principal.role} role may not {permission.value.replace('_', ' ')}")
