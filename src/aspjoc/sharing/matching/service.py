"""Private matching queries: metered, audited, answered hit/no-hit (see the package docstring for the threat model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aspjoc import audit
from aspjoc.access import Principal
from aspjoc.accounts.models import Role
from aspjoc.accounts.permissions import Permission, require
from aspjoc.config import Settings
from aspjoc.errors import InvalidInput, NotFound, PermissionDenied
from aspjoc.intel.correlation.requests import open_requests_for_value
from aspjoc.intel.models import Notice, Observable, Statement
from aspjoc.intel.service import HiddenMeter
from aspjoc.marking import Handling, Marking
from aspjoc.observables import canonicalise
from aspjoc.sharing.matching import index, keys
from aspjoc.sharing.matching.models import MatchingEntry, MatchingKey, MatchingQuery

WINDOW = timedelta(hours=24)
OFFER_MAX_AGE = int(timedelta(days=7).total_seconds())
OFFER_SALT = "aspjoc.matching.offer"


@dataclass(frozen=True)
class Limits:
    batch_max: int
    user_daily: int
    org_daily: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(settings.matching_batch_max, settings.matching_user_daily_quota, settings.matching_org_daily_quota)


@dataclass
class Answer:
    index: int
    hit: bool = False
    type: str | None = None
    value: str | None = None
    hmac: str | None = None
    offer: str | None = None
    error: str | None = None


@dataclass
class Outcome:
    key_version: int
    answers: list[Answer] = field(default_factory=list)
    remaining: int = 0


@dataclass(frozen=True)
class Refusal:
    """A query not answered (bulk or over quota); it is recorded and audited, so it is returned, not raised."""

    status: int
    field: str
    reason: str
    retry_after: int | None = None

    def as_dict(self) -> dict[str, str]:
        return {"error": "rate_limited" if self.status == 429 else "invalid_input", "field": self.field, "reason": self.reason}


def signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=OFFER_SALT)


def _used(session: Session, column: Any, ident: int, since: datetime) -> tuple[int, datetime | None]:
    """Items asked by ``column == ident`` since ``since`` and the time of the oldest such query."""
    row = session.execute(select(func.coalesce(func.sum(MatchingQuery.items), 0), func.min(MatchingQuery.at))
                          .where(column == ident, MatchingQuery.at > since, MatchingQuery.refused.is_(False))).one()
    return int(row[0]), row[1]


def _quota(session: Session, principal: Principal, items: int, limits: Limits, now: datetime) -> tuple[Refusal | None, int]:
    """A Refusal when ``items`` more would pass the user's or the organisation's quota; else (None, what is left after)."""
    if items > limits.batch_max:
        return Refusal(422, "values", f"at most {limits.batch_max} items per request; bulk matching is refused"), 0
    since = now - WINDOW
    left = limits.user_daily
    assert principal.org_id is not None
    checks: list[tuple[Any, int, int, str]] = [(MatchingQuery.org_id, principal.org_id, limits.org_daily, "your organisation")]
    if principal.user_id is not None:
        checks.insert(0, (MatchingQuery.user_id, principal.user_id, limits.user_daily, "you"))
    for column, ident, quota, who in checks:
        used, oldest = _used(session, column, ident, since)
        if used + items > quota:
            wait = int(((oldest or now) + WINDOW - now).total_seconds()) + 1
            return Refusal(429, "values", f"{who} may ask about {quota} items in 24 hours and {quota - used} are left; "
                                          f"retry in {wait} seconds", wait), 0
        left = min(left, quota - used - items)
    return None, left


def _refuse(session: Session, principal: Principal, mode: str, items: int, refusal: Refusal, now: datetime) -> Refusal:
    assert principal.org_id is not None
    session.add(MatchingQuery(at=now, org_id=principal.org_id, user_id=principal.user_id, mode=mode, items=items, refused=True))
    audit.record(session, principal, "match.refused", now, "matching", "", {"mode": mode, "items": items, "reason": refusal.reason})
    return refusal


def _holders(session: Session, key: MatchingKey, digests: set[str], principal: Principal) -> dict[str, set[tuple[int, int]]]:
    """For each digest held by another organisation: its (organisation, observable) pairs."""
    found: dict[str, set[tuple[int, int]]] = {}
    if not digests:
        return found
    rows = session.execute(select(MatchingEntry.digest, MatchingEntry.org_id, MatchingEntry.observable_id).where(
        MatchingEntry.key_version == key.version, MatchingEntry.digest.in_(digests),
        MatchingEntry.org_id != principal.org_id)).tuples()
    for d, org, observable in rows:
        found.setdefault(d, set()).add((org, observable))
    return found


def _tell_holders(session: Session, principal: Principal, pairs: set[tuple[int, int]], now: datetime) -> None:
    """Notices to holders whose marking asks to be told who queried their identifier."""
    if not pairs:
        return
    observables = {o for _, o in pairs}
    rows = session.execute(
        select(Statement.owner_org_id, Statement.observable_id, Observable.type, Observable.value)
        .join(Marking, Marking.id == Statement.marking_id).join(Observable, Observable.id == Statement.observable_id)
        .where(Statement.observable_id.in_(observables), Statement.withdrawn.is_(False),
               Marking.handling.op("&")(int(Handling.NOTIFY_OWNER)) != 0).distinct()).tuples()
    who = f"{principal.org_name} ({principal.email})" if principal.email else principal.org_name
    for owner, observable_id, kind, value in rows:
        if (owner, observable_id) in pairs:
            session.add(Notice(org_id=owner, kind="private_match", observable_id=observable_id, created_at=now,
                               actor_org_id=principal.org_id, actor_user_id=principal.user_id,
                               message=f"{who} asked through private matching whether anyone holds {kind} {value}, which you hold."))


def _answer(session: Session, principal: Principal, key: MatchingKey, mode: str, answers: list[Answer],
            digests: dict[int, str], limits: Limits, sign: URLSafeTimedSerializer, now: datetime) -> Outcome | Refusal:
    refusal, left = _quota(session, principal, len(answers), limits, now)
    if refusal is not None:
        return _refuse(session, principal, mode, len(answers), refusal, now)
    index.refresh(session, key)
    held = _holders(session, key, set(digests.values()), principal)
    for i, d in digests.items():
        if d in held:
            answers[i].hit = True
            answers[i].offer = str(sign.dumps([key.version, d, principal.org_id]))
    hits = sum(a.hit for a in answers)
    assert principal.org_id is not None
    session.add(MatchingQuery(at=now, org_id=principal.org_id, user_id=principal.user_id, mode=mode, items=len(answers), hits=hits))
    audit.record(session, principal, "match.query", now, "matching", "", {"mode": mode, "items": len(answers), "hits": hits})
    _tell_holders(session, principal, {p for d in digests.values() for p in held.get(d, set())}, now)
    return Outcome(key.version, answers, left)


def lookup_meter(limits: Limits) -> HiddenMeter:
    """The meter a look-up asks before telling whether others hold an identifier of a matchable type.

    Each such look-up is one item of the caller's private-matching quota (the same bit a match
    answers); over the quota the look-up still shows what the caller may see, but not that bit,
    and the refusal is recorded and audited like a refused match. Other types (domains, URLs,
    hashes) are not small spaces to sweep and pass unmetered.
    """
    def meter(session: Session, principal: Principal, kind: str, now: datetime) -> bool:
        if kind not in index.MATCHABLE_TYPES or principal.org_id is None:
            return True
        refusal, _left = _quota(session, principal, 1, limits, now)
        if refusal is not None:
            _refuse(session, principal, "lookup", 1, refusal, now)
            return False
        session.add(MatchingQuery(at=now, org_id=principal.org_id, user_id=principal.user_id, mode="lookup", items=1))
        return True
    return meter


def match_values(session: Session, principal: Principal, values: list[str], now: datetime, limits: Limits,
                 sign: URLSafeTimedSerializer, default_region: str | None = None) -> Outcome | Refusal:
    """Answer hit/no-hit for each value; items that are not matchable identifiers carry an ``error`` instead."""
    require(principal, Permission.READ)
    key = keys.current_key(session, now)
    answers = [Answer(i) for i in range(len(values))]
    digests: dict[int, str] = {}
    for i, text in enumerate(values[: limits.batch_max]):
        try:
            canonical = canonicalise(str(text), default_region=default_region or principal.country)
        except InvalidInput as exc:
            answers[i].error = exc.reason
            continue
        answers[i].type, answers[i].value = canonical.type.value, canonical.value
        if canonical.type.value not in index.MATCHABLE_TYPES:
            answers[i].error = f"{canonical.type.value} is not matched privately; use the look-up"
            continue
        digests[i] = keys.digest(key.secret, canonical.type.value, canonical.value)
    return _answer(session, principal, key, "values", answers, digests, limits, sign, now)


def _check_hmac(text: str) -> str | None:
    low = str(text).strip().lower()
    return low if len(low) == 64 and all(c in "0123456789abcdef" for c in low) else None


def match_hmacs(session: Session, principal: Principal, hmacs: list[str], key_version: int, now: datetime,
                limits: Limits, sign: URLSafeTimedSerializer) -> Outcome | Refusal:
    """Answer hit/no-hit for HMACs a node computed under ``key_version``; a retired or unknown version is refused."""
    require(principal, Permission.READ)
    key = keys.current_key(session, now)
    if key_version != key.version:
        raise InvalidInput("key_version", f"key version {key_version} is not in use (the current one is {key.version}); "
                                          "fetch it from GET /api/v1/match/key and hash again")
    answers = [Answer(i, hmac=str(h)) for i, h in enumerate(hmacs)]
    digests: dict[int, str] = {}
    for i, text in enumerate(hmacs[: limits.batch_max]):
        checked = _check_hmac(text)
        if checked is None:
            answers[i].error = "not an HMAC-SHA256 in hex (64 characters 0-9a-f)"
        else:
            digests[i] = checked
    return _answer(session, principal, key, "hmacs", answers, digests, limits, sign, now)


def ask_holders(session: Session, principal: Principal, offer: str, question: str, deadline: datetime | None,
                now: datetime, sign: URLSafeTimedSerializer) -> list[int]:
    """Open requests for information to the holders behind a hit's offer; returns the request ids."""
    try:
        version, digest_hex, org_id = sign.loads(offer, max_age=OFFER_MAX_AGE)
    except SignatureExpired as exc:
        raise InvalidInput("offer", "the offer has expired; match again") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise InvalidInput("offer", "not an offer this platform made") from exc
    if org_id != principal.org_id:
        raise InvalidInput("offer", "this offer was made to another organisation")
    key = keys.current_key(session, now)
    if version != key.version:
        raise InvalidInput("offer", "the key has been rotated since this offer; match again")
    held = _holders(session, key, {digest_hex}, principal).get(digest_hex, set())
    if not held:
        raise NotFound("offer", "nobody else holds this identifier any more")
    observable = session.get(Observable, min(o for _, o in held))
    return [r.id for r in open_requests_for_value(session, principal, observable, question, deadline, now)]


def node_key(session: Session, principal: Principal, now: datetime) -> dict[str, Any]:
    """The current key for a node's administrator to compute HMACs locally; audited."""
    if principal.role != Role.ADMIN.value:
        raise PermissionDenied("role", "only an administrator's token may fetch the matching key")
    key = keys.current_key(session, now)
    audit.record(session, principal, "match.key.fetch", now, "matching_key", key.version, {})
    return {"key_version": key.version, "key": key.secret, "algorithm": keys.ALGORITHM, "message": keys.MESSAGE_FORMAT,
            "types": list(index.MATCHABLE_TYPES)}


def remaining(session: Session, principal: Principal, limits: Limits, now: datetime) -> int:
    """Items the principal may still ask about in the current 24-hour window."""
    since = now - WINDOW
    user_used = _used(session, MatchingQuery.user_id, principal.user_id, since)[0] if principal.user_id is not None else 0
    org_used = _used(session, MatchingQuery.org_id, principal.org_id, since)[0] if principal.org_id is not None else 0
    return max(0, min(limits.user_daily - user_used, limits.org_daily - org_used))
