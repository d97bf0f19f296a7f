"""Streaming intake of a multipart upload: the file part goes straight to the store's incoming folder.

Starlette's own form parser spools a whole upload before the handler runs, so a limit could only
be checked afterwards. Here the request body is fed chunk by chunk to python-multipart's parser;
the file is hashed and written as it arrives, and refused as soon as it passes the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from aspjoc.errors import InvalidInput
from aspjoc.operations.evidence.store import EvidenceStore, Incoming, Received, TooLarge

MAX_FIELD_BYTES = 64 * 1024
MULTIPART_OVERHEAD = 1 << 20


@dataclass
class Upload:
    """The form fields (small, in memory; repeated names kept in order) and the one received file."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    file: Received | None = None
    filename: str = ""
    content_type: str = "application/octet-stream"

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))


class _Receiver:
    """python-multipart callbacks that route field bytes to memory and file bytes to an Incoming file."""

    def __init__(self, store: EvidenceStore, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.upload = Upload()
        self.incoming: Incoming | None = None
        self._headers: dict[bytes, bytes] = {}
        self._name = b""
        self._value = b""
        self._field = ""
        self._buffer = bytearray()
        self._is_file = False

    def on_part_begin(self) -> None:
        self._headers = {}
        self._buffer = bytearray()
        self._is_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._name.lower()] = self._value
        self._name, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._field = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if self.incoming is not None:
                raise InvalidInput("file", "send one file per upload")
            self._is_file = True
            self.upload.filename = options[b"filename"].decode("utf-8", "replace")
            kind = self._headers.get(b"content-type", b"").decode("latin-1").strip()
            self.upload.content_type = kind or "application/octet-stream"
            self.incoming = self.store.incoming(self.max_bytes)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            assert self.incoming is not None
            self.incoming.write(data[start:end])
            return
        self._buffer.extend(data[start:end])
        if len(self._buffer) > MAX_FIELD_BYTES:
            raise InvalidInput(self._field or "form", "form field is too long")

    def on_part_end(self) -> None:
        if self._is_file:
            assert self.incoming is not None
            self.upload.file = self.incoming.finish()
        else:
            self.upload.fields.setdefault(self._field, []).append(self._buffer.decode("utf-8", "replace"))

    def discard(self) -> None:
        if self.incoming is not None:
            self.incoming.discard()


async def receive(request: Request, store: EvidenceStore, max_bytes: int) -> Upload:
    """Read a multipart/form-data request with at most one file of at most ``max_bytes``.

    Raises TooLarge (413) as soon as the declared or received size passes the limit, InvalidInput
    for a body that is not multipart or is malformed. On any error nothing is left in the store.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise InvalidInput("content-type", "send the file as multipart/form-data")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + MULTIPART_OVERHEAD:
        raise TooLarge("file", f"is larger than the {max_bytes // (1 << 20)} MiB limit for evidence files")
    receiver = _Receiver(store, max_bytes)
    callbacks = {name: getattr(receiver, name) for name in (
        "on_part_begin", "on_part_data", "on_part_end", "on_header_field", "on_header_value", "on_header_end",
        "on_headers_finished")}
    parser = MultipartParser(options[b"boundary"], callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        receiver.discard()
        raise InvalidInput("file", f"the upload is not well-formed multipart data ({exc})") from exc
    except BaseException:
        receiver.discard()
        raise
    return receiver.upload
