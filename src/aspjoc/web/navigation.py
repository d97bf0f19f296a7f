"""The console's top bar: capabilities' NAV entries gathered into a few menus."""

from __future__ import annotations

from dataclasses import dataclass

# Which menu each capability's entry belongs to; an entry not listed here lands under "More".
MENUS: dict[str, tuple[str, ...]] = {
    "Intelligence": ("Statements", "Add statement", "Ingest", "Matches", "Requests", "Notices"),
    "Operations": ("Operations", "Link analysis", "Evidence"),
    "Sharing": ("Private match", "Block lists", "Sharing", "TAXII", "MISP"),
    "Products": ("Products",),
    "Public": ("Public reports", "Delisting", "Public checks"),
    "Admin": ("Sources", "Retention"),
}
TOP = ("Dashboard", "Search")


@dataclass(frozen=True)
class Menu:
    label: str
    items: list[tuple[str, str]]


def build(entries: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[Menu]]:
    """Split NAV entries into top-level links and menus, keeping each menu's declared order."""
    top = [e for e in entries if e[0] in TOP]
    placed = {label for items in MENUS.values() for label in items} | set(TOP)
    menus = []
    for label, wanted in MENUS.items():
        items = sorted((e for e in entries if e[0] in wanted), key=lambda e: wanted.index(e[0]))
        if items:
            menus.append(Menu(label, items))
    others = [e for e in entries if e[0] not in placed]
    if others:
        menus.append(Menu("More", others))
    return top, menus
