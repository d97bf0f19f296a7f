"""Credentials for remote servers (TAXII remotes' passwords and tokens, MISP servers' API keys), sealed at rest.

A copy of the database — a backup, a replica, a laptop's disk image — then holds no credential
that works without the instance's secret key. Values are sealed with Fernet (AES-128-CBC with
HMAC-SHA256, from ``cryptography``) under a key derived from ``settings.secret_key`` by
HKDF-SHA256, and stored as ``sealed:v1:<token>``.

The ring of keys is process-wide: every app or command registers its secret key
(``use_secret``); the newest seals, any opens, so two instances in one process (tests of
federation) each read their own rows. Values stored before sealing existed (no prefix) are read as
they are and sealed at their next write. A value sealed under a secret key this process does not
know reads as the empty string, with a warning that names what to do: enter the credential again.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from aspjoc.config import DEFAULT_SECRET

log = logging.getLogger(__name__)
PREFIX = "sealed:v1:"
_INFO = b"aspjoc remote credentials v1"
_ring: list[tuple[str, Fernet]] = []


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def use_secret(secret_key: str) -> None:
    """Make ``secret_key`` the one that seals from now on (it and those registered before still open)."""
    _ring[:] = [(secret_key, _fernet(secret_key))] + [(s, f) for s, f in _ring if s != secret_key]


def _keys() -> MultiFernet:
    if not _ring:
        use_secret(DEFAULT_SECRET)
    return MultiFernet([f for _, f in _ring])


def seal(plain: str) -> str:
    """``plain`` sealed under the newest key; the empty string stays empty (no credential)."""
    if not plain:
        return ""
    return PREFIX + _keys().encrypt(plain.encode()).decode()


def unseal(stored: str) -> str:
    """The credential in ``stored``; unsealed values pass as they are, unreadable ones read as ""."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _keys().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        log.warning("a stored remote credential was sealed under another secret key; enter it again")
        return ""


class Sealed(TypeDecorator[str]):
    """A string column whose values are sealed on the way in and opened on the way out.

    The length bounds the sealed text: a 40-character MISP key seals to about 150 characters.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else unseal(str(value))


class SealedText(Sealed):
    """``Sealed`` over an unbounded text column."""

    impl = Text
    cache_ok = True
