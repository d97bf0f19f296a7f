"""The content-addressed evidence store: each file written once under its SHA-256, then made read-only.

Layout: ``<data_dir>/evidence/ab/cd/abcd…`` (the full hex digest), uploads in progress under
``<data_dir>/evidence/incoming/``. The same content attached twice is stored once. A file is never
rewritten: if its name exists, the new copy is dropped. The database row keeps the intake hash,
so a file changed on disk no longer hashes to its own name.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aspjoc.errors import InvalidInput

CHUNK = 1 << 20


class TooLarge(InvalidInput):
    """An upload above the configured limit (HTTP 413)."""

    status_code = 413
    code = "too_large"


@dataclass(frozen=True)
class Received:
    """A file streamed into the incoming folder: where it is, its digest and its size."""

    path: Path
    sha256: str
    size: int


class Incoming:
    """A file being received: ``write`` chunks (hashing as they come), then ``finish`` or ``discard``."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{secrets.token_hex(16)}.part"
        self.max_bytes = max_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 - closed by finish or discard

    def write(self, data: bytes) -> None:
        """Append ``data``; raise TooLarge (and drop the partial file) past the limit."""
        assert self._file is not None
        self.size += len(data)
        if self.size > self.max_bytes:
            self.discard()
            raise TooLarge("file", f"is larger than the {self.max_bytes // (1 << 20)} MiB limit for evidence files")
        self._hash.update(data)
        self._file.write(data)

    def finish(self) -> Received:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        return Received(self.path, self._hash.hexdigest(), self.size)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file at ``path``, read in chunks (memory does not grow with file size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class EvidenceStore:
    """Files under ``root``, named by content; written once, read-only afterwards."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> EvidenceStore:
        return cls(Path(data_dir) / "evidence")

    def incoming(self, max_bytes: int) -> Incoming:
        return Incoming(self.root / "incoming", max_bytes)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def keep(self, received: Received) -> Path:
        """Move ``received`` to its content address (once) and make it read-only; return its path."""
        target = self.path(received.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            received.path.unlink(missing_ok=True)
            return target
        os.replace(received.path, target)
        os.chmod(target, stat.S_IRUSR | stat.S_IRGRP)
        return target

    def check(self, sha256: str) -> str | None:
        """The current SHA-256 of the stored file named ``sha256``; None when it is missing."""
        path = self.path(sha256)
        try:
            return sha256_of(path)
        except FileNotFoundError:
            return None

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The stored file's bytes in chunks."""
        with open(self.path(sha256), "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk
