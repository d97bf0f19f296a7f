"""Operation outcomes in a product: figures from ``aspjoc.operations.outcomes`` that every reader would compute alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from products_helpers import create, load, product_in
from support import Factory

from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn
from aspjoc.operations import actions, targets
from aspjoc.operations import service as operations
from aspjoc.operations.schemas import ActionIn, OperationIn, OpMarkingIn, TargetIn
from aspjoc.products import workflow
from aspjoc.products.export import render
from aspjoc.products.schemas import ProductPatch


def test_outcomes_appear_for_the_operations_readers_and_are_withheld_once_they_differ(
        db: Database, make: Factory, clock: FixedClock) -> None:
    th, my = make.org("Thai Cyber Unit", "TH"), make.org("Malaysian Cyber Unit", "MY")
    author = make.principal(make.user("a@th.aspjoc.test", th))
    now = clock.now()
    with db.unit_of_work() as s:
        op = operations.create_operation(s, author, OperationIn(
            name="Mekong Wave", crime_type="investment_scam", starts_on=date(2026, 3, 1), ends_on=date(2026, 4, 30),
            participants=[my.id], status="active"), now)
        group = op.group_id
        arrest = targets.add_target(s, author, op.id, TargetIn(observable=ObservableIn(value="+66812349901"), country="TH",
                                                               action="arrest"), now)
        site = targets.add_target(s, author, op.id, TargetIn(observable=ObservableIn(value="https://fx-mekong.example/"),
                                                             country="MY", action="takedown"), now)
        for data in (ActionIn(target_id=arrest.id, kind="arrest", quantity=3),
                     ActionIn(target_id=arrest.id, kind="funds_held", amount=Decimal("1500"), currency="USD"),
                     ActionIn(target_id=site.id, kind="takedown_requested"),
                     ActionIn(target_id=site.id, kind="takedown_confirmed")):
            actions.record_action(s, author, op.id, data, now)
        op_id = op.id
    to_group = product_in(tlp="amber", title="Mekong activity").model_copy(
        update={"kind": "activity_report", "marking": MarkingIn(tlp="amber", recipients=RecipientsIn(groups=[group]))})
    amber = create(db, author, to_group, now)
    text = " ".join(render(load(db, amber), "md").data.decode().split())
    assert "1 operation ran in the period: 2 targets, 1 of 1 requested takedowns confirmed (100%), 3 arrests" in text
    assert "USD 1,500.00" in text and "| Mekong Wave |" in text

    green = " ".join(render(load(db, create(db, author, product_in(title="Public-ish"), now)), "md").data.decode().split())
    assert "No operation that this audience may see ran in the period." in green and "Mekong Wave" not in green

    with db.unit_of_work() as s:
        actions.record_action(s, author, op_id, ActionIn(target_id=arrest.id, kind="arrest", quantity=2,
                                                         marking=OpMarkingIn(tlp="red")), now)
    with db.unit_of_work() as s:
        workflow.update_product(s, author, amber, ProductPatch(summary="Regenerated after a RED arrest."), now)
    withheld = " ".join(render(load(db, amber), "md").data.decode().split())
    assert "Left out: 1 operation whose figures differ" in withheld and "Mekong Wave" not in withheld
    assert "5 arrests" not in withheld and "3 arrests" not in withheld
