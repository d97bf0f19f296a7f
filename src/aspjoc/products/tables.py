"""The table-only sections: new clusters, operation outcomes and indicators."""

from __future__ import annotations

from datetime import datetime

from aspjoc.products.content import Clusters, Indicators, OutcomeRow, Outcomes
from aspjoc.products.document import Section, Table
from aspjoc.products.generate import SECTION_TITLES


def n(value: int) -> str:
    return f"{value:,}"


def count(value: int, noun: str, plural: str = "") -> str:
    """'1 statement', '2,004 statements', '3 countries' (``plural`` when adding an s will not do)."""
    return f"{value:,} {noun if value == 1 else plural or noun + 's'}"


def day(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d}"


def clusters_section(c: Clusters) -> Section:
    s = Section("clusters", SECTION_TITLES["clusters"])
    if not c.total:
        s.paragraphs.append("No new cluster of shared infrastructure visible to this audience appeared in the period "
                            "(a registered domain or /24 network carrying three or more identifiers reported by two or more "
                            "organisations, none of them reported in the previous period).")
        return s
    s.paragraphs.append(f"{count(c.total, 'new cluster')} of shared infrastructure appeared in the period: registered domains "
                        "or /24 networks carrying three or more reported identifiers, reported by two or more organisations, "
                        f"none of them reported in the previous period. The largest {min(len(c.items), c.total)} follow.")
    s.tables.append(Table(
        ["Shared infrastructure", "Kind", "Identifiers", "Statements", "Organisations", "Crime types", "First reported"],
        [[r.label, r.kind, n(r.observables), n(r.statements), n(r.organisations),
          ", ".join(t.replace("_", " ") for t in r.crime_types), r.first_month] for r in c.items],
        [False, False, True, True, True, False, False], "New clusters, largest first", weights=(4, 2, 4, 2)))
    return s


def _amounts(row: OutcomeRow) -> str:
    return ", ".join(f"{currency} {float(amount):,.2f}" for currency, amount in row.amounts_held.items()) or "—"


def _rate(row: OutcomeRow) -> str:
    return f"{round(100 * row.takedowns_confirmed / row.takedowns_requested)}%" if row.takedowns_requested else "—"


def outcomes_section(o: Outcomes) -> Section:
    s = Section("outcomes", SECTION_TITLES["outcomes"])
    withheld = (f" Left out: {count(o.withheld, 'operation')} whose figures differ between this product's readers "
                "(some targets or actions are marked for fewer readers)." if o.withheld else "")
    if not o.items or o.totals is None:
        s.paragraphs.append("No operation that this audience may see ran in the period." + withheld)
        return s
    t = o.totals
    s.paragraphs.append(
        f"{count(len(o.items), 'operation')} ran in the period: {count(t.targets, 'target')}, {n(t.takedowns_confirmed)} of "
        f"{n(t.takedowns_requested)} requested takedowns confirmed ({_rate(t)}), {n(t.arrests)} arrests, "
        f"{n(t.accounts_frozen)} accounts frozen, {n(t.servers_seized)} servers seized and {n(t.victims_notified)} "
        f"victims notified; funds held: {_amounts(t)}.{withheld}")
    rows = [[r.operation, r.crime_type.replace("_", " "), f"{r.starts_on} – {r.ends_on}", n(r.targets),
             f"{n(r.takedowns_confirmed)} / {n(r.takedowns_requested)}", n(r.arrests), n(r.accounts_frozen),
             n(r.victims_notified), _amounts(r)] for r in [*o.items, t]]
    s.tables.append(Table(["Operation", "Crime type", "Dates", "Targets", "Taken down / requested", "Arrests",
                           "Accounts frozen", "Victims notified", "Funds held"], rows,
                          [False, False, False, True, True, True, True, True, True], "Outcomes computed from the actions recorded"))
    return s


def indicators_section(i: Indicators) -> Section:
    s = Section("indicators", SECTION_TITLES["indicators"])
    if not i.total:
        s.paragraphs.append("No indicator visible to this audience was reported in the period.")
        return s
    s.paragraphs.append(f"{count(i.total, 'identifier')} reported for this threat in the period; the {len(i.items)} "
                        "reported most often follow. Check them against your own logs, accounts and subscriber records.")
    s.tables.append(Table(["Identifier", "Type", "Statements", "Organisations", "First seen", "Last seen"],
                          [[r.value, r.type.replace("_", " "), n(r.statements), n(r.organisations), day(r.first_seen),
                            day(r.last_seen)] for r in i.items],
                          [False, False, True, True, False, False], "Most reported indicators"))
    return s
