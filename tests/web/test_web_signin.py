"""Console sign-in: argon2id passwords, CSRF on forms, lock-out, TOTP second factor, sign-out."""

from __future__ import annotations

import re
from typing import Any

import pyotp

from support import PASSWORD, Factory

HTML = {"accept": "text/html"}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _sign_in(client: Any, email: str, password: str = PASSWORD) -> Any:
    token = _csrf(client.get("/signin").text)
    return client.post("/signin", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False)


def test_sign_in_opens_the_dashboard_and_stores_argon2id_hash(client: Any, make: Factory, db: Any) -> None:
    org = make.org("Fiji Cyber Unit", "FJ")
    user = make.user("a@fj.aspjoc.test", org)
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    reply = _sign_in(client, "a@fj.aspjoc.test")
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    cookie = reply.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    page = client.get("/", headers=HTML)
    assert page.status_code == 200 and "Dashboard" in page.text and "Fiji Cyber Unit" in page.text


def test_console_without_sign_in_redirects_to_sign_in(client: Any) -> None:
    reply = client.get("/", headers=HTML, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/signin")


def test_wrong_password_and_unknown_user_answer_alike(client: Any, make: Factory) -> None:
    make.user("a@fj.aspjoc.test", make.org("Fiji Cyber Unit", "FJ"))
    wrong = _sign_in(client, "a@fj.aspjoc.test", "not the password")
    unknown = _sign_in(client, "nobody@fj.aspjoc.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong e-mail or password" in wrong.text and "Wrong e-mail or password" in unknown.text


def test_account_locks_after_repeated_failures(client: Any, make: Factory, clock: Any) -> None:
    make.user("a@fj.aspjoc.test", make.org("Fiji Cyber Unit", "FJ"))
    for _ in range(3):
        _sign_in(client, "a@fj.aspjoc.test", "wrong password!")
    locked = _sign_in(client, "a@fj.aspjoc.test")
    assert locked.status_code == 401 and "locked" in locked.text
    clock.advance(minutes=16)
    assert _sign_in(client, "a@fj.aspjoc.test").status_code == 303


def test_form_without_csrf_token_is_refused(client: Any, make: Factory) -> None:
    make.user("a@fj.aspjoc.test", make.org("Fiji Cyber Unit", "FJ"))
    client.get("/signin")
    reply = client.post("/signin", data={"email": "a@fj.aspjoc.test", "password": PASSWORD, "csrf_token": "forged"})
    assert reply.status_code == 400
    _sign_in(client, "a@fj.aspjoc.test")
    signout = client.post("/signout", data={"csrf_token": "forged"}, headers=HTML)
    assert signout.status_code == 403
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200


def test_cookie_session_cannot_post_to_api_without_csrf_header(client: Any, make: Factory) -> None:
    make.user("a@fj.aspjoc.test", make.org("Fiji Cyber Unit", "FJ"))
    _sign_in(client, "a@fj.aspjoc.test")
    assert client.get("/api/v1/me").status_code == 200
    reply = client.post("/api/v1/statements", json={"observable": {"value": "192.0.2.1"}})
    assert reply.status_code == 403 and reply.json()["field"] == "csrf_token"


def test_totp_second_factor(client: Any, make: Factory, clock: Any) -> None:
    make.user("a@fj.aspjoc.test", make.org("Fiji Cyber Unit", "FJ"))
    _sign_in(client, "a@fj.aspjoc.test")
    page = client.get("/account", headers=HTML)
    setup = client.post("/account/totp", data={"csrf_token": _csrf(page.text)}, headers=HTML)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', setup.text).group(1)  # type: ignore[union-attr]
    code = pyotp.TOTP(secret).at(clock.now())
    done = client.post("/account/totp/confirm", data={"csrf_token": _csrf(setup.text), "code": code}, headers=HTML)
    assert "Two-step sign-in is on" in done.text
    client.post("/signout", data={"csrf_token": _csrf(done.text)})

    first = _sign_in(client, "a@fj.aspjoc.test")
    assert first.headers["location"] == "/signin/code"
    assert client.get("/api/v1/me").status_code == 401
    form = client.get("/signin/code")
    bad = client.post("/signin/code", data={"code": "000000", "csrf_token": _csrf(form.text)}, follow_redirects=False)
    assert bad.status_code == 401
    form = client.get("/signin/code")
    good = client.post("/signin/code", data={"code": pyotp.TOTP(secret).at(clock.now()), "csrf_token": _csrf(form.text)},
                       follow_redirects=False)
    assert good.status_code == 303 and good.headers["location"] == "/"
    assert client.get("/api/v1/me").json()["email"] == "a@fj.aspjoc.test"


def test_next_parameter_cannot_send_the_user_off_site(client: Any, make: Factory) -> None:
    make.user("a@fj.aspjoc.test", make.org("Fiji Cyber Unit", "FJ"))
    token = _csrf(client.get("/signin").text)
    reply = client.post("/signin", data={"email": "a@fj.aspjoc.test", "password": PASSWORD, "csrf_token": token,
                                         "next": "//evil.example/"}, follow_redirects=False)
    assert reply.headers["location"] == "/"


def test_non_ascii_csrf_token_is_refused_not_a_crash(client: Any, make: Factory) -> None:
    make.user("a@fj.aspjoc.test", make.org("Fiji Cyber Unit", "FJ"))
    client.get("/signin")
    reply = client.post("/signin", data={"email": "a@fj.aspjoc.test", "password": PASSWORD, "csrf_token": "ไทย"})
    assert reply.status_code == 400
    _sign_in(client, "a@fj.aspjoc.test")
    assert client.post("/signout", data={"csrf_token": "ไทย"}, headers=HTML).status_code == 403
