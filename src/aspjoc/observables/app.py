"""Mobile app identifiers: Android package names and iOS bundle ids."""

from __future__ import annotations

import re

from aspjoc.errors import InvalidObservable

from .display import shown
from .types import Canonical, ObservableType

_APP = ObservableType.app

# Android segments are letters, digits and underscores starting with a letter; iOS bundle
# ids also allow hyphens. Both are reverse-DNS with at least two segments.
_APP_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+")


def canonical_app(value: str) -> Canonical:
    """Return the package or bundle id as written (case is significant on both stores)."""
    text = value.strip()
    if len(text) > 255 or not _APP_ID.fullmatch(text):
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not an app id: expected reverse-DNS segments like com.example.wallet "
            "(letters, digits, _ and -, starting with a letter)",
        )
    return Canonical(_APP, text)
