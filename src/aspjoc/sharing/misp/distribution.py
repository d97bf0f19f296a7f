"""MISP distribution levels and TLP tags to aspjoc markings, and back.

In MISP, TLP is only a tag and distribution decides who receives; in aspjoc, the marking decides. The
mapping keeps the most restrictive reading of the two:

| MISP distribution | aspjoc marking (owner: the organisation that adds the data) |
|---|---|
| 0 your organisation only | AMBER+STRICT with no recipients (the owner only), or RED when tagged ``tlp:red`` |
| 1 this community, 2 connected communities | the TLP tag, GREEN when untagged; never CLEAR |
| 3 all communities | the TLP tag, GREEN when untagged (CLEAR only when tagged ``tlp:clear``/``tlp:white``) |
| 4 sharing group | the TLP tag but at least AMBER, with the sharing group as the recipient |
| 5 inherit | the event's distribution |

Along a path (event, then attribute) the most restrictive level wins; two different sharing groups on
one path cannot be expressed and fall back to 0.

Back from a marking (what a reader or a remote is told): CLEAR → 3, GREEN → 2 (a community, not the
public), AMBER with no recipients → 1, AMBER or AMBER+STRICT naming one sharing group and nothing else
→ 4, anything else (named organisations or users, RED) → 0. The distribution an attribute or event was
given is kept too, and the narrower of the two is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from aspjoc.errors import InvalidInput
from aspjoc.marking import TLP, MarkingSpec

ORG_ONLY, COMMUNITY, CONNECTED, ALL, GROUP, INHERIT = 0, 1, 2, 3, 4, 5
# Narrowness order for levels 0-3 (lower is narrower); a sharing group ranks with "this community".
_RANK = {ORG_ONLY: 0, COMMUNITY: 1, GROUP: 1, CONNECTED: 2, ALL: 3}
TLP_COLOURS = {TLP.CLEAR: "#ffffff", TLP.GREEN: "#33ff00", TLP.AMBER: "#ffc000", TLP.AMBER_STRICT: "#ffc000",
               TLP.RED: "#ff2b2b"}


@dataclass(frozen=True)
class Distribution:
    """A distribution level and, for level 4, its sharing group id."""

    level: int
    group_id: int | None = None


def is_tlp_tag(name: str) -> bool:
    return name.strip().lower().startswith("tlp:")


def tlp_of_tags(names: list[str]) -> TLP | None:
    """The most restrictive TLP level among ``names`` (``tlp:white`` reads as CLEAR); None when none is a TLP tag.

    Unknown ``tlp:`` values (``tlp:ex:chr``) are ignored: they carry no level aspjoc can enforce.
    """
    found: TLP | None = None
    for name in names:
        if not is_tlp_tag(name):
            continue
        try:
            level = TLP.parse(name)
        except InvalidInput:
            continue
        found = level if found is None else max(found, level)
    return found


def tlp_tag(level: TLP) -> str:
    return f"tlp:{level.label}"


def along_path(event: Distribution, attribute: Distribution) -> Distribution:
    """The effective distribution of an attribute in an event: inherit, then the narrower of the two."""
    if attribute.level == INHERIT:
        return event
    if GROUP in (event.level, attribute.level):
        groups = {d.group_id for d in (event, attribute) if d.level == GROUP}
        if len(groups) != 1 or None in groups:
            return Distribution(ORG_ONLY)
        if ORG_ONLY in (event.level, attribute.level):
            return Distribution(ORG_ONLY)
        return Distribution(GROUP, groups.pop())
    return event if _RANK[event.level] <= _RANK[attribute.level] else attribute


def marking_for(owner_org_id: int, distribution: Distribution, tlp: TLP | None) -> MarkingSpec:
    """The marking that data under ``distribution`` and tagged ``tlp`` gets when ``owner_org_id`` stores it."""
    level = distribution.level
    if level == ORG_ONLY:
        return MarkingSpec(owner_org_id, TLP.RED if tlp is TLP.RED else TLP.AMBER_STRICT)
    if level == GROUP and distribution.group_id is not None:
        return MarkingSpec(owner_org_id, max(tlp or TLP.AMBER, TLP.AMBER), groups=frozenset({distribution.group_id}))
    if level == ALL:
        return MarkingSpec(owner_org_id, tlp if tlp is not None else TLP.GREEN)
    return MarkingSpec(owner_org_id, max(tlp or TLP.GREEN, TLP.GREEN))


def of_marking(tlp: TLP, org_recipients: int, user_recipients: int, groups: list[int]) -> Distribution:
    """The distribution a marking amounts to, for readers and remotes (see the module's table)."""
    if tlp is TLP.CLEAR:
        return Distribution(ALL)
    if tlp is TLP.GREEN:
        return Distribution(CONNECTED)
    if tlp in (TLP.AMBER, TLP.AMBER_STRICT) and len(groups) == 1 and not org_recipients and not user_recipients:
        return Distribution(GROUP, groups[0])
    if tlp is TLP.AMBER and not (groups or org_recipients or user_recipients):
        return Distribution(COMMUNITY)
    return Distribution(ORG_ONLY)


def narrower(given: Distribution, implied: Distribution) -> Distribution:
    """The narrower of the distribution data was given and the one its current marking implies."""
    if given.level == INHERIT:
        return implied
    return along_path(given, implied)


def after_sync(distribution: Distribution) -> Distribution | None:
    """What a distribution becomes on the other side of a sync, or None when it must not cross.

    MISP: 0 is never synchronised, 1 is not pushed (and becomes 0 when pulled), 2 becomes 1, 3 stays,
    4 stays with its group (the caller checks the other side belongs to the group).
    """
    if distribution.level == CONNECTED:
        return Distribution(COMMUNITY)
    if distribution.level in (ALL, GROUP):
        return distribution
    return None


def after_pull(distribution: Distribution) -> Distribution:
    """The distribution pulled data is stored under: 1 becomes 0, 2 becomes 1, the rest as for a push."""
    if distribution.level in (ORG_ONLY, COMMUNITY):
        return Distribution(ORG_ONLY)
    crossed = after_sync(distribution)
    return crossed if crossed is not None else Distribution(ORG_ONLY)
