"""How demo statements are marked: a realistic mix of TLP levels, recipients and handling codes.

Across the dataset roughly 15% CLEAR, 35% GREEN, 30% AMBER, 10% AMBER+STRICT and 10%
RED; partners mark by their own habits (the bank shares with the financial group, the
vendor mostly GREEN). Recipients and handling codes follow each owner's habits (the hub, a
neighbour, the other holder, a sharing group), so the statements share a few hundred
stored markings rather than one each.
"""

from __future__ import annotations

import random

from aspjoc.demo.region import GROUPS, MEKONG, PACIFIC, Region
from aspjoc.marking import Handling, MarkingSpec, TLP

LEVELS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
UNIT_WEIGHTS = (15, 35, 30, 10, 10)
VENDOR_WEIGHTS = (22, 48, 30, 0, 0)
TELCO_WEIGHTS = (0, 40, 60, 0, 0)
MARITIME = ("PH", "ID", "MY", "SG", "BN", "TL")
HUB_ANALYST = "analyst@hub.aspjoc.test"
# Units that ask to be told when others retrieve their restricted data (DESIGN: "A country may ask").
NOTIFYING_OWNERS = frozenset({"TH", "SG", "ID"})


def neighbours(country: str | None) -> tuple[str, ...]:
    """Member countries an owner in ``country`` most often works with."""
    for cluster in (MEKONG, PACIFIC, MARITIME):
        if country in cluster:
            return tuple(c for c in cluster if c != country)
    return MARITIME


class Marker:
    """Draws a MarkingSpec for a statement by a given owner."""

    def __init__(self, rng: random.Random, region: Region) -> None:
        self.rng = rng
        self.region = region
        self.group_ids = {name: region.groups[name] for name in GROUPS}

    def restricted(self, owner: str, partner: str | None = None) -> MarkingSpec:
        """A RED or AMBER+STRICT marking, as an owner uses for an active investigation."""
        level = TLP.RED if self.rng.random() < 0.5 else TLP.AMBER_STRICT
        return self._spec(owner, level, partner)

    def shared(self, owner: str) -> MarkingSpec:
        """A GREEN or AMBER-to-all-law-enforcement marking, as a second holder often shares."""
        level = TLP.GREEN if self.rng.random() < 0.6 else TLP.AMBER
        return MarkingSpec(self.region.org_id(owner), level, handling=self._handling(owner, level))

    def draw(self, owner: str, partner: str | None = None) -> MarkingSpec:
        """A marking drawn from the owner's usual mix; ``partner`` is a likely recipient organisation."""
        if owner == "bank":
            return self._bank()
        weights = {"vendor": VENDOR_WEIGHTS, "telco": TELCO_WEIGHTS}.get(owner, UNIT_WEIGHTS)
        level = self.rng.choices(LEVELS, weights)[0]
        return self._spec(owner, level, partner)

    def _spec(self, owner: str, level: TLP, partner: str | None) -> MarkingSpec:
        owner_id = self.region.org_id(owner)
        handling = self._handling(owner, level)
        if level is TLP.CLEAR:
            return MarkingSpec(owner_id, level, handling=handling, public_use=self.rng.random() < 0.65)
        if level is TLP.GREEN:
            return MarkingSpec(owner_id, level, handling=handling, public_use=self.rng.random() < 0.08)
        if level is TLP.AMBER:
            return self._amber(owner, owner_id, handling, partner)
        if level is TLP.AMBER_STRICT:
            return MarkingSpec(owner_id, level, orgs=self._orgs(owner, partner), handling=handling)
        return self._red(owner_id, handling, partner)

    def _amber(self, owner: str, owner_id: int, handling: Handling, partner: str | None) -> MarkingSpec:
        public = self.rng.random() < 0.1
        roll = self.rng.random()
        if roll < 0.4:
            return MarkingSpec(owner_id, TLP.AMBER, handling=handling, public_use=public)
        groups = self._groups_of(owner)
        if roll < 0.7 and groups:
            return MarkingSpec(owner_id, TLP.AMBER, groups=frozenset({self.group_ids[self.rng.choice(groups)]}),
                               handling=handling, public_use=public)
        return MarkingSpec(owner_id, TLP.AMBER, orgs=self._orgs(owner, partner), handling=handling, public_use=public)

    def _red(self, owner_id: int, handling: Handling, partner: str | None) -> MarkingSpec:
        handling |= Handling.NO_EXPORT if self.rng.random() < 0.3 else Handling.NONE
        if partner is not None and self.rng.random() < 0.5:
            return MarkingSpec(owner_id, TLP.RED, orgs=frozenset({self.region.org_id(partner)}), handling=handling)
        if self.rng.random() < 0.6:
            analyst = self.region.users[HUB_ANALYST]
            return MarkingSpec(owner_id, TLP.RED, users=frozenset({(analyst.id, analyst.org_id)}), handling=handling)
        return MarkingSpec(owner_id, TLP.RED, orgs=frozenset({self.region.org_id("hub")}), handling=handling)

    def _bank(self) -> MarkingSpec:
        owner_id = self.region.org_id("bank")
        if self.rng.random() < 0.85:
            return MarkingSpec(owner_id, TLP.AMBER, groups=frozenset({self.group_ids["Financial partners"]}))
        return MarkingSpec(owner_id, TLP.AMBER_STRICT, orgs=frozenset({self.region.org_id("hub")}),
                           handling=Handling.VERIFY_BEFORE_ACTION)

    def _orgs(self, owner: str, partner: str | None) -> frozenset[int]:
        hub = self.region.org_id("hub")
        if partner is not None and self.rng.random() < 0.6:
            return frozenset({hub, self.region.org_id(partner)})
        if self.rng.random() < 0.5:
            return frozenset({hub})
        country = self.region.orgs[owner].country
        return frozenset({hub, self.region.org_id(self.rng.choice(neighbours(country)))})

    def _groups_of(self, owner: str) -> list[str]:
        return [name for name, (members, _) in GROUPS.items() if owner in members or owner == "hub"]

    def _handling(self, owner: str, level: TLP) -> Handling:
        # Handling codes are mostly an owner's standing policy, not a per-record whim.
        if owner in NOTIFYING_OWNERS and level >= TLP.AMBER:
            return Handling.NOTIFY_OWNER
        roll = self.rng.random()
        if roll < 0.03 and level >= TLP.GREEN:
            return Handling.NO_EXPORT
        if roll < 0.06 and level >= TLP.AMBER:
            return Handling.VERIFY_BEFORE_ACTION
        if roll < 0.07 and level >= TLP.AMBER:
            return Handling.NO_COURT_USE
        return Handling.NONE
