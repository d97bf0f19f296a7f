"""The synthetic statements of the demo region, planned in memory before anything is stored.

Weights follow what the region's units report: scams and phishing dominate, and the
identifiers are mostly financial and telecom (phone numbers, mule accounts, USDT on
TRON, messaging handles), with URLs, domains, IPs, APKs and a few file hashes from the
vendor's telemetry. About one observable in eight is held by organisations of two or
more countries, some of them under RED or AMBER+STRICT, so deconfliction shows.
"""

from __future__ import annotations

import json
import random
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aspjoc.countries import MEMBER_COUNTRIES
from aspjoc.demo import identifiers as ids
from aspjoc.demo.markings import Marker, neighbours
from aspjoc.demo.region import Region
from aspjoc.intel.models import CrimeType as C
from aspjoc.intel.models import StatementKind as K
from aspjoc.intel.service import RETENTION
from aspjoc.marking import MarkingSpec
from aspjoc.observables import Canonical, canonicalise

OBSERVABLES = 3_400

CRIMES: dict[C, int] = {
    C.INVESTMENT_SCAM: 24, C.PHISHING: 20, C.ONLINE_FRAUD: 12, C.ROMANCE_SCAM: 10, C.MONEY_MULE: 9,
    C.INFOSTEALER: 6, C.BEC: 5, C.SEXTORTION: 4, C.MALWARE: 3, C.RANSOMWARE: 2, C.BOTNET: 1,
}
# Identifier kinds per crime type, by weight; keys name the generators in GENERATORS.
IDENTIFIERS: dict[C, dict[str, int]] = {
    C.INVESTMENT_SCAM: {"phone": 25, "bank_account": 20, "social_handle": 20, "crypto_wallet": 20, "url": 8, "domain": 5, "app": 2},
    C.PHISHING: {"url": 45, "domain": 25, "phone": 10, "ipv4": 8, "email": 7, "app": 5},
    C.ONLINE_FRAUD: {"phone": 30, "bank_account": 30, "social_handle": 25, "url": 10, "email": 5},
    C.ROMANCE_SCAM: {"social_handle": 35, "phone": 30, "bank_account": 15, "crypto_wallet": 10, "email": 10},
    C.MONEY_MULE: {"bank_account": 70, "crypto_wallet": 15, "phone": 10, "social_handle": 5},
    C.INFOSTEALER: {"url": 25, "ipv4": 20, "domain": 20, "sha256": 20, "app": 10, "ipv6": 5},
    C.BEC: {"email": 45, "bank_account": 30, "domain": 20, "ipv4": 5},
    C.SEXTORTION: {"social_handle": 45, "phone": 25, "crypto_wallet": 20, "email": 10},
    C.MALWARE: {"sha256": 40, "app": 30, "domain": 15, "ipv4": 15},
    C.RANSOMWARE: {"sha256": 35, "ipv4": 20, "domain": 20, "crypto_wallet": 15, "email": 10},
    C.BOTNET: {"ipv4": 60, "ipv6": 10, "domain": 30},
}
# Reported volume differs by population and by how exposed each country is to scam compounds.
COUNTRY_WEIGHTS: dict[str, float] = {
    "PH": 14, "TH": 14, "ID": 12, "MY": 10, "VN": 10, "SG": 7, "KH": 6, "LA": 3, "FJ": 4, "PG": 3,
    "BN": 2, "TL": 2, "WS": 1.5, "TO": 1.5, "VU": 1.5, "SB": 1.5, "KI": 1, "NR": 0.7, "MH": 0.7,
}
GENERATORS: dict[str, Callable[[random.Random, str, str], str]] = {
    "phone": lambda rng, country, crime: ids.phone(rng, country),
    "bank_account": lambda rng, country, crime: ids.bank_account(rng, country),
    "social_handle": lambda rng, country, crime: ids.social_handle(rng, country),
    "crypto_wallet": lambda rng, country, crime: ids.crypto_wallet(rng),
    "url": lambda rng, country, crime: ids.url(rng),
    "domain": lambda rng, country, crime: ids.hostname(rng),
    "ipv4": lambda rng, country, crime: ids.ipv4(rng),
    "ipv6": lambda rng, country, crime: ids.ipv6(rng),
    "email": lambda rng, country, crime: ids.email(rng, crime),
    "app": lambda rng, country, crime: ids.app(rng),
    "sha256": lambda rng, country, crime: ids.sha256(rng),
}
PRIVATE = frozenset({"vendor", "bank", "telco", "registrar"})
NETWORK = frozenset({"url", "domain", "ipv4", "ipv6", "sha256", "app"})
SOURCES = {
    "unit": ("victim complaints", "case file", "bank referral", "hub activity report"),
    "hub": ("partner intake", "hub validation"),
    "vendor": ("vendor telemetry", "phishing crawler"),
    "bank": ("fraud desk referrals",),
    "telco": ("SMS spam reports",),
}
SIGHTING_SOURCE = "public scam reports"
DESCRIPTIONS: dict[C, tuple[str, ...]] = {
    C.INVESTMENT_SCAM: ("Fake trading platform promising daily returns; victims added to a 'VIP signals' group.",
                        "Victims told to deposit USDT to unlock withdrawals from a fake investment app."),
    C.PHISHING: ("Bank credential phishing sent by SMS with a parcel or refund lure.",
                 "Login page imitating a regional bank; captures one-time passwords."),
    C.ONLINE_FRAUD: ("Marketplace seller took payment and never delivered.",
                     "Fake job offer: paid 'tasks' followed by demands for deposits."),
    C.ROMANCE_SCAM: ("Contact built a relationship online, then asked for money for an emergency.",),
    C.MONEY_MULE: ("Account received victim funds and was emptied within minutes.",
                   "Mule recruited through a job advert; passes funds on to the next layer."),
    C.INFOSTEALER: ("Infostealer delivery or command-and-control infrastructure.",),
    C.BEC: ("Supplier invoice redirected to a new beneficiary account after mailbox compromise.",),
    C.SEXTORTION: ("Victim threatened with release of intimate images unless paid.",),
    C.MALWARE: ("Malicious Android app requesting SMS and accessibility permissions.",),
    C.RANSOMWARE: ("Ransomware sample or payment infrastructure seen in a regional incident.",),
    C.BOTNET: ("Botnet node seen scanning and relaying fraud traffic.",),
}
# The source's tags, as feeds and partners attach them; each statement gets one or two of its crime
# type's, chosen from its value and owner (not from the random stream, so the rest of the demo is unchanged).
TAGS: dict[C, tuple[str, ...]] = {
    C.INVESTMENT_SCAM: ("pig-butchering", "fake-trading-app", "usdt-trc20", "vip-signals-group"),
    C.PHISHING: ("smishing", "parcel-lure", "bank-otp-phish", "kit:16shop"),
    C.ONLINE_FRAUD: ("task-scam", "marketplace-non-delivery", "fake-job-offer"),
    C.ROMANCE_SCAM: ("romance", "dating-app"),
    C.MONEY_MULE: ("mule-account", "mule-recruitment", "layer-1"),
    C.INFOSTEALER: ("redline", "lumma", "c2"),
    C.BEC: ("invoice-redirect", "mailbox-compromise"),
    C.SEXTORTION: ("sextortion",),
    C.MALWARE: ("android-banker", "sms-stealer", "apk"),
    C.RANSOMWARE: ("lockbit", "ransom-payment"),
    C.BOTNET: ("mozi", "scanner"),
}


@dataclass(frozen=True)
class Planned:
    """One statement to store; the observable and marking are resolved to ids when written."""

    observable: tuple[str, str]
    owner: str
    kind: str
    crime: str
    spec: MarkingSpec
    source: str
    description: str
    fields: dict[str, Any]


class Planner:
    """Builds the demo's observables and statements deterministically from ``rng``."""

    def __init__(self, rng: random.Random, region: Region, now: datetime) -> None:
        self.rng = rng
        self.region = region
        self.now = now
        self.marker = Marker(rng, region)
        self.observables: dict[tuple[str, str], Canonical] = {}
        self.statements: list[Planned] = []
        self._keys: set[tuple[str, str, str, str, str]] = set()
        self._units = list(COUNTRY_WEIGHTS)
        self._unit_weights = list(COUNTRY_WEIGHTS.values())

    def observable(self, raw: str, type_name: str) -> Canonical:
        """Canonicalise ``raw`` and register it (the same value twice is the same observable)."""
        canonical = canonicalise(raw, type_name)
        self.observables.setdefault((canonical.type.value, canonical.value), canonical)
        return canonical

    def state(self, canonical: Canonical, owner: str, kind: str, crime: str, spec: MarkingSpec, source: str,
              days_ago: float | None = None, description: str | None = None) -> None:
        """Plan one statement; a repeat of (observable, owner, kind, source) is skipped, as the table is unique on it."""
        key = (canonical.type.value, canonical.value, owner, kind, source)
        if key in self._keys:
            return
        self._keys.add(key)
        fields = self._times(canonical.type.value in NETWORK, days_ago) | self._grading(kind)
        fields["tags"] = _tags(crime, f"{canonical.value} {owner}")
        self.statements.append(Planned((canonical.type.value, canonical.value), owner, kind, crime, spec, source,
                                       description or self.rng.choice(DESCRIPTIONS[C(crime)]), fields))

    def plan_random(self, target: int = OBSERVABLES) -> None:
        while len(self.observables) < target:
            self._one()

    def _one(self) -> None:
        rng = self.rng
        crime = rng.choices(list(CRIMES), list(CRIMES.values()))[0]
        kinds = IDENTIFIERS[crime]
        type_name = rng.choices(list(kinds), list(kinds.values()))[0]
        country = rng.choices(self._units, self._unit_weights)[0]
        raw = GENERATORS[type_name](rng, country, crime.value)
        canonical = canonicalise(raw, type_name)
        if (canonical.type.value, canonical.value) in self.observables:
            return
        self.observables[(canonical.type.value, canonical.value)] = canonical
        owner = self._primary(type_name, country)
        partner = self._other_country_unit(owner, country) if rng.random() < 0.11 else None
        # Investigations, not partner feeds, are what get held RED or AMBER+STRICT.
        restricted = partner is not None and owner not in PRIVATE and rng.random() < 0.4
        spec = self.marker.restricted(owner, partner) if restricted else self.marker.draw(owner, partner)
        self.state(canonical, owner, self._kind(type_name), crime, spec, self._source(owner))
        if rng.random() < 0.3:
            again = spec if rng.random() < 0.7 else self.marker.draw(owner, partner)
            self.state(canonical, owner, K.SIGHTING, crime, again, SIGHTING_SOURCE)
        if partner is not None:
            self._second_holder(canonical, crime, partner, owner, restricted)
        self._partner_reports(canonical, type_name, crime)

    def _second_holder(self, canonical: Canonical, crime: str, partner: str, owner: str, restricted: bool) -> None:
        spec = self.marker.shared(partner) if restricted else self.marker.draw(partner, owner)
        kind = K.TARGET if self.rng.random() < 0.25 else K.INDICATOR
        self.state(canonical, partner, kind, crime, spec, self._source(partner))
        if self.rng.random() < 0.2:
            third = "hub" if owner != "hub" and partner != "hub" else self._other_country_unit(partner, None)
            self.state(canonical, third, K.INDICATOR, crime, self.marker.draw(third, owner), self._source(third))

    def _partner_reports(self, canonical: Canonical, type_name: str, crime: str) -> None:
        roll = self.rng.random()
        partner = {"bank_account": "bank" if roll < 0.15 else None, "phone": "telco" if roll < 0.05 else None,
                   "domain": "registrar" if roll < 0.06 else None}.get(type_name)
        if partner is not None:
            self.state(canonical, partner, K.INDICATOR, crime, self.marker.draw(partner), self._source(partner))

    def _primary(self, type_name: str, country: str) -> str:
        roll = self.rng.random()
        if type_name in NETWORK:
            return "vendor" if roll < 0.45 else "hub" if roll < 0.55 else country
        if type_name == "bank_account":
            return "bank" if roll < 0.12 else "hub" if roll < 0.17 else country
        if type_name == "phone":
            return "telco" if roll < 0.05 else "hub" if roll < 0.10 else country
        return "hub" if roll < 0.08 else country

    def _other_country_unit(self, owner: str, country: str | None) -> str:
        """A national unit of a country other than the owner's (a neighbour most of the time)."""
        own = self.region.orgs[owner].country
        near = [c for c in neighbours(country or own) if c != own]
        if near and self.rng.random() < 0.7:
            return self.rng.choice(near)
        return self.rng.choice([c for c in MEMBER_COUNTRIES if c != own])

    def _kind(self, type_name: str) -> str:
        if type_name in NETWORK:
            return self.rng.choices((K.INDICATOR, K.SIGHTING), (85, 15))[0]
        return self.rng.choices((K.INDICATOR, K.TARGET, K.VICTIM, K.SIGHTING), (62, 14, 10, 14))[0]

    def _source(self, owner: str) -> str:
        role = owner if owner in SOURCES else "unit" if owner in COUNTRY_WEIGHTS else "hub"
        return self.rng.choice(SOURCES[role])

    def _times(self, network: bool, days_ago: float | None) -> dict[str, Any]:
        rng, now = self.rng, self.now
        age = timedelta(days=days_ago if days_ago is not None else rng.uniform(0.1, 365))
        first = (now - age).replace(microsecond=0)
        last = min(first + timedelta(days=rng.expovariate(1 / 20)), now).replace(microsecond=0)
        created = min(first + timedelta(hours=rng.uniform(1, 72)), now).replace(microsecond=0)
        updated = max(created, min(last + timedelta(hours=rng.uniform(0, 48)), now).replace(microsecond=0))
        return {"first_seen": first, "last_seen": last, "created_at": created, "updated_at": updated,
                "retention_until": first + RETENTION,
                "valid_until": last + timedelta(days=90) if network else None,
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4))}

    def _grading(self, kind: str) -> dict[str, Any]:
        rng = self.rng
        graded = rng.random() < 0.85
        return {"confidence": rng.randrange(40, 100, 5),
                "reliability": rng.choices("ABCDEF", (10, 35, 35, 12, 5, 3))[0] if graded else None,
                "credibility": rng.choices(range(1, 7), (10, 35, 30, 15, 5, 5))[0] if graded else None,
                "sightings": 1 + int(rng.expovariate(0.3)) if kind == K.SIGHTING else 1}


def _tags(crime: str, seed: str) -> str:
    """One or two of ``crime``'s tags as the JSON array statements store, picked by a digest of ``seed``."""
    choices = TAGS.get(C(crime), ())
    if not choices:
        return "[]"
    digest = zlib.crc32(seed.encode())
    picked = [choices[digest % len(choices)]]
    if digest & 0x100 and len(choices) > 1:
        picked.append(choices[(digest >> 9) % len(choices)])
    return json.dumps(list(dict.fromkeys(picked)))
