"""The demo region: 19 national units, the hub, IGOs and partners, users, sharing groups
and several thousand synthetic statements built from reserved or fictitious identifiers.

``load_demo`` is what ``aspjoc demo`` calls; the ``SHOWCASE_*`` values are fixed
identifiers that show deconfliction, sharing and the public check in a walkthrough.
"""

from __future__ import annotations

from aspjoc.demo.loader import DEMO_PASSWORD, DemoResult, load_demo
from aspjoc.demo.showcase import (
    SHOWCASE_MULE_ACCOUNT,
    SHOWCASE_PUBLIC_URL,
    SHOWCASE_RED_PHONE,
    SHOWCASE_SHARED_WALLET,
)

__all__ = [
    "DEMO_PASSWORD",
    "SHOWCASE_MULE_ACCOUNT",
    "SHOWCASE_PUBLIC_URL",
    "SHOWCASE_RED_PHONE",
    "SHOWCASE_SHARED_WALLET",
    "DemoResult",
    "load_demo",
]
