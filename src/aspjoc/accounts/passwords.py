"""Password hashing (argon2id) and second-factor codes (TOTP)."""

from __future__ import annotations

from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for a wrong password or an account with none set."""
    if not stored_hash:
        return False
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def check_totp(secret: str, code: str, at_unix: float) -> bool:
    """True when ``code`` is valid at ``at_unix`` (one step of clock drift either side allowed)."""
    return pyotp.TOTP(secret).verify(code.strip().replace(" ", ""), for_time=at_unix, valid_window=1)
