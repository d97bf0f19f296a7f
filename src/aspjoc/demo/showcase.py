"""Fixed facts of the demo that walkthroughs and tests rely on, whatever the seed.

Each value is already canonical, so it can be typed into a lookup as is.
"""

from __future__ import annotations

from aspjoc.demo.dataset import Planner
from aspjoc.intel.models import CrimeType as C
from aspjoc.intel.models import StatementKind as K
from aspjoc.marking import Handling, MarkingSpec, TLP

# Held RED by the Thailand unit (readable only by its investigator) and GREEN by the
# Philippines unit: the PH analyst sees the GREEN statement and "held elsewhere".
SHOWCASE_RED_PHONE = "+66812347301"
# A USDT (TRC-20) wallet held GREEN by both the Philippines and the Cambodia units.
SHOWCASE_SHARED_WALLET = "tron:TTn1QSCYXYSZteYU2AyRLFuwN7fU4SjoiA"
# A phishing URL the vendor marks CLEAR with public-use consent: the public check finds it.
SHOWCASE_PUBLIC_URL = "https://secure-login.coral-sea-bank.example.net/verify"
# A Malaysian mule account held RED by Thailand (for the hub only), GREEN by Malaysia and
# AMBER by the bank for the financial partners group.
SHOWCASE_MULE_ACCOUNT = "MY:951:520384661730"

TH_INVESTIGATOR = "investigator@th.aspjoc.test"


def plan_showcase(planner: Planner) -> None:
    """Add the showcase statements to ``planner`` before the random ones, so no random value can take their place."""
    region = planner.region
    th, ph, kh, my = (region.org_id(c) for c in ("TH", "PH", "KH", "MY"))
    investigator = region.users[TH_INVESTIGATOR]

    phone = planner.observable(SHOWCASE_RED_PHONE, "phone")
    red_to_investigator = MarkingSpec(th, TLP.RED, users=frozenset({(investigator.id, th)}),
                                      handling=Handling.NOTIFY_OWNER | Handling.NO_EXPORT)
    planner.state(phone, "TH", K.TARGET, C.INVESTMENT_SCAM, red_to_investigator, "case file", days_ago=40,
                  description="Handler number of a scam compound's 'investment coach'; subject of an open Thai case.")
    planner.state(phone, "PH", K.INDICATOR, C.INVESTMENT_SCAM, MarkingSpec(ph, TLP.GREEN), "victim complaints",
                  days_ago=25, description="Number that contacted Filipino victims of a fake trading group.")

    wallet = planner.observable(SHOWCASE_SHARED_WALLET, "crypto_wallet")
    for owner, org_id, days in (("PH", ph, 60), ("KH", kh, 45)):
        planner.state(wallet, owner, K.INDICATOR, C.INVESTMENT_SCAM, MarkingSpec(org_id, TLP.GREEN),
                      "victim complaints", days_ago=days,
                      description="USDT deposit wallet of a fake investment platform.")

    url = planner.observable(SHOWCASE_PUBLIC_URL, "url")
    public = MarkingSpec(region.org_id("vendor"), TLP.CLEAR, public_use=True)
    planner.state(url, "vendor", K.INDICATOR, C.PHISHING, public, "phishing crawler", days_ago=12,
                  description="Credential phishing page imitating Coral Sea Bank, sent by SMS.")

    account = planner.observable(SHOWCASE_MULE_ACCOUNT, "bank_account")
    planner.state(account, "TH", K.TARGET, C.MONEY_MULE,
                  MarkingSpec(th, TLP.RED, orgs=frozenset({region.org_id("hub")})), "bank referral", days_ago=9,
                  description="Received funds of Thai victims within minutes of the transfer; freeze requested.")
    planner.state(account, "MY", K.INDICATOR, C.MONEY_MULE, MarkingSpec(my, TLP.GREEN), "bank referral",
                  days_ago=7, description="Mule account recruited through a job advert.")
    financial = frozenset({region.groups["Financial partners"]})
    planner.state(account, "bank", K.INDICATOR, C.MONEY_MULE,
                  MarkingSpec(region.org_id("bank"), TLP.AMBER, groups=financial), "fraud desk referrals",
                  days_ago=8, description="Inbound transfers flagged by the bank's fraud desk.")
