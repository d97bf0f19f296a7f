"""Scores: monotone in what should raise trust, decaying with age by type, and the SQL form equal to the Python one."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from aspjoc.accounts.models import Organisation
from aspjoc.accounts.service import add_organisation
from aspjoc.db import Database
from aspjoc.intel.models import Observable, Statement
from aspjoc.intel.scoring import HALF_LIFE_DAYS, half_life, raw_score, score, score_expression
from aspjoc.marking import MarkingSpec, TLP, marking_id_for
from correlation_helpers import Region
from support import T0, Factory

TYPES = sorted(HALF_LIFE_DAYS)
GRADES = ["A", "B", "C", "D", "E"]  # F ("cannot be judged") sits apart from the ordered scale
confidences = st.integers(0, 100)
sightings = st.integers(1, 10_000)
ages = st.floats(0, 5000, allow_nan=False)
reliabilities = st.sampled_from([*GRADES, "F", None])
credibilities = st.sampled_from([1, 2, 3, 4, 5, 6, None])
types = st.sampled_from(TYPES)


@given(confidences, confidences, reliabilities, credibilities, sightings, ages, types)
def test_more_confidence_never_lowers_the_score(a: int, b: int, rel: str | None, cred: int | None, s: int, age: float, t: str) -> None:
    low, high = sorted((a, b))
    assert raw_score(low, rel, cred, s, age, t) <= raw_score(high, rel, cred, s, age, t)


@given(confidences, reliabilities, credibilities, sightings, sightings, ages, types)
def test_more_sightings_never_lower_the_score(c: int, rel: str | None, cred: int | None, a: int, b: int, age: float, t: str) -> None:
    low, high = sorted((a, b))
    assert raw_score(c, rel, cred, low, age, t) <= raw_score(c, rel, cred, high, age, t)


@given(confidences, st.integers(0, 4), st.integers(0, 4), credibilities, sightings, ages, types)
def test_better_reliability_never_lowers_the_score(c: int, i: int, j: int, cred: int | None, s: int, age: float, t: str) -> None:
    better, worse = GRADES[min(i, j)], GRADES[max(i, j)]
    assert raw_score(c, better, cred, s, age, t) >= raw_score(c, worse, cred, s, age, t)


@given(confidences, reliabilities, st.integers(1, 5), st.integers(1, 5), sightings, ages, types)
def test_better_credibility_never_lowers_the_score(c: int, rel: str | None, i: int, j: int, s: int, age: float, t: str) -> None:
    assert raw_score(c, rel, min(i, j), s, age, t) >= raw_score(c, rel, max(i, j), s, age, t)


@given(confidences, reliabilities, credibilities, sightings, ages, ages, types)
def test_age_never_raises_the_score(c: int, rel: str | None, cred: int | None, s: int, a: float, b: float, t: str) -> None:
    young, old = sorted((a, b))
    assert raw_score(c, rel, cred, s, young, t) >= raw_score(c, rel, cred, s, old, t)


@given(confidences, reliabilities, credibilities, sightings, types)
def test_score_halves_every_half_life(c: int, rel: str | None, cred: int | None, s: int, t: str) -> None:
    fresh = raw_score(c, rel, cred, s, 0, t)
    assert abs(raw_score(c, rel, cred, s, half_life(t), t) - fresh / 2) < 1e-9
    assert abs(raw_score(c, rel, cred, s, 3 * half_life(t), t) - fresh / 8) < 1e-9


@given(confidences, reliabilities, credibilities, sightings, st.floats(1, 5000, allow_nan=False))
def test_ips_age_fastest_and_money_slowest(c: int, rel: str | None, cred: int | None, s: int, age: float) -> None:
    chain = ["ipv4", "url", "domain", "phone", "bank_account"]
    values = [raw_score(c, rel, cred, s, age, t) for t in chain]
    assert values == sorted(values)
    assert raw_score(c, rel, cred, s, age, "crypto_wallet") == raw_score(c, rel, cred, s, age, "bank_account")


@given(confidences, reliabilities, credibilities, sightings, ages, types)
def test_score_is_within_0_and_100(c: int, rel: str | None, cred: int | None, s: int, age: float, t: str) -> None:
    assert 0 <= raw_score(c, rel, cred, s, age, t) <= 100


def test_best_fresh_statement_scores_near_100_and_a_year_old_ip_near_0() -> None:
    assert score(100, "A", 1, 10_000, T0, T0, "ipv4") == 100
    assert score(100, "A", 1, 1, T0, T0, "ipv4") == 80
    assert score(100, "A", 1, 1, T0 - timedelta(days=365), T0, "ipv4") == 0
    assert score(100, "A", 1, 1, T0 - timedelta(days=365), T0, "crypto_wallet") == 57
    assert score(50, None, None, 1, T0 + timedelta(days=3), T0, "url") == 30, "seen in the future counts as seen now"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(confidences, reliabilities, credibilities, st.integers(0, 500), st.integers(-10, 3000), types),
                min_size=1, max_size=6))
def test_sql_expression_equals_the_python_score(db: Database, rows: list[tuple[int, str | None, int | None, int, int, str]]) -> None:
    with db.unit_of_work() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == "Scorer"))
        org = org or add_organisation(s, "Scorer", "FJ", "law_enforcement", T0)
        marking = marking_id_for(s, MarkingSpec(org.id, TLP.GREEN))
        first = (s.scalar(select(func.max(Observable.id))) or 0) + 1
        expected = {}
        for n, (c, rel, cred, seen, age_hours, t) in enumerate(rows):
            obs = Observable(type=t, value=f"v{first}-{n}", created_at=T0)
            s.add(obs)
            s.flush()
            last = T0 - timedelta(hours=age_hours)
            statement = Statement(observable_id=obs.id, owner_org_id=org.id, marking_id=marking, kind="indicator", confidence=c,
                                  reliability=rel, credibility=cred, sightings=seen, first_seen=last, last_seen=last,
                                  created_at=T0, updated_at=T0)
            s.add(statement)
            s.flush()
            expected[statement.id] = score(c, rel, cred, seen, last, T0, t)
        got = dict(s.execute(select(Statement.id, score_expression(T0)).join(Observable, Observable.id == Statement.observable_id)
                             .where(Observable.id >= first)).tuples().all())
    assert {k: int(v) for k, v in got.items()} == expected


def test_block_list_style_filter_selects_by_minimum_score(make: Factory) -> None:
    r = Region(make)
    fresh = r.state(r.th_a, "198.51.100.1", confidence=90, reliability="A", credibility=1)
    stale = r.state(r.th_a, "198.51.100.2", confidence=90, reliability="A", credibility=1)
    wallet = r.state(r.th_a, "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA", confidence=90, reliability="A", credibility=1)
    with make.db.unit_of_work() as s:
        s.execute(update(Statement).where(Statement.id.in_([stale, wallet])).values(last_seen=T0 - timedelta(days=120)))
    with make.db.reader() as s:
        chosen = set(s.scalars(select(Statement.id).join(Observable, Observable.id == Statement.observable_id)
                               .where(score_expression(T0) >= 40)))
    assert chosen == {fresh, wallet}
