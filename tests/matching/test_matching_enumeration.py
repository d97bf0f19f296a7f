"""The enumeration defence: small batches, per-user and per-organisation quotas, counted and audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from aspjoc.audit import AuditEvent
from aspjoc.config import Settings
from aspjoc.sharing.matching.models import MatchingQuery
from matching_helpers import hold, units
from support import Factory, bearer

USER_QUOTA, ORG_QUOTA, BATCH = 50, 80, 10


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "var", matching_batch_max=BATCH,
                    matching_user_daily_quota=USER_QUOTA, matching_org_daily_quota=ORG_QUOTA)


def _range(start: int, count: int) -> list[str]:
    """Fijian mobile numbers +679 7xx xxxx in order, as an attacker sweeping an exchange would try them."""
    return [f"+679 {7000000 + n:07d}" for n in range(start, start + count)]


def test_sweeping_ten_thousand_numbers_is_refused_after_the_quota(client: Any, make: Factory, db: Any) -> None:
    u = units(make)
    hold(make, u.th_user, "+679 700 5000", "red")
    sweep = _range(0, 10_000)
    answered: list[bool] = []
    refusals = []
    for start in range(0, len(sweep), BATCH):
        reply = client.post("/api/v1/match", json={"values": sweep[start:start + BATCH]}, headers=bearer(u.fj_token))
        if reply.status_code == 429:
            refusals.append(reply)
            if len(refusals) == 5:
                break
            continue
        assert not refusals, "once refused, every further batch in the window is refused"
        assert reply.status_code == 200, reply.text
        answered += [a["hit"] for a in reply.json()["answers"]]
    assert len(answered) == USER_QUOTA and not any(answered), "the held number at offset 5000 is never reached"
    assert all(int(r.headers["Retry-After"]) > 0 for r in refusals)
    assert refusals[0].json()["field"] == "values" and "50 items in 24 hours" in refusals[0].json()["reason"]
    with db.reader() as s:
        refused_audits = s.scalar(select(func.count()).where(AuditEvent.action == "match.refused"))
        counted = s.scalar(select(func.sum(MatchingQuery.items)).where(MatchingQuery.refused.is_(False)))
        details = s.scalars(select(AuditEvent.detail).where(AuditEvent.action.in_(("match.query", "match.refused")))).all()
    assert refused_audits == 5 and counted == USER_QUOTA
    assert not any("+679" in d or "6797" in d for d in details), "the audit counts queries, it never stores the values"

    make.clock.advance(hours=24, seconds=1)
    later = client.post("/api/v1/match", json={"values": _range(5000, BATCH)}, headers=bearer(u.fj_token))
    assert later.status_code == 200 and later.json()["answers"][0]["hit"] is True


def test_organisation_quota_binds_all_its_users_together(client: Any, make: Factory) -> None:
    u = units(make)
    tokens = [u.fj_token] + [make.token(make.user(f"analyst{i}@fj.aspjoc.test", u.fj, password=None)) for i in range(2)]
    statuses = []
    offset = 0
    for token in tokens:
        for _ in range(USER_QUOTA // BATCH):
            reply = client.post("/api/v1/match", json={"values": _range(offset, BATCH)}, headers=bearer(token))
            statuses.append(reply.status_code)
            offset += BATCH
    assert statuses.count(200) == ORG_QUOTA // BATCH
    assert statuses[ORG_QUOTA // BATCH:] == [429] * (len(statuses) - ORG_QUOTA // BATCH)
    other_org = client.post("/api/v1/match", json={"values": _range(0, BATCH)}, headers=bearer(u.th_token))
    assert other_org.status_code == 200


def test_bulk_request_is_refused_whole_and_audited(client: Any, make: Factory, db: Any) -> None:
    u = units(make)
    reply = client.post("/api/v1/match", json={"values": _range(0, 10_000)}, headers=bearer(u.fj_token))
    assert reply.status_code == 422
    assert reply.json()["field"] == "values" and "bulk" in reply.json()["reason"]
    assert "answers" not in reply.json()
    with db.reader() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "match.refused")) == 1
    assert client.post("/api/v1/match", json={"values": _range(0, BATCH)}, headers=bearer(u.fj_token)).json()["remaining"] == \
        USER_QUOTA - BATCH


def test_lookups_cannot_sweep_round_the_quota(client: Any, make: Factory, db: Any) -> None:
    """The look-up's held-elsewhere bit is the bit a match answers: it draws on the same quota."""
    u = units(make)
    hold(make, u.th_user, "+679 700 0049", "red")
    hold(make, u.th_user, "+679 700 0051", "red")
    fj = bearer(u.fj_token)
    for value in _range(0, 20):
        assert client.get("/api/v1/lookup", params={"q": "sweep.example"}, headers=fj).json()["held_elsewhere"] is False, \
            "domains are not small spaces and pass unmetered"
    bits = [client.get("/api/v1/lookup", params={"q": v}, headers=fj).json()["held_elsewhere"] for v in _range(0, 60)]
    assert bits[:USER_QUOTA] == [n == 49 for n in range(USER_QUOTA)], "within the quota the bit is answered"
    assert bits[USER_QUOTA:] == [None] * 10, "past it the bit is withheld, whether held or not (+679 700 0051 is held)"
    over = client.get("/api/v1/lookup", params={"q": "+679 700 0051"}, headers=fj).json()
    assert over["held_elsewhere"] is None and over["statements"] == []
    match = client.post("/api/v1/match", json={"values": ["+679 700 0051"]}, headers=fj)
    assert match.status_code == 429, "look-ups and matches share one allowance"
    with db.reader() as s:
        counted = s.scalar(select(func.sum(MatchingQuery.items)).where(MatchingQuery.refused.is_(False),
                                                                       MatchingQuery.mode == "lookup"))
    assert counted == USER_QUOTA

    own = client.get("/api/v1/lookup", params={"q": "+679 700 0049"}, headers=bearer(u.th_token)).json()
    assert len(own["statements"]) == 1, "what the caller may see is never metered"
    page = client.get("/lookup", params={"q": "+679 700 0051"}, headers=fj)
    assert page.status_code == 200 and 'id="held-elsewhere-withheld"' in page.text and 'id="held-elsewhere"' not in page.text
