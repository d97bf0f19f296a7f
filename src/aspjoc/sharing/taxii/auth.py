"""Who is calling the TAXII server: HTTP basic or bearer authentication (TAXII 2.1 §1.6.5).

* ``Authorization: Bearer <API token>``;
* ``Authorization: Basic`` with the user's e-mail and either an API token or the password as the
  password. A user with a second factor must use a token: a password alone is not enough for them.

Password checks cost an argon2 hash, and TAXII clients send credentials on every request, so a
successful check is remembered in the app's memory for a few minutes (keyed by the e-mail, a
SHA-256 of the password and the stored hash, so a password change ends it). Failed password
checks count towards the account lock exactly as console sign-ins do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import User
from aspjoc.accounts.passwords import check_password
from aspjoc.config import Settings
from aspjoc.db import Database
from aspjoc.errors import AuthenticationFailed
from aspjoc.sharing.taxii.media import unauthenticated

REMEMBER_SECONDS = 300
REMEMBER_MAX = 1000


def _remembered(request: Request) -> dict[tuple[str, str, str], float]:
    cache: dict[tuple[str, str, str], float] | None = getattr(request.app.state, "taxii_password_cache", None)
    if cache is None:
        cache = {}
        request.app.state.taxii_password_cache = cache
    return cache


def _basic(header_value: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(header_value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise unauthenticated("the basic credentials are not base64 of 'e-mail:secret'") from exc
    email, sep, secret = decoded.partition(":")
    if not sep:
        raise unauthenticated("the basic credentials are not 'e-mail:secret'")
    return email.strip().lower(), secret


def _register_failure(db: Database, user_id: int, settings: Settings, now: datetime) -> None:
    """Count a failed password in its own unit of work (the request's own rolls back on the error)."""
    with db.unit_of_work() as session:
        user = session.get(User, user_id)
        if user is None:
            return
        user.failed_logins += 1
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0


def _password_user(request: Request, session: Session, email: str, secret: str, now: datetime) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None or not user.active:
        check_password(None, secret)
        raise unauthenticated("wrong e-mail, token or password")
    if user.locked_until is not None and user.locked_until > now:
        raise unauthenticated(f"too many failed attempts; the account is locked until {user.locked_until:%H:%M} UTC")
    if user.totp_enabled:
        raise unauthenticated("this account has a second factor; use an API token as the password or a bearer token")
    key = (email, hashlib.sha256(secret.encode()).hexdigest(), user.password_hash or "")
    cache = _remembered(request)
    if cache.get(key, 0.0) > time.monotonic():
        return user
    if not check_password(user.password_hash, secret):
        _register_failure(request.app.state.db, user.id, request.app.state.settings, now)
        raise unauthenticated("wrong e-mail, token or password")
    if len(cache) >= REMEMBER_MAX:
        cache.clear()
    cache[key] = time.monotonic() + REMEMBER_SECONDS
    return user


def _token_user(session: Session, token: str, now: datetime, email: str | None = None) -> User:
    try:
        user = accounts.user_for_token(session, token, now)
    except AuthenticationFailed as exc:
        raise unauthenticated(exc.reason) from exc
    if email is not None and user.email != email:
        raise unauthenticated("the token belongs to another user")
    return user


def caller(request: Request, session: Session, now: datetime) -> Principal:
    """The principal behind the request's credentials; a TAXII 401 error when they are missing or wrong."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and value.strip():
        user = _token_user(session, value.strip(), now)
    elif scheme == "basic" and value.strip():
        email, secret = _basic(value)
        if secret.startswith(accounts.TOKEN_PREFIX):
            user = _token_user(session, secret, now, email)
        else:
            user = _password_user(request, session, email, secret, now)
    else:
        raise unauthenticated("send HTTP basic (e-mail and API token or password) or bearer credentials")
    principal = accounts.principal_for(session, user)
    request.state.principal = principal
    return principal
