"""Community matching keys: versioned, rotated, and the one keyed hash every party computes.

The message hashed is ``"<observable type>:<canonical value>"`` in UTF-8 (for example
``phone:+6799990001``), so the same identifier gives the same digest wherever it is canonicalised
by aspjoc, and values of two types never collide. The digest is HMAC-SHA256 in lower-case hex.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from aspjoc.sharing.matching.models import MatchingEntry, MatchingKey

ALGORITHM = "HMAC-SHA256"
MESSAGE_FORMAT = "<observable type>:<canonical value>, UTF-8"


def digest(secret_hex: str, observable_type: str, value: str) -> str:
    """HMAC-SHA256 of ``"<type>:<value>"`` under the key ``secret_hex``, as lower-case hex."""
    message = f"{observable_type}:{value}".encode()
    return hmac.new(bytes.fromhex(secret_hex), message, hashlib.sha256).hexdigest()


def current_key(session: Session, now: datetime) -> MatchingKey:
    """The key in use: the newest unretired version, made (version 1) the first time it is needed."""
    key = session.scalar(select(MatchingKey).where(MatchingKey.retired_at.is_(None)).order_by(MatchingKey.version.desc()).limit(1))
    if key is None:
        key = _new_key(session, now)
    return key


def _new_key(session: Session, now: datetime) -> MatchingKey:
    newest = session.scalar(select(func.max(MatchingKey.version))) or 0
    key = MatchingKey(version=newest + 1, secret=secrets.token_hex(32), created_at=now)
    session.add(key)
    session.flush()
    return key


def rotate(session: Session, now: datetime) -> MatchingKey:
    """Make a new key version and retire every older one, dropping their index entries.

    The caller rebuilds the index under the new key (``index.refresh``); until nodes fetch the new
    key, their HMACs under the old one are refused with a message that says so.
    """
    key = _new_key(session, now)
    for old in session.scalars(select(MatchingKey).where(MatchingKey.version < key.version, MatchingKey.retired_at.is_(None))):
        old.retired_at = now
    session.execute(delete(MatchingEntry).where(MatchingEntry.key_version < key.version))
    session.flush()
    return key
