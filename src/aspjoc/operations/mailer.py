"""Sending notices by e-mail: a real SMTP client, or, with no server configured, a mailer that refuses.

The mailer is picked from the settings; services receive it, so tests pass one aimed at a local server.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

from aspjoc.config import Settings
from aspjoc.errors import InvalidInput

MEDIA_PART = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message; ``reason`` says what it answered."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Mailer(Protocol):
    sender: str

    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, host: str, port: int, sender: str, username: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` to the server; MailNotSent with the server's answer when that fails."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
                if self.starttls:
                    client.starttls()
                if self.username:
                    client.login(self.username, self.password)
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailNotSent(f"{self.host}:{self.port}: {exc}") from exc


class NoMailer:
    """No SMTP server configured: sending is refused with a reason that points to the .eml export."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, message: EmailMessage) -> None:
        raise InvalidInput("smtp_host", "no SMTP server is configured (ASPJOC_SMTP_HOST); export the notice as .eml "
                                        "and send it from your own mail client")


def mailer_for(settings: Settings) -> Mailer:
    if not settings.smtp_host:
        return NoMailer(settings.smtp_from)
    return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_username,
                      settings.smtp_password, settings.smtp_starttls, settings.smtp_timeout)


@dataclass(frozen=True)
class MailFile:
    """A file to attach: its name, its declared media type (``type/subtype``) and its bytes."""

    filename: str
    content_type: str
    data: bytes


def _media_type(content_type: str) -> tuple[str, str]:
    """(maintype, subtype) of a declared media type; application/octet-stream when it is not one."""
    maintype, _, subtype = content_type.split(";", 1)[0].strip().lower().partition("/")
    if not maintype or not subtype or not MEDIA_PART.fullmatch(maintype) or not MEDIA_PART.fullmatch(subtype):
        return "application", "octet-stream"
    return maintype, subtype


def build_message(sender: str, to: str, subject: str, body: str, now: datetime, message_id: str = "",
                  files: Sequence[MailFile] = ()) -> EmailMessage:
    """A plain-text message, multipart with ``files`` as MIME attachments when there are any; a new Message-ID
    in the sender's domain unless one is given (re-exports keep theirs)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(body)
    for f in files:
        maintype, subtype = _media_type(f.content_type)
        message.add_attachment(f.data, maintype=maintype, subtype=subtype, filename=f.filename)
    return message
