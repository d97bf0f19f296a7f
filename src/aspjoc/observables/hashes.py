"""File hashes: MD5, SHA-1 and SHA-256 as lowercase hex."""

from __future__ import annotations

import re

from aspjoc.errors import InvalidObservable

from .display import shown
from .types import Canonical, ObservableType

_HEX = re.compile(r"[0-9a-f]+")
_LENGTHS = {ObservableType.md5: 32, ObservableType.sha1: 40, ObservableType.sha256: 64}
_NAMES = {
    ObservableType.md5: "an MD5",
    ObservableType.sha1: "a SHA-1",
    ObservableType.sha256: "a SHA-256",
}
HASH_TYPE_BY_LENGTH = {length: kind for kind, length in _LENGTHS.items()}


def canonical_hash(value: str, kind: ObservableType) -> Canonical:
    """Return the hash lowercased; ``kind`` is md5, sha1 or sha256 and fixes the length."""
    text = value.strip().lower()
    if not _HEX.fullmatch(text):
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not {_NAMES[kind]} hash: it must be hexadecimal",
        )
    if len(text) != _LENGTHS[kind]:
        raise InvalidObservable(
            "value",
            f"{shown(value)} is not {_NAMES[kind]} hash: it needs {_LENGTHS[kind]} hex digits, not {len(text)}",
        )
    return Canonical(kind, text)
