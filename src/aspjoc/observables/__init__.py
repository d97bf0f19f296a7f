"""Observables: typed, canonical identifiers (IPs, domains, phones, accounts, wallets …).

``canonicalise`` turns one value into a ``Canonical``; ``extract`` finds them in free text.
"""

from __future__ import annotations

from .canonical import canonicalise, canonicalise_many, detect_type
from .extract import extract
from .refang import refang
from .types import Canonical, ObservableType

__all__ = [
    "Canonical",
    "ObservableType",
    "canonicalise",
    "canonicalise_many",
    "detect_type",
    "extract",
    "refang",
]
