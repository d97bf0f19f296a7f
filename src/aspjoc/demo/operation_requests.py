"""What the units and partners did in the demo operation: takedown requests and answers, freeze and
stop-payment requests racing their legal clocks, arrests, a search and seizure, victims notified.

All through the operations services, at times set relative to ``now``; the outcomes pages then compute
the wave's results from this action log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import zip_longest

from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.demo.operation import COUNTRIES, Wave
from aspjoc.demo.region import PARTNERS
from aspjoc.demo.showcase import SHOWCASE_MULE_ACCOUNT, SHOWCASE_SHARED_WALLET
from aspjoc.intel.schemas import ObservableIn, RecipientsIn
from aspjoc.operations import actions, freezes, takedowns, targets
from aspjoc.operations.evidence import service as evidence
from aspjoc.operations.evidence.store import EvidenceStore
from aspjoc.operations.graph.schemas import RecordMarkingIn
from aspjoc.operations.schemas import ActionIn, FreezeIn, FreezeStatusIn, TakedownIn, TakedownResponseIn, TargetPatch

SENDER = "takedown-desk@hub.aspjoc.test"
RESPONSE_HOURS = 48
TELCO_PARTNER = "partner@telco.aspjoc.test"
# (provider kind, name, e-mail, partner key when the provider is a partner here) by identifier type.
PROVIDERS = {
    "url": ("host", "Example Hosting Ltd", "abuse@hosting.example", None),
    "domain": ("registrar", PARTNERS["registrar"][0], "abuse@registry.example", "registrar"),
    "email": ("platform", "Example Mail Service", "abuse@mail.example", None),
    "phone": ("telco", PARTNERS["telco"][0], "fraud@telco.example", "telco"),
    "social_handle": ("platform", "Example Social Platform", "abuse@social.example", None),
    "app": ("platform", "Example App Store", "abuse@apps.example", None),
}
# What became of each request, in turn: mostly taken down, one refused, one overdue, one awaiting, one draft.
FATES = ("confirmed", "confirmed", "refused", "confirmed", "overdue", "confirmed", "awaiting", "confirmed", "draft")
ANSWERS = {"confirmed": "Suspended for abuse; the content is no longer served.",
           "refused": "We could not confirm the abuse from the evidence given; please send a court order."}
SAVED_PAGE = (b"<!doctype html><html><head><title>Lotus Markets - VIP withdrawal</title></head><body>"
              b"<h1>Lotus Markets</h1><p>Your profit of 182,400 THB is ready. Pay the 12% release fee in USDT to "
              b"withdraw.</p><form><input name='account'><input name='otp'></form></body></html>\n")
CURRENCY = {"TH": "THB", "PH": "PHP", "MY": "MYR", "KH": "USD"}


def _attach_saved_page(session: Session, wave: Wave, store: EvidenceStore, target_id: int, at: datetime) -> None:
    """The hub's saved copy of one lure page (CLEAR: the page is public) on the target; it goes with the notice."""
    incoming = store.incoming(1 << 20)
    incoming.write(SAVED_PAGE)
    received = incoming.finish()
    try:
        evidence.intake(session, wave.hub, store, received, evidence.NewEvidence(
            subject_type="target", subject_id=str(target_id), filename="lotus-markets-withdrawal.html",
            content_type="text/html", description="Saved copy of the lure page, captured by the hub's crawler.",
            marking=RecordMarkingIn(tlp="clear", recipients=RecipientsIn())), at)
    except BaseException:
        received.path.unlink(missing_ok=True)
        raise


def request_takedowns(session: Session, wave: Wave, store: EvidenceStore, attach: bool, now: datetime) -> None:
    """A request for each of the first takedown targets (one per entry of FATES; the rest still wait for theirs),
    each sent (exported as .eml) and answered as FATES says."""
    telco = accounts.principal_for(session, accounts.find_user(session, TELCO_PARTNER))
    by_country = [wave.of(country, *PROVIDERS) for country in COUNTRIES]
    queue = [t for turn in zip_longest(*by_country) for t in turn if t is not None][:len(FATES)]
    web = next((t[0] for t in queue if t[1] in ("domain", "url")), None)
    for i, (target_id, type_, _value) in enumerate(queue):
        fate = FATES[i % len(FATES)]
        kind, name, email, partner = PROVIDERS[type_]
        drafted = wave.started + timedelta(days=3, hours=3 * i)
        if attach and target_id == web:
            _attach_saved_page(session, wave, store, target_id, drafted)
        row = takedowns.create_takedown(session, wave.hub, wave.operation_id, TakedownIn(
            target_id=target_id, provider_kind=kind, provider_name=name, provider_email=email,
            provider_org=PARTNERS[partner][0] if partner else None,
            grounds="Used in an investment-scam and bank-phishing wave against the region's public."),
            drafted, RESPONSE_HOURS)
        if fate == "draft":
            continue
        sent = {"overdue": now - timedelta(days=3), "awaiting": now - timedelta(hours=12)}.get(fate, drafted + timedelta(hours=1))
        takedowns.export_eml(session, wave.hub, row.id, SENDER, store, sent, RESPONSE_HOURS)
        if fate in ANSWERS:
            answerer = telco if partner == "telco" else wave.hub
            takedowns.record_response(session, answerer, row.id, TakedownResponseIn(status=fate, text=ANSWERS[fate]),
                                      sent + timedelta(hours=6 + 5 * (i % 7)))


def _freeze(session: Session, requester: Principal, wave: Wave, target: tuple[int, str, str], acting: str,
            institution: tuple[str, str | None], amount: str, currency: str, kind: str, at: datetime) -> int:
    _, type_, value = target
    return freezes.create_freeze(session, requester, FreezeIn(
        kind=kind, operation_id=wave.operation_id, target_id=target[0], account=ObservableIn(value=value, type=type_),
        acting_org=wave.units[acting].org_name, institution_name=institution[0], institution_org=institution[1],
        amount=Decimal(amount), currency=currency, transaction_refs=[f"DEMO-{kind.upper()}-{target[0]:04d}"],
        note="Victims' transfers traced to this account within the hour."), at).id


def request_freezes(session: Session, wave: Wave, now: datetime) -> None:
    """A freeze whose clock is still running, a wallet held at an exchange (its hold running), and a stop-payment
    recovered."""
    bank = PARTNERS["bank"][0]
    mule = next(t for t in wave.of("MY", "bank_account") if t[2] == SHOWCASE_MULE_ACCOUNT)
    running = _freeze(session, wave.units["TH"], wave, mule, "MY", (f"{bank} (Kuala Lumpur branch)", bank),
                      "186400", "MYR", "freeze", now - timedelta(hours=18))
    freezes.change_status(session, wave.units["MY"], running, FreezeStatusIn(status="acknowledged"),
                          now - timedelta(hours=15))
    wallet = next(t for t in wave.of("KH", "crypto_wallet") if t[2] == SHOWCASE_SHARED_WALLET)
    opened = now - timedelta(days=3)
    held = _freeze(session, wave.units["PH"], wave, wallet, "KH", ("Example Digital Asset Exchange", None),
                   "48500", "USDT", "freeze", opened)
    freezes.change_status(session, wave.units["KH"], held, FreezeStatusIn(status="acknowledged"), opened + timedelta(hours=2))
    freezes.change_status(session, wave.units["KH"], held, FreezeStatusIn(status="held", amount=Decimal("46200"),
                                                                          note="Exchange froze the balance."),
                          opened + timedelta(hours=20))
    others = [(c, t) for types in (("bank_account",), ("crypto_wallet",)) for c in COUNTRIES for t in wave.of(c, *types)
              if t[2] not in (SHOWCASE_MULE_ACCOUNT, SHOWCASE_SHARED_WALLET)]
    if others:
        country, target = others[0]
        requester = next(c for c in wave.units if c != country)
        currency = "USDT" if target[1] == "crypto_wallet" else CURRENCY[country]
        opened = wave.started + timedelta(days=8)
        recovered = _freeze(session, wave.units[requester], wave, target, country, ("Example Regional Bank", None),
                            "310000", currency, "stop_payment", opened)
        for step, hours in (("held", 5), ("recovered", 24 * 6)):
            freezes.change_status(session, wave.units[country], recovered, FreezeStatusIn(status=step),
                                  opened + timedelta(hours=hours))


def record_actions(session: Session, wave: Wave) -> None:
    """Arrests, a search and seizure at the compound, and victims notified, each by the unit that acted."""
    day = wave.started + timedelta(days=12)
    first = {c: wave.targets[c][0][0] for c in wave.targets if wave.targets[c]}
    mule = next(t[0] for t in wave.of("MY", "bank_account") if t[2] == SHOWCASE_MULE_ACCOUNT)
    plan: list[tuple[str, ActionIn]] = [
        ("TH", ActionIn(target_id=wave.entity_targets["manager"], kind="arrest", quantity=1, occurred_at=day,
                        note="Arrested at Suvarnabhumi on arrival.")),
        ("KH", ActionIn(target_id=wave.entity_targets["crew"], kind="arrest", quantity=4, occurred_at=day + timedelta(days=1))),
        ("KH", ActionIn(target_id=wave.entity_targets["crew"], kind="search", quantity=1, occurred_at=day + timedelta(days=1))),
        ("KH", ActionIn(target_id=wave.entity_targets["crew"], kind="seizure", servers=3, devices=17,
                        occurred_at=day + timedelta(days=1), note="Phones and laptops with the scam scripts.")),
        ("MY", ActionIn(target_id=mule, kind="arrest", quantity=1, occurred_at=day + timedelta(days=2),
                        note="Account holder; recruited through a job advert.")),
    ]
    for country, count in (("PH", 1240), ("TH", 860), ("MY", 312)):
        if country in first:
            plan.append((country, ActionIn(target_id=first[country], kind="victims_notified", quantity=count,
                                           occurred_at=day + timedelta(days=3))))
    for country, data in plan:
        recorded = (data.occurred_at or day) + timedelta(hours=2)
        actions.record_action(session, wave.units[country], wave.operation_id, data, recorded)


def settle_targets(session: Session, wave: Wave, now: datetime) -> None:
    """Each target's status as its requests and actions left it: done once taken down, recovered or arrested;
    in progress while a request awaits an answer, a freeze holds, or a takedown was refused."""
    done: set[int] = set(wave.entity_targets.values())
    busy: set[int] = set()
    for row in takedowns.list_takedowns(session, wave.hub, wave.operation_id):
        if row.status == "confirmed":
            done.add(row.target_id)
        elif row.status != "draft":
            busy.add(row.target_id)
    for request in freezes.list_freezes(session, wave.hub, open_only=False, operation_id=wave.operation_id):
        if request.target_id is not None:
            (done if request.status == "recovered" else busy).add(request.target_id)
    for target_id in sorted(done | busy):
        status = "done" if target_id in done else "in_progress"
        targets.update_target(session, wave.hub, wave.operation_id, target_id, TargetPatch(status=status), now)
