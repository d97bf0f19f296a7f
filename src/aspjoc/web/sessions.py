"""Console sign-in sessions: a random token in an HttpOnly cookie, its SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aspjoc.accounts.models import User, WebSession


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: User, now: datetime, hours: int, second_factor_pending: bool) -> str:
    """Open a sign-in session and return the cookie token."""
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=_key(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                           second_factor_pending=second_factor_pending, created_at=now,
                           expires_at=now + timedelta(hours=hours)))
    session.flush()
    return token


def active(session: Session, token: str, now: datetime) -> tuple[WebSession, User] | None:
    """The unexpired session for ``token`` and its active user, or None."""
    row = session.get(WebSession, _key(token))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return row, user


def end(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == _key(token)))


def end_expired(session: Session, now: datetime) -> None:
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))


def by_token(session: Session, token: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.id == _key(token)))
