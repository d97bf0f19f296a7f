"""Console sign-in, sign-out, second factor and account pages."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote

import pyotp
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from aspjoc import audit
from aspjoc.accounts.models import User
from aspjoc.accounts.passwords import check_password, check_totp, new_totp_secret
from aspjoc.accounts.service import principal_for
from aspjoc.config import Settings
from aspjoc.web import sessions
from aspjoc.web.deps import SESSION_COOKIE, AppSettings, DbSession, Now, SignedIn, check_csrf
from aspjoc.web.templating import render

router = APIRouter(include_in_schema=False)
FORM_COOKIE = "aspjoc_form"
WRONG = "Wrong e-mail or password."


def _safe_next(target: str) -> str:
    """Only same-site paths; anything else (``//host``, ``https://...``) goes to the dashboard."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _signin_page(request: Request, error: str = "", second_factor: bool = False, email: str = "", next: str = "/",
                 status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", {"error": error, "second_factor": second_factor, "email": email,
                                               "next": next, "form_csrf": token}, status_code=status)
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", max_age=3600)
    return response


def _form_csrf_ok(request: Request, submitted: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), submitted.encode())


def _set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
                        max_age=settings.session_hours * 3600)


def _register_failure(session: Session, user: User, settings: Settings, now: datetime) -> None:
    user.failed_logins += 1
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
        audit.record(session, principal_for(session, user), "signin.locked", now, "user", user.id)


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    return _signin_page(request, next=_safe_next(next))


@router.post("/signin")
def signin(request: Request, session: DbSession, now: Now, settings: AppSettings,
           email: Annotated[str, Form()], password: Annotated[str, Form()],
           csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    if not _form_csrf_ok(request, csrf_token):
        return _signin_page(request, "The form expired; please try again.", email=email, status=400)
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        check_password(None, password)
        return _signin_page(request, WRONG, email=email, status=401)
    if user.locked_until is not None and user.locked_until > now:
        return _signin_page(request, f"Too many failed attempts; the account is locked until {user.locked_until:%H:%M} UTC.",
                            email=email, status=401)
    if not check_password(user.password_hash, password):
        _register_failure(session, user, settings, now)
        return _signin_page(request, WRONG, email=email, status=401)
    user.failed_logins = 0
    token = sessions.start(session, user, now, settings.session_hours, second_factor_pending=user.totp_enabled)
    target = "/signin/code" if user.totp_enabled else _safe_next(next)
    if not user.totp_enabled:
        audit.record(session, principal_for(session, user), "signin", now, "user", user.id)
    response = RedirectResponse(target, status_code=303)
    _set_session_cookie(response, token, settings)
    return response


@router.get("/signin/code")
def second_factor_form(request: Request) -> Response:
    return _signin_page(request, second_factor=True)


@router.post("/signin/code")
def second_factor(request: Request, session: DbSession, now: Now, settings: AppSettings,
                  code: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "") -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    found = sessions.active(session, token, now) if token else None
    if found is None or not _form_csrf_ok(request, csrf_token):
        return RedirectResponse("/signin", status_code=303)
    web_session, user = found
    if user.locked_until is not None and user.locked_until > now:
        return _signin_page(request, "The account is locked; try again later.", second_factor=True, status=401)
    if not user.totp_secret or not check_totp(user.totp_secret, code, now.timestamp()):
        _register_failure(session, user, settings, now)
        return _signin_page(request, "That code is not valid.", second_factor=True, status=401)
    user.failed_logins = 0
    sessions.end(session, token)
    fresh = sessions.start(session, user, now, settings.session_hours, second_factor_pending=False)
    audit.record(session, principal_for(session, user), "signin", now, "user", user.id, {"second_factor": True})
    response = RedirectResponse("/", status_code=303)
    _set_session_cookie(response, fresh, settings)
    return response


@router.post("/signout")
def signout(request: Request, principal: SignedIn, session: DbSession,
            csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    sessions.end(session, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account")
def account(request: Request, principal: SignedIn, session: DbSession) -> Response:
    user = session.get(User, principal.user_id)
    return render(request, "account.html", {"user": user, "secret": None})


@router.post("/account/totp")
def totp_start(request: Request, principal: SignedIn, session: DbSession, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Give the user a new secret to enter in an authenticator; it takes effect once a code from it is confirmed."""
    check_csrf(request, csrf_token)
    user = session.get(User, principal.user_id)
    assert user is not None
    user.totp_secret = new_totp_secret()
    user.totp_enabled = False
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name="aspjoc")
    return render(request, "account.html", {"user": user, "secret": user.totp_secret, "uri": uri, "uri_q": quote(uri)})


@router.post("/account/totp/confirm")
def totp_confirm(request: Request, principal: SignedIn, session: DbSession, now: Now,
                 code: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    user = session.get(User, principal.user_id)
    assert user is not None
    if not user.totp_secret or not check_totp(user.totp_secret, code, now.timestamp()):
        return render(request, "account.html", {"user": user, "secret": user.totp_secret, "error": "That code is not valid."},
                      status_code=422)
    user.totp_enabled = True
    audit.record(session, principal, "account.totp_enabled", now, "user", user.id)
    return render(request, "account.html", {"user": user, "secret": None, "message": "Two-step sign-in is on."})
