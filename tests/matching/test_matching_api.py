"""Private matching over REST: hit/no-hit only, requests to holders, owner notices, node HMACs, key rotation."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from aspjoc.audit import AuditEvent
from aspjoc.intel.correlation.models import RequestForInformation
from aspjoc.intel.models import Notice, Statement
from aspjoc.cli import app as cli_app
from aspjoc.sharing.matching import keys
from aspjoc.sharing.matching.models import MatchingEntry
from matching_helpers import hold, node_hmac, units
from support import Factory, bearer


def _match(client: Any, token: str, **body: Any) -> Any:
    return client.post("/api/v1/match", json=body, headers=bearer(token))


def test_answers_hit_for_others_holdings_even_red_and_nothing_more(client: Any, make: Factory) -> None:
    u = units(make)
    hold(make, u.th_user, "+66 81 234 5678", "red")
    hold(make, u.fj_user, "+679 999 0001", "green")
    reply = _match(client, u.fj_token, values=["+66812345678", "+66 81 999 9999", "+679 999 0001", "not a number !!",
                                               "scam.example"])
    assert reply.status_code == 200, reply.text
    answers = reply.json()["answers"]
    assert [a["hit"] for a in answers] == [True, False, False, False, False]
    assert answers[0]["value"] == "+66812345678" and answers[0]["offer"]
    assert answers[2]["error"] is None, "the caller's own holding is simply not a hit"
    assert answers[3]["error"] and "not matched privately" in answers[4]["error"]
    assert "Thai" not in reply.text and "red" not in reply.text.lower() and "case notes" not in reply.text
    assert reply.json()["remaining"] == 95


def test_holders_who_asked_to_be_told_learn_who_asked(client: Any, make: Factory, db: Any) -> None:
    u = units(make)
    hold(make, u.th_user, "TH:004:1234567890", "amber+strict", ["notify_owner"])
    hold(make, u.ph_user, "TH:004:1234567890", "red")
    _match(client, u.fj_token, values=["TH:004:123-4-56789-0"])
    with db.reader() as s:
        notices = s.scalars(select(Notice).where(Notice.kind == "private_match")).all()
    assert [(n.org_id, n.actor_org_id) for n in notices] == [(u.th.id, u.fj.id)]
    assert "analyst@fj.aspjoc.test" in notices[0].message


def test_offer_opens_requests_to_every_holder_without_naming_them(client: Any, make: Factory, db: Any) -> None:
    u = units(make)
    hold(make, u.th_user, "+66 81 234 5678", "red")
    hold(make, u.ph_user, "+66 81 234 5678", "amber+strict")
    offer = _match(client, u.fj_token, values=["+66812345678"]).json()["answers"][0]["offer"]
    reply = client.post("/api/v1/match/request", json={"offer": offer, "question": "Same mule as our case 17?"},
                        headers=bearer(u.fj_token))
    assert reply.status_code == 201, reply.text
    assert "Thai" not in reply.text and "Philippine" not in reply.text
    with db.reader() as s:
        targets = set(s.scalars(select(RequestForInformation.target_org_id).where(
            RequestForInformation.id.in_(reply.json()["requests"]))))
    assert targets == {u.th.id, u.ph.id}
    stolen = client.post("/api/v1/match/request", json={"offer": offer, "question": "?"}, headers=bearer(u.ph_token))
    assert stolen.status_code == 422 and stolen.json()["field"] == "offer"
    forged = client.post("/api/v1/match/request", json={"offer": offer[:-3] + "abc", "question": "?"}, headers=bearer(u.fj_token))
    assert forged.status_code == 422 and forged.json()["field"] == "offer"


def test_node_matches_with_hmacs_under_the_key_it_fetched_and_rotation_retires_it(client: Any, make: Factory, db: Any,
                                                                                  database_url: str) -> None:
    u = units(make)
    hold(make, u.th_user, "+66 81 234 5678", "red")
    admin = make.token(make.user("admin@fj.aspjoc.test", u.fj, role="admin", password=None))
    assert client.get("/api/v1/match/key", headers=bearer(u.fj_token)).status_code == 403
    key = client.get("/api/v1/match/key", headers=bearer(admin)).json()
    assert key["algorithm"] == "HMAC-SHA256" and "phone" in key["types"]
    digests = [node_hmac(key["key"], "phone", "+66812345678"), node_hmac(key["key"], "phone", "+66819999999"), "zz"]
    reply = _match(client, admin, hmacs=digests, key_version=key["key_version"]).json()
    assert [(a["hit"], a["error"] is None) for a in reply["answers"]] == [(True, True), (False, True), (False, False)]
    rotated = CliRunner().invoke(cli_app, ["match", "rotate-key"], env={"ASPJOC_DATABASE_URL": database_url})
    assert rotated.exit_code == 0 and "1 holdings re-keyed" in rotated.output, rotated.output
    stale = _match(client, admin, hmacs=digests[:1], key_version=key["key_version"])
    assert stale.status_code == 422 and stale.json()["field"] == "key_version"
    fresh = client.get("/api/v1/match/key", headers=bearer(admin)).json()
    assert fresh["key_version"] == key["key_version"] + 1 and fresh["key"] != key["key"]
    again = _match(client, admin, hmacs=[node_hmac(fresh["key"], "phone", "+66812345678")], key_version=fresh["key_version"])
    assert again.json()["answers"][0]["hit"] is True
    with db.reader() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "match.key.fetch")) is not None


def test_index_holds_keyed_digests_never_bare_hashes(client: Any, make: Factory, db: Any) -> None:
    u = units(make)
    for value in ("+66 81 234 5678", "mule@example.com", "198.51.100.7", "TH:004:1234567890"):
        hold(make, u.th_user, value, "red")
    hold(make, u.th_user, "scam.example", "red")
    _match(client, u.fj_token, values=["+66812345678"])
    with db.reader() as s:
        entries = s.scalars(select(MatchingEntry)).all()
        secret = keys.current_key(s, make.clock.now()).secret
    canonical = [("phone", "+66812345678"), ("email", "mule@example.com"), ("ipv4", "198.51.100.7"),
                 ("bank_account", "TH:004:1234567890")]
    bare = {h(f"{t}:{v}".encode()).hexdigest() for t, v in canonical for h in (hashlib.sha256, hashlib.md5, hashlib.sha1)}
    bare |= {hashlib.sha256(v.encode()).hexdigest() for _, v in canonical}
    assert len(entries) == 4, "domains are not in the private-matching index"
    assert not bare & {e.digest for e in entries}
    assert {e.digest for e in entries} == {node_hmac(secret, t, v) for t, v in canonical}


def test_withdrawn_or_deleted_statement_stops_matching(client: Any, make: Factory, db: Any, database_url: str) -> None:
    u = units(make)
    statement_id = hold(make, u.th_user, "+66 81 234 5678", "red")
    assert _match(client, u.fj_token, values=["+66812345678"]).json()["answers"][0]["hit"] is True
    make.clock.advance(hours=1)
    with db.unit_of_work() as s:
        s.execute(update(Statement).where(Statement.id == statement_id).values(withdrawn=True, updated_at=make.clock.now()))
    assert _match(client, u.fj_token, values=["+66812345678"]).json()["answers"][0]["hit"] is False

    deleted = hold(make, u.ph_user, "+66 81 234 5678", "amber")
    assert _match(client, u.fj_token, values=["+66812345678"]).json()["answers"][0]["hit"] is True
    with db.unit_of_work() as s:  # retention deletes rows; only the full reconciliation can notice
        s.execute(delete(Statement).where(Statement.id == deleted))
    reindexed = CliRunner().invoke(cli_app, ["match", "reindex", "--full"], env={"ASPJOC_DATABASE_URL": database_url})
    assert reindexed.exit_code == 0, reindexed.output
    assert _match(client, u.fj_token, values=["+66812345678"]).json()["answers"][0]["hit"] is False


def test_match_needs_values_or_hmacs_with_their_key_version(client: Any, make: Factory) -> None:
    u = units(make)
    assert _match(client, u.fj_token).status_code == 422
    assert _match(client, u.fj_token, hmacs=["a" * 64]).status_code == 422
    assert client.post("/api/v1/match", json={"values": ["+66812345678"]}).status_code == 401
