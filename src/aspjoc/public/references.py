"""Reference numbers given to the public: unguessable, short enough to write down, no look-alike characters."""

from __future__ import annotations

import secrets
from datetime import datetime

# No 0/O, 1/I/L: people copy these from a phone screen onto paper and read them out on the phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(prefix: str, now: datetime) -> str:
    """``PREFIX-YYYY-XXXX-XXXX``: 8 random characters (about 40 bits), e.g. ``SR-2026-7KQ4-M9XD``."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{now.year}-{body[:4]}-{body[4:]}"
