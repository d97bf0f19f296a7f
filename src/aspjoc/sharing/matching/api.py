"""REST routes of private matching under /api/v1: match, ask the holders, the key for nodes."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import Response

from aspjoc.errors import InvalidInput
from aspjoc.sharing.matching import service
from aspjoc.web.deps import AppSettings, DbSession, Now, SignedIn

router = APIRouter(tags=["matching"])


class MatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: list[str] | None = Field(None, description="Identifiers to match (phone, bank account, IBAN, wallet, e-mail, IP).")
    hmacs: list[str] | None = Field(None, description="HMAC-SHA256 hex digests of '<type>:<canonical value>' under the current key.")
    key_version: int | None = Field(None, description="The key version the HMACs were made with.")

    @model_validator(mode="after")
    def _one_kind(self) -> MatchIn:
        if (self.values is None) == (self.hmacs is None):
            raise ValueError("send either values or hmacs (with key_version)")
        if self.hmacs is not None and self.key_version is None:
            raise ValueError("hmacs need the key_version they were made with")
        return self


class AnswerOut(BaseModel):
    index: int
    hit: bool = Field(description="Another organisation holds this identifier.")
    type: str | None = None
    value: str | None = None
    hmac: str | None = None
    offer: str | None = Field(None, description="On a hit: pass it to POST /api/v1/match/request to ask the holders.")
    error: str | None = Field(None, description="Why this item could not be matched (not a no-hit).")


class MatchOut(BaseModel):
    key_version: int
    answers: list[AnswerOut]
    remaining: int = Field(description="Items you may still ask about in the current 24 hours.")


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer: str
    question: str = Field(..., min_length=1, max_length=10000)
    deadline: datetime | None = None


class AskOut(BaseModel):
    requests: list[int] = Field(description="The requests for information opened (see your outbox).")


class KeyOut(BaseModel):
    key_version: int
    key: str = Field(description="The HMAC key, hex. Keep it as secret as a password.")
    algorithm: str
    message: str
    types: list[str]


@router.post("/match", response_model=MatchOut, responses={422: {}, 429: {}})
def match(data: MatchIn, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> Response | MatchOut:
    """Does another organisation hold these? Hit/no-hit only; metered per user and organisation."""
    limits = service.Limits.from_settings(settings)
    sign = service.signer(settings)
    if data.values is not None:
        result = service.match_values(session, principal, data.values, now, limits, sign, settings.default_region)
    else:
        assert data.hmacs is not None and data.key_version is not None
        result = service.match_hmacs(session, principal, data.hmacs, data.key_version, now, limits, sign)
    if isinstance(result, service.Refusal):
        # Returned rather than raised, so that the refusal's record and audit event are committed.
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        return JSONResponse(result.as_dict(), status_code=result.status, headers=headers)
    return MatchOut(key_version=result.key_version, remaining=result.remaining,
                    answers=[AnswerOut(**a.__dict__) for a in result.answers])


@router.post("/match/request", response_model=AskOut, status_code=201)
def ask(data: AskIn, principal: SignedIn, session: DbSession, now: Now, settings: AppSettings) -> AskOut:
    """Open requests for information to the holders behind a hit, without learning who they are."""
    if not data.question.strip():
        raise InvalidInput("question", "must not be empty")
    ids = service.ask_holders(session, principal, data.offer, data.question, data.deadline, now, service.signer(settings))
    return AskOut(requests=ids)


@router.get("/match/key", response_model=KeyOut)
def key(principal: SignedIn, session: DbSession, now: Now) -> KeyOut:
    """The current community key, for a node's administrator to match with HMACs instead of values."""
    return KeyOut(**service.node_key(session, principal, now))
