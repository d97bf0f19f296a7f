"""The most used infrastructure: registered domains, top-level domains, IPv4 /24 networks, phone number
origins and crypto chains, ranked by distinct observables in threat statements (victims left out)."""

from __future__ import annotations

import ipaddress

from aspjoc.countries import country_name
from aspjoc.observables import ObservableType as T
from aspjoc.products.content import Infrastructure
from aspjoc.products.sections import Context, counts, top_counts

CHAINS = {"btc": "Bitcoin", "eth": "Ethereum (and ERC-20 tokens)", "tron": "TRON (and TRC-20 tokens such as USDT)"}


def network_label(number: object) -> str:
    """``203.0.113.0/24`` for the /24 network number ``number``."""
    return f"{ipaddress.IPv4Address(int(str(number)) * 256)}/24"


def infrastructure(ctx: Context) -> Infrastructure:
    f = ctx.facts.c
    return Infrastructure(
        domains=counts(top_counts(ctx, f.domain)),
        tlds=counts(top_counts(ctx, ctx.dialect.after_first_dot(f.domain)), lambda k: f".{k}"),
        networks=counts(top_counts(ctx, f.net24), network_label),
        phone_countries=counts(top_counts(ctx, f.obs_country, f.obs_type == T.phone.value),
                               lambda k: f"{country_name(str(k))} ({k})"),
        chains=counts(top_counts(ctx, f.chain), lambda k: CHAINS.get(str(k), str(k))),
    )
