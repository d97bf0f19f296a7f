"""Model-based test of the access gate: random worlds, the API's answer against the rule in plain Python."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.oracle import StatementM, UserM, may_see
from conftest import PG_URL
from support import Factory, bearer

KINDS = ["law_enforcement", "hub", "igo", "private", "cert"]
LEVELS = ["clear", "green", "amber", "amber+strict", "red"]
_counter = itertools.count()


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    n_orgs = draw(st.integers(2, 5))
    kinds = [draw(st.sampled_from(KINDS)) for _ in range(n_orgs)]
    groups = [draw(st.frozensets(st.integers(0, n_orgs - 1), min_size=1)) for _ in range(draw(st.integers(0, 2)))]
    users = [org for org in range(n_orgs) for _ in range(draw(st.integers(1, 2)))]
    statements = []
    for _ in range(draw(st.integers(1, 10))):
        statements.append({
            "owner": draw(st.integers(0, n_orgs - 1)),
            "tlp": draw(st.sampled_from(LEVELS)),
            "orgs": draw(st.frozensets(st.integers(0, n_orgs - 1), max_size=2)),
            "users": draw(st.frozensets(st.integers(0, len(users) - 1), max_size=2)),
            "groups": draw(st.frozensets(st.integers(0, len(groups) - 1), max_size=1)) if groups else frozenset(),
            "notify": draw(st.booleans()),
        })
    return {"kinds": kinds, "groups": groups, "users": users, "statements": statements}


# Hundreds of worlds on every `make test` (SQLite); fewer on the second, PostgreSQL run, whose round trips cost more.
@settings(max_examples=60 if PG_URL else 200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(world=worlds())
def test_api_answers_exactly_what_the_rule_allows(world: dict[str, Any], client: Any, make: Factory, clock: Any) -> None:
    clock.advance(hours=1)
    since = clock.now().isoformat()
    run = next(_counter)
    orgs = [make.org(f"org {run}.{i}", "FJ", kind) for i, kind in enumerate(world["kinds"])]
    group_ids = [make.group(f"group {run}.{g}", orgs[min(members)], [orgs[m] for m in members])
                 for g, members in enumerate(world["groups"])]
    users = [make.user(f"u{run}.{i}@aspjoc.test", orgs[org], password=None) for i, org in enumerate(world["users"])]
    tokens = [make.token(u) for u in users]
    writer = {org_index: users[world["users"].index(org_index)] for org_index in set(world["users"])}

    created: list[tuple[int, StatementM]] = []
    for n, s in enumerate(world["statements"]):
        owner_user = writer[s["owner"]]
        body = {
            "observable": {"type": "ipv4", "value": f"203.0.113.{n}"},
            "source": f"run {run}",
            "marking": {"tlp": s["tlp"], "handling": ["notify_owner"] if s["notify"] else [],
                        "recipients": {"organisations": [orgs[o].id for o in s["orgs"]],
                                       "users": [users[u].id for u in s["users"]],
                                       "groups": [group_ids[g] for g in s["groups"]]}},
        }
        reply = client.post("/api/v1/statements", json=body, headers=bearer(tokens[users.index(owner_user)]))
        assert reply.status_code == 201, reply.text
        created.append((reply.json()["id"], StatementM(
            owner=orgs[s["owner"]].id, tlp=s["tlp"], orgs=frozenset(orgs[o].id for o in s["orgs"]),
            users=frozenset(users[u].id for u in s["users"]), groups=frozenset(group_ids[g] for g in s["groups"]))))

    user_org_of = {u.id: u.org_id for u in users}
    org_kind = {o.id: o.kind for o in orgs}
    groups_of = {o.id: {group_ids[g] for g, members in enumerate(world["groups"]) if i in members} for i, o in enumerate(orgs)}
    for user, token in zip(users, tokens, strict=True):
        reply = client.get("/api/v1/statements", params={"since": since, "limit": 1000}, headers=bearer(token))
        assert reply.status_code == 200, reply.text
        got = {item["id"] for item in reply.json()["items"]}
        model_user = UserM(user.id, user.org_id)
        expected = {sid for sid, s in created
                    if may_see(model_user, org_kind[user.org_id], groups_of[user.org_id], user_org_of, s)}
        assert got == expected, f"user {user.email} of a {org_kind[user.org_id]} organisation"
        assert reply.json()["total"] == len(expected)


