"""API shapes of matches and requests for information."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from aspjoc.accounts.models import Organisation
from aspjoc.intel.correlation.matches import Match
from aspjoc.intel.correlation.models import RequestForInformation, RequestMessage
from aspjoc.intel.correlation.requests import is_overdue, target_for
from aspjoc.intel.schemas import ObservableIn, ObservableOut, OrgRef


class MatchOut(BaseModel):
    id: int
    observable: ObservableOut
    other: str = Field(description="The other holder's name, or 'another organisation' when you may not know it.")
    named: bool
    at: datetime
    request_id: int | None = Field(description="Your organisation's open request about it to that holder, if any.")


class MatchPage(BaseModel):
    items: list[MatchOut]
    next: int | None = Field(description="Pass as ``before`` for the next page.")


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observable: ObservableIn | None = Field(None, description="The identifier asked about (or give ``match``).")
    match: int | None = Field(None, description="A match id from /matches: ask that match's other holder, named or not.")
    target: str | int | None = Field(None, description="Organisation id or name; must hold a statement on it you may see. "
                                                     "Leave out to ask every holder.")
    question: str = Field(..., min_length=1, max_length=10000)
    deadline: datetime | None = None


class BodyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field("", max_length=10000)


class MessageOut(BaseModel):
    kind: str = Field(description="answer, message, decline or close.")
    author: OrgRef | None = Field(description="None while the holder is anonymous to you.")
    body: str
    created_at: datetime


class RequestOut(BaseModel):
    id: int
    uuid: str
    observable: ObservableOut
    question: str
    deadline: datetime | None
    status: str
    overdue: bool
    direction: str = Field(description="outgoing (your organisation asked) or incoming (it was asked).")
    requester: OrgRef
    target: OrgRef | None = Field(description="None until the holder answers, unless you could already see its statement.")
    created_at: datetime
    updated_at: datetime
    messages: list[MessageOut] = Field(default_factory=list)


class RequestPage(BaseModel):
    items: list[RequestOut]
    total: int


def _org(org: Organisation) -> OrgRef:
    return OrgRef(id=org.id, name=org.name, country=org.country)


def match_out(match: Match) -> MatchOut:
    return MatchOut(id=match.id, observable=ObservableOut(type=match.type, value=match.value),
                    other=match.other or "another organisation", named=match.other is not None, at=match.at,
                    request_id=match.request_id)


def request_out(rfi: RequestForInformation, viewer_org_id: int | None, now: datetime,
                thread: list[RequestMessage] | None = None) -> RequestOut:
    """The request as ``viewer_org_id`` may see it: the holder hidden until disclosed, and its messages with it."""
    target = target_for(rfi, viewer_org_id)
    msgs = []
    for m in thread or []:
        hidden = m.author_org_id == rfi.target_org_id and target is None
        author = None if hidden else (_org(rfi.target) if m.author_org_id == rfi.target_org_id else _org(rfi.requester))
        msgs.append(MessageOut(kind=m.kind, author=author, body=m.body, created_at=m.created_at))
    return RequestOut(
        id=rfi.id, uuid=rfi.uuid, observable=ObservableOut(type=rfi.observable.type, value=rfi.observable.value,
                                                           country=rfi.observable.country),
        question=rfi.question, deadline=rfi.deadline, status=rfi.status, overdue=is_overdue(rfi, now),
        direction="outgoing" if viewer_org_id == rfi.requester_org_id else "incoming",
        requester=_org(rfi.requester), target=_org(target) if target is not None else None,
        created_at=rfi.created_at, updated_at=rfi.updated_at, messages=msgs)
