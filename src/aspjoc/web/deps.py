"""Request dependencies: the unit of work, the principal, the clock."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from aspjoc.access import Principal
from aspjoc.accounts import service as accounts
from aspjoc.accounts.models import User
from aspjoc.config import Settings
from aspjoc.errors import AuthenticationFailed, PermissionDenied
from aspjoc.web import sessions

SESSION_COOKIE = "aspjoc_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; committed once when the handler returns, rolled back if it raises."""
    with request.app.state.db.unit_of_work() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session, scope="function")]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_now(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


Now = Annotated[datetime, Depends(get_now)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def user_from_request(request: Request, session: Session, now: datetime) -> User | None:
    """The user behind a bearer token or a fully signed-in console cookie, else None.

    A token that is present but wrong is an error, not an anonymous request.
    """
    token = _bearer(request)
    if token is not None:
        return accounts.user_for_token(session, token, now)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = sessions.active(session, cookie, now)
        if found is not None and not found[0].second_factor_pending:
            request.state.csrf_token = found[0].csrf_token
            if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
                check_csrf(request, request.headers.get("x-csrf-token", ""))
            return found[1]
    return None


def check_csrf(request: Request, submitted: str) -> None:
    """Raise unless ``submitted`` equals the session's CSRF token (compared in constant time)."""
    expected = getattr(request.state, "csrf_token", "")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters, which a forged form may send.
    if not expected or not hmac.compare_digest(expected.encode(), (submitted or "").encode()):
        raise PermissionDenied("csrf_token", "the form has expired or did not come from this site; reload the page and try again")


def get_principal(request: Request, session: DbSession, now: Now) -> Principal:
    """The caller as the access gate sees it; the anonymous public when nobody signed in."""
    user = user_from_request(request, session, now)
    principal = accounts.principal_for(session, user) if user else Principal.public()
    request.state.principal = principal
    return principal


def require_user(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.authenticated:
        raise AuthenticationFailed("Authorization", "sign in, or send 'Authorization: Bearer <token>'")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
SignedIn = Annotated[Principal, Depends(require_user)]
