"""The visibility rule of DESIGN.md, written again in plain Python, independently of the SQL gate."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OrgM:
    id: int
    kind: str


@dataclass(frozen=True)
class UserM:
    id: int
    org: int


@dataclass(frozen=True)
class StatementM:
    owner: int
    tlp: str  # clear | green | amber | amber+strict | red
    orgs: frozenset[int] = field(default_factory=frozenset)
    users: frozenset[int] = field(default_factory=frozenset)
    groups: frozenset[int] = field(default_factory=frozenset)


def may_see(user: UserM, org_kind: str, user_groups: set[int], user_org_of: dict[int, int], s: StatementM) -> bool:
    """True when the rule lets ``user`` see ``s``."""
    if s.owner == user.org:
        return True
    if s.tlp in ("clear", "green"):
        return True
    in_named_org = user.org in s.orgs or bool(set(s.groups) & user_groups)
    named_users_orgs = {user_org_of[u] for u in s.users}
    if s.tlp == "amber":
        if not (s.orgs or s.users or s.groups):
            return org_kind in ("law_enforcement", "hub")
        return in_named_org or user.id in s.users or user.org in named_users_orgs
    if s.tlp == "amber+strict":
        return in_named_org or user.id in s.users or user.org in named_users_orgs
    if s.tlp == "red":
        return in_named_org or user.id in s.users
    raise AssertionError(s.tlp)
