"""Draft → in review → approved → published: a second person approves, readers are notified, every step is audited."""

from __future__ import annotations

import pytest
from products_helpers import create, product_in
from sqlalchemy import select
from support import Factory

from aspjoc.audit import AuditEvent
from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from aspjoc.intel.models import Notice
from aspjoc.products import workflow
from aspjoc.products.models import ProductStatus
from aspjoc.products.schemas import ProductPatch
from aspjoc.products.service import published_public, visible_products


def _team(make: Factory) -> dict[str, object]:
    fj, to = make.org("Fiji Cyber Unit", "FJ"), make.org("Tonga Cyber Unit", "TO")
    hub = make.org("Regional Hub", "SG", kind="hub")
    return {"author": make.principal(make.user("a@fj.aspjoc.test", fj)), "colleague": make.principal(make.user("b@fj.aspjoc.test", fj)),
            "outsider": make.principal(make.user("a@to.aspjoc.test", to)), "hub": make.principal(make.user("a@hub.aspjoc.test", hub)),
            "viewer": make.principal(make.user("v@fj.aspjoc.test", fj, role="viewer")), "fj": fj, "to": to, "hub_org": hub}


def _step(db: Database, fn: object, *args: object) -> None:
    with db.unit_of_work() as s:
        fn(s, *args)  # type: ignore[operator]


def test_clear_product_needs_a_second_person_then_reaches_the_public_and_every_organisation(
        db: Database, make: Factory, clock: FixedClock) -> None:
    t = _team(make)
    now = clock.now()
    product_id = create(db, t["author"], product_in(tlp="clear", title="Parcel SMS phishing"), now)  # type: ignore[arg-type]
    with db.reader() as s:
        assert published_public(s) == []
        assert visible_products(s, t["outsider"]) == []  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        _step(db, workflow.approve, t["colleague"], product_id, now)
    _step(db, workflow.submit, t["author"], product_id, now)
    for who, error in (("author", PermissionDenied), ("outsider", NotFound), ("viewer", PermissionDenied)):
        with pytest.raises(error):
            _step(db, workflow.approve, t[who], product_id, now)
    with pytest.raises(Conflict):
        _step(db, workflow.update_product, t["author"], product_id, ProductPatch(title="Changed after submission"), now)
    with pytest.raises(InvalidInput):
        _step(db, workflow.return_to_draft, t["hub"], product_id, now, "  ")
    _step(db, workflow.return_to_draft, t["hub"], product_id, now, "Add the bank's reporting line.")
    _step(db, workflow.update_product, t["author"], product_id, ProductPatch(summary="Call **1-800-BANK** to report."), now)
    _step(db, workflow.submit, t["author"], product_id, now)
    _step(db, workflow.approve, t["hub"], product_id, now, "Good to go.")
    with pytest.raises(NotFound):  # approved is not yet published: still the author's and the hub's alone
        _step(db, workflow.publish, t["outsider"], product_id, now)
    _step(db, workflow.publish, t["author"], product_id, now)

    with db.reader() as s:
        public = published_public(s)
        assert [p.id for p in public] == [product_id] and public[0].status == ProductStatus.PUBLISHED.value
        assert public[0].approver is not None and public[0].approver.email == "a@hub.aspjoc.test"
        told = set(s.scalars(select(Notice.org_id).where(Notice.kind == "product")))
        assert told == {t["to"].id, t["hub_org"].id}  # type: ignore[attr-defined]
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "product").order_by(AuditEvent.id)))
    for action in ("product.create", "product.submit", "product.return", "product.update", "product.approve", "product.publish"):
        assert action in actions


def test_only_the_authors_organisation_or_the_hub_may_approve(db: Database, make: Factory, clock: FixedClock) -> None:
    t = _team(make)
    now = clock.now()
    green = create(db, t["author"], product_in(tlp="green", title="Romance scams"), now)  # type: ignore[arg-type]
    _step(db, workflow.submit, t["author"], green, now)
    with pytest.raises(NotFound):  # a draft or product in review is not the outsider's to see
        _step(db, workflow.approve, t["outsider"], green, now)
    _step(db, workflow.approve, t["colleague"], green, now)
    strict = create(db, t["author"], product_in(tlp="amber+strict", title="Case notes", organisations=[t["to"].id]), now)  # type: ignore[arg-type, attr-defined]
    _step(db, workflow.submit, t["author"], strict, now)
    with pytest.raises(NotFound):  # the hub is not among its recipients, so it may not review it
        _step(db, workflow.approve, t["hub"], strict, now)


def test_bad_input_names_the_field(db: Database, make: Factory, clock: FixedClock) -> None:
    t = _team(make)
    cases = [(product_in("advisory", "green", None), "crime_type"), (product_in(crime_type="jaywalking"), "crime_type"),
             (product_in().model_copy(update={"countries": ["QQ"]}), "countries"),
             (product_in().model_copy(update={"kind": "poem"}), "kind"), (product_in(tlp="purple"), "marking.tlp"),
             (product_in().model_copy(update={"period_end": product_in().period_start.replace(year=2020)}), "to")]
    for data, field in cases:
        with pytest.raises(InvalidInput) as raised:
            create(db, t["author"], data, clock.now())  # type: ignore[arg-type]
        assert raised.value.field == field, (data, raised.value)
    with pytest.raises(PermissionDenied):
        create(db, t["viewer"], product_in(), clock.now())  # type: ignore[arg-type]
