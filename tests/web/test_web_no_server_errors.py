"""No request ends in a 500: every GET route of the app, with the demo region loaded, asked with good and bad
path and query values, signed in (bearer token of a hub administrator and of a national analyst) and not."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aspjoc.accounts import service as accounts
from aspjoc.clock import FixedClock
from aspjoc.db import Database
from aspjoc.demo import DEMO_PASSWORD, load_demo
from support import bearer

PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")
# A real id, nothing, a word, a number too big for any column, and text with quotes, a NUL and non-ASCII.
PATH_VALUES = ("1", "0", "abc", "99999999999999999999999", "x'\"%00é")
QUERY_VALUES = ("", "abc", "-1", "99999999999999999999999", "2026-13-45", "'; DROP TABLE statements; --", "\u0e01" * 300)
HEADERS = {"Accept": "text/html,application/json;q=0.9,*/*;q=0.8"}


@dataclass(frozen=True)
class Get:
    path: str
    query: tuple[str, ...]


def _get_routes(app: Any) -> list[Get]:
    """Every GET route with its declared query parameters, through included routers too."""
    found: dict[str, Get] = {}
    for route in app.routes:
        # Routers are included lazily; their routes are reached through their effective contexts.
        inner = list(route.effective_route_contexts()) if hasattr(route, "effective_route_contexts") else [route]
        for r in inner:
            if isinstance(getattr(r, "path", None), str) and "GET" in (getattr(r, "methods", None) or ()):
                dependant = getattr(r, "dependant", None)
                query = tuple(p.alias or p.name for p in dependant.query_params) if dependant else ()
                found.setdefault(r.path, Get(r.path, query))
    return sorted(found.values(), key=lambda g: g.path)


def _path(route: Get, value: str) -> str:
    return PARAM.sub(lambda _m: value, route.path)


@pytest.fixture
def demo_client(app: Any, db: Database, clock: FixedClock) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    with db.unit_of_work() as s:
        load_demo(s, clock.now())
    with db.unit_of_work() as s:
        tokens = {who: accounts.create_token(s, accounts.find_user(s, email), clock.now())
                  for who, email in (("hub", "admin@hub.aspjoc.test"), ("ph", "analyst@ph.aspjoc.test"))}
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, {"anonymous": {}, **{who: bearer(token) for who, token in tokens.items()}}


def test_every_get_route_answers_without_a_server_error(demo_client: tuple[TestClient, dict[str, dict[str, str]]],
                                                        app: Any) -> None:
    client, callers = demo_client
    routes = _get_routes(app)
    assert len(routes) > 100, "the sweep must see the whole app"
    failures: list[str] = []
    asked = 0
    for route in routes:
        for who, auth in callers.items():
            values = PATH_VALUES if PARAM.search(route.path) else ("",)
            # Anonymous callers stop at authentication for all but the public pages: one value each is enough.
            for value in values[:1] if who == "anonymous" else values:
                path = _path(route, value)
                names = route.query
                queries: list[dict[str, str]] = [{}]
                if names and value in ("1", "") and who == "hub":
                    queries += [{name: q for name in names} for q in QUERY_VALUES]
                for params in queries:
                    reply = client.get(path, params=params, headers={**HEADERS, **auth}, follow_redirects=False)
                    asked += 1
                    if reply.status_code >= 500:
                        failures.append(f"{who} GET {path} {params} -> {reply.status_code}: {reply.text[:200]}")
    assert asked > 800
    assert not failures, "\n".join(failures[:40])


def _write_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every API route that changes something."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        inner = list(route.effective_route_contexts()) if hasattr(route, "effective_route_contexts") else [route]
        for r in inner:
            path = getattr(r, "path", None)
            if isinstance(path, str) and path.startswith("/api/"):
                found |= {(m, path) for m in (getattr(r, "methods", None) or ()) if m in ("POST", "PUT", "PATCH", "DELETE")}
    return sorted(found)


BODIES: tuple[dict[str, Any], ...] = (
    {"json": {}}, {"json": []}, {"json": "x"}, {"json": {"name": None, "values": [None], "marking": {"tlp": "purple"}}},
    {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
    {"content": "\u0e01".encode() * 1000, "headers": {"Content-Type": "application/octet-stream"}},
)


def test_every_api_write_refuses_bad_input_without_a_server_error(
        demo_client: tuple[TestClient, dict[str, dict[str, str]]], app: Any) -> None:
    client, callers = demo_client
    routes = _write_routes(app)
    assert len(routes) > 40, "the sweep must see the whole API"
    failures: list[str] = []
    for method, route in routes:
        for value in ("1", "99999999999999999999999", "abc"):
            path = PARAM.sub(lambda _m: value, route)
            for body in BODIES:
                headers = {**callers["hub"], **body.get("headers", {})}
                kwargs = {k: v for k, v in body.items() if k != "headers"}
                reply = client.request(method, path, headers=headers, **kwargs)
                if reply.status_code >= 500:
                    failures.append(f"{method} {path} {str(body)[:60]} -> {reply.status_code}: {reply.text[:200]}")
            if not PARAM.search(route):
                break
    assert not failures, "\n".join(failures[:40])


def _form_routes(app: Any) -> list[str]:
    """Paths of every console form (POST outside the machine interfaces)."""
    found: set[str] = set()
    for route in app.routes:
        inner = list(route.effective_route_contexts()) if hasattr(route, "effective_route_contexts") else [route]
        for r in inner:
            path = getattr(r, "path", None)
            if (isinstance(path, str) and "POST" in (getattr(r, "methods", None) or ())
                    and not path.startswith(("/api/", "/taxii2", "/misp/", "/feeds/", "/signin", "/signout"))):
                found.add(path)
    return sorted(found)


FORMS: tuple[dict[str, str], ...] = (
    {}, {"name": "", "value": "", "q": "", "values": "", "tlp": "purple", "amount": "-1", "currency": "XXX",
         "due": "2026-13-45", "count": "99999999999999999999999", "status": "nonsense", "kind": "nonsense"},
    {"name": "\u0e01" * 3000, "value": "x'\";--", "amount": "1e400", "organisation": "abc", "target_id": "abc",
     "observable_id": "99999999999999999999999", "country": "ZZ"},
)


def test_every_console_form_refuses_bad_input_without_a_server_error(
        demo_client: tuple[TestClient, dict[str, dict[str, str]]], app: Any) -> None:
    client, _ = demo_client
    client.get("/signin")
    signed_in = client.post("/signin", data={"email": "admin@hub.aspjoc.test", "password": DEMO_PASSWORD,
                                             "csrf_token": client.cookies.get("aspjoc_form") or ""})
    assert signed_in.status_code in (200, 303)
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/", headers={"Accept": "text/html"}).text)
    assert found, "the console's pages carry the session's CSRF token"
    csrf = found.group(1)
    routes = _form_routes(app)
    assert len(routes) > 30, "the sweep must see the console's forms"
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    for route in routes:
        for value in ("1", "99999999999999999999999", "abc"):
            path = PARAM.sub(lambda _m: value, route)
            for form in FORMS:
                reply = client.post(path, data={"csrf_token": csrf, **form}, headers={"Accept": "text/html"},
                                    follow_redirects=False)
                statuses[reply.status_code] += 1
                if reply.status_code >= 500:
                    failures.append(f"POST {path} {str(form)[:60]} -> {reply.status_code}: {reply.text[:200]}")
            if not PARAM.search(route):
                break
    assert statuses[403] < sum(statuses.values()) / 4, f"the forms must get past the CSRF check: {statuses}"
    assert not failures, "\n".join(failures[:40])
