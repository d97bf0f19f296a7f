"""Helpers for the operations tests: a three-country world, statements, an operation, a local SMTP sink."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from sqlalchemy import select

from aspjoc.access import Principal
from aspjoc.accounts.passwords import hash_password
from aspjoc.accounts.models import Organisation, User
from aspjoc.intel import service as intel
from aspjoc.intel.schemas import MarkingIn, ObservableIn, RecipientsIn, StatementIn
from aspjoc.operations import service
from aspjoc.operations.schemas import OperationIn
from support import PASSWORD, Factory


@dataclass
class World:
    """A hub that leads, three national units (TH, PH, MY), a registrar and a bank; one user and token each."""

    make: Factory
    hub: Organisation
    th: Organisation
    ph: Organisation
    my: Organisation
    registrar: Organisation
    bank: Organisation
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def principal(self, key: str) -> Principal:
        return self.make.principal(self.users[key])

    def state(self, key: str, value: str, tlp: str = "green", description: str = "", kind: str = "indicator",
              crime_type: str = "phishing", orgs: list[int] | None = None, users: list[int] | None = None) -> int:
        """Store a statement by ``key``'s user; returns its id."""
        data = StatementIn(observable=ObservableIn(value=value), kind=kind, crime_type=crime_type, confidence=70,
                           description=description, source=f"src-{key}-{description[:20]}",
                           marking=MarkingIn(tlp=tlp, recipients=RecipientsIn(organisations=orgs or [], users=users or [])))
        with self.make.db.unit_of_work() as s:
            statement, _ = intel.add_statement(s, self.principal(key), data, self.make.clock.now())
            return statement.id

    def operation(self, name: str = "Operation Coral Net", participants: tuple[str, ...] = ("th", "ph", "my"),
                  lead: str = "hub") -> int:
        data = OperationIn(name=name, crime_type="phishing", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30),
                           participants=[getattr(self, k).id for k in participants], status="active",
                           description="Wave against phishing kits aimed at the region's banks.")
        with self.make.db.unit_of_work() as s:
            return service.create_operation(s, self.principal(lead), data, self.make.clock.now()).id


def build_world(make: Factory, tokens: bool = True, passwords: bool = False) -> World:
    """The world; users get ``support.PASSWORD`` only with ``passwords`` (argon2 costs half a second a hash, so
    it is hashed once and shared)."""
    w = World(make, hub=make.org("Regional Hub", "SG", "hub"), th=make.org("Thai Cyber Unit", "TH"),
              ph=make.org("Philippine Cyber Unit", "PH"), my=make.org("Malaysian Cyber Unit", "MY"),
              registrar=make.org("Example Registry", "SG", "private"), bank=make.org("Coral Bank", "FJ", "private"))
    for key, role in (("hub", "analyst"), ("th", "investigator"), ("ph", "analyst"), ("my", "investigator"),
                      ("registrar", "partner"), ("bank", "partner")):
        w.users[key] = make.user(f"{key}@{key}.aspjoc.test", getattr(w, key), role=role, password=None)
        if tokens:
            w.tokens[key] = make.token(w.users[key])
    if passwords:
        shared = hash_password(PASSWORD)
        with make.db.unit_of_work() as s:
            for user in s.scalars(select(User).where(User.id.in_([u.id for u in w.users.values()]))):
                user.password_hash = shared
    return w


class SmtpSink:
    """A real SMTP server on a loopback port (asyncio, no smtpd), keeping every message it accepts.

    Speaks enough of RFC 5321 for smtplib: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP, QUIT.
    ``refuse`` makes it answer 554 to DATA, as a server that rejects the message would.
    """

    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []
        self.refuse = refuse
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", self.port))
        self._ready.set()
        self._loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write(f"{line}\r\n".encode())

        say("220 sink.test ESMTP")
        sender, rcpts = "", []
        while line := (await reader.readline()).decode("utf-8", "replace").rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                say("250-sink.test" if verb == "EHLO" else "250 sink.test")
                if verb == "EHLO":
                    say("250 8BITMIME")
            elif verb == "MAIL":
                sender, rcpts = line.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                say("250 OK")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                await writer.drain()
                lines = []
                while (raw := await reader.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(raw[1:] if raw.startswith(b"..") else raw)
                if self.refuse:
                    say("554 5.7.1 Message rejected")
                else:
                    self.messages.append((sender, rcpts, message_from_bytes(b"".join(lines), policy=policy.default)))
                    say("250 OK queued")
            elif verb == "QUIT":
                say("221 Bye")
                await writer.drain()
                break
            else:
                say("250 OK")
            await writer.drain()
        writer.close()

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
