"""Each generated section as sentences, charts (``aspjoc.charts``) and tables, from the stored snapshot.

Charts are drawn once per snapshot and kept in a small in-process cache keyed by the product and
a digest of the snapshot, so the console does not redraw them on every page view.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

from aspjoc import charts
from aspjoc.countries import country_name
from aspjoc.products.content import Content, Count, Infrastructure, Matches, Volumes
from aspjoc.products.document import Figure, Section, Table
from aspjoc.products.generate import SECTION_TITLES
from aspjoc.products.models import Product
from aspjoc.products.tables import (
    clusters_section,
    count,
    indicators_section,
    outcomes_section,
)

CACHE_SIZE = 64
_cache: OrderedDict[tuple[str, str, str], Section] = OrderedDict()


def n(value: int) -> str:
    return f"{value:,}"


def change(now: int, before: int | None) -> str:
    """'+12%', '−5%', 'new' (nothing before) or '' (no comparison)."""
    if before is None:
        return ""
    if before == 0:
        return "new" if now else "—"
    pct = round(100 * (now - before) / before)
    return f"+{pct}%" if pct > 0 else f"−{-pct}%" if pct < 0 else "0%"


def _versus(now: int, before: int) -> str:
    """', up 12% on the previous period of the same length (1,204)' and the like."""
    if not before:
        return "; nothing was reported in the previous period of the same length"
    pct = round(100 * (now - before) / before)
    trend = f"up {pct}% on" if pct > 0 else f"down {-pct}% on" if pct < 0 else "about the same as"
    return f", {trend} the previous period of the same length ({n(before)})"


def _bars(rows: list[Count], title: str, previous: bool = False, observables: bool = False, limit: int = 12) -> charts.Chart:
    rows = rows[:limit]
    values = [r.observables if observables else r.statements for r in rows]
    before = [r.previous or 0 for r in rows] if previous else None
    return charts.bars([r.label for r in rows], values, title=title, previous=before)


def _count_table(rows: list[Count], first: str, caption: str, statements: bool = True) -> Table:
    headers = [first, "Identifiers"] + (["Statements"] if statements else [])
    body = [[r.label, n(r.observables)] + ([n(r.statements)] if statements else []) for r in rows]
    return Table(headers, body, [False, True] + ([True] if statements else []), caption)


def volumes_section(v: Volumes, charts_on: bool) -> Section:
    s = Section("volumes", SECTION_TITLES["volumes"])
    versus = _versus(v.statements, v.previous_statements)
    verb = "was" if v.statements == 1 else "were"
    s.paragraphs.append(f"{count(v.statements, 'statement')} on {count(v.observables, 'identifier')} {verb} first reported "
                        f"in the period by {count(v.organisations, 'organisation')} in "
                        f"{count(v.countries, 'country', 'countries')}{versus}.")
    if v.by_crime:
        top = v.by_crime[0]
        share = round(100 * top.statements / v.statements) if v.statements else 0
        s.paragraphs.append(f"The most reported crime type was {top.label} ({n(top.statements)} statements, {share}% of the total).")
    if v.by_type:
        s.paragraphs.append(f"The most reported kind of identifier was {v.by_type[0].label} ({n(v.by_type[0].observables)} identifiers).")
    if charts_on:
        s.figures += [
            Figure(charts.lines(v.months, {c.name.replace("_", " "): c.values for c in v.crime_series},
                                title="Statements per month, five main crime types"), "Monthly trend by crime type"),
            Figure(_bars(v.by_crime, "Statements by crime type", previous=bool(v.previous_statements)),
                   "By crime type" + (", against the previous period" if v.previous_statements else "")),
            Figure(_bars(v.by_type, "Identifiers by type", observables=True), "By identifier type"),
            Figure(_bars(v.by_country, "Statements by reporting country", limit=20), "By reporting country"),
        ]
    s.tables.append(Table(["Crime type", "This period", "Previous period", "Change"],
                          [[c.label, n(c.statements), n(c.previous or 0), change(c.statements, c.previous)] for c in v.by_crime],
                          [False, True, True, True], "Statements by crime type"))
    return s


def infrastructure_section(i: Infrastructure, charts_on: bool) -> Section:
    s = Section("infrastructure", SECTION_TITLES["infrastructure"])
    if i.domains:
        s.paragraphs.append(f"The registered domain carrying most reported identifiers was {i.domains[0].label} "
                            f"({n(i.domains[0].observables)} identifiers).")
    if i.phone_countries:
        s.paragraphs.append(f"Most reported phone numbers were {country_name(i.phone_countries[0].key)} numbers "
                            f"({n(i.phone_countries[0].observables)}).")
    if i.chains:
        s.paragraphs.append(f"Most reported wallets were on {i.chains[0].label} ({n(i.chains[0].observables)}).")
    if charts_on:
        s.figures += [Figure(_bars(i.tlds, "Identifiers by top-level domain", observables=True), "Top-level domains"),
                      Figure(_bars(i.phone_countries, "Phone numbers by country of origin", observables=True), "Phone number origins")]
    s.tables += [_count_table(i.domains, "Registered domain", "Registered domains"),
                 _count_table(i.networks, "Network (/24)", "Hosting networks (IPv4 /24)"),
                 _count_table(i.chains, "Chain", "Crypto wallets by chain")]
    return s


def matches_section(m: Matches, charts_on: bool) -> Section:
    s = Section("matches", SECTION_TITLES["matches"])
    verb = "was" if m.observables == 1 else "were"
    s.paragraphs.append(f"{count(m.observables, 'identifier')} {verb} reported in the period by organisations of two or more countries.")
    if m.by_pair:
        s.paragraphs.append(f"The pair of countries sharing most identifiers was {m.by_pair[0].label} ({n(m.by_pair[0].observables)}).")
    if charts_on and m.by_pair:
        s.figures.append(Figure(_bars(m.by_pair, "Identifiers reported by both countries", observables=True), "Country pairs"))
    s.tables.append(Table(["Identifier", "Type", "Countries", "Organisations", "Statements"],
                          [[r.value, r.type.replace("_", " "), ", ".join(r.countries), n(r.organisations), n(r.statements)]
                           for r in m.items], [False, False, False, True, True], "Identifiers held in most countries"))
    return s


def _build(name: str, content: Content, charts_on: bool) -> Section | None:
    builders: dict[str, Callable[[], Section | None]] = {
        "volumes": lambda: volumes_section(content.volumes, charts_on) if content.volumes else None,
        "infrastructure": lambda: infrastructure_section(content.infrastructure, charts_on) if content.infrastructure else None,
        "matches": lambda: matches_section(content.matches, charts_on) if content.matches else None,
        "clusters": lambda: clusters_section(content.clusters) if content.clusters else None,
        "outcomes": lambda: outcomes_section(content.outcomes) if content.outcomes else None,
        "indicators": lambda: indicators_section(content.indicators) if content.indicators else None,
    }
    return builders[name]()


def section_for(name: str, content: Content, product: Product, charts_on: bool = True) -> Section | None:
    """Section ``name`` of ``product`` from ``content`` (None when the snapshot lacks it), charts cached per snapshot."""
    if not charts_on:
        return _build(name, content, charts_on)
    # Keyed by the snapshot itself: a regeneration at the same instant (a fixed clock) must not reuse old charts.
    key = (product.uuid, hashlib.sha256(content.model_dump_json().encode()).hexdigest(), name)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    section = _build(name, content, charts_on)
    if section is not None:
        _cache[key] = section
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return section
