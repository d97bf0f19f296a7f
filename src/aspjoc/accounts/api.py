"""REST routes about the caller."""

from __future__ import annotations

from pydantic import BaseModel

from fastapi import APIRouter

from aspjoc.web.deps import SignedIn

router = APIRouter(tags=["accounts"])


class MeOut(BaseModel):
    id: int
    email: str
    role: str
    organisation: dict[str, object]
    sharing_groups: list[int]


@router.get("/me", response_model=MeOut)
def me(principal: SignedIn) -> MeOut:
    """Who the token or session belongs to."""
    assert principal.user_id is not None
    return MeOut(id=principal.user_id, email=principal.email, role=principal.role or "",
                 organisation={"id": principal.org_id, "name": principal.org_name, "country": principal.country,
                               "kind": principal.org_kind},
                 sharing_groups=sorted(principal.group_ids))
