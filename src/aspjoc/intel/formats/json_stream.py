"""Read a large JSON document piece by piece: the members of its top-level object, or its array items.

The standard ``json`` module decodes each piece (``raw_decode``); this module only walks the
punctuation between pieces and refills a buffer, so memory holds one piece at a time, not the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from aspjoc.errors import InvalidInput

from .base import text_stream

CHUNK = 1 << 16
_WHITESPACE = " \t\r\n"


class JsonReader:
    """A cursor over a JSON text stream; ``InvalidInput`` (field ``json``) names the character offset of a fault."""

    def __init__(self, source: BinaryIO) -> None:
        self._text = text_stream(source)
        self._buffer = ""
        self._pos = 0
        self._consumed = 0  # characters dropped from the front of the buffer
        self._eof = False

    def _more(self, at_least: int = CHUNK) -> bool:
        if self._eof:
            return False
        chunk = self._text.read(max(at_least, CHUNK))
        if not chunk:
            self._eof = True
            return False
        self._consumed += self._pos
        self._buffer = self._buffer[self._pos:] + chunk
        self._pos = 0
        return True

    def release(self) -> None:
        """Let go of the byte stream without closing it (a text wrapper closes its stream when collected)."""
        if not self._text.buffer.closed:
            self._text.detach()

    def fault(self, reason: str) -> InvalidInput:
        return InvalidInput("json", f"at character {self._consumed + self._pos}: {reason}")

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end), without consuming it."""
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos] in _WHITESPACE:
                self._pos += 1
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise self.fault(f"expected '{char}', found {found!r}" if found else f"expected '{char}', the text ended")
        self._pos += 1

    def value(self) -> Any:
        """Decode the next value whole; the buffer grows (doubling) until it holds it."""
        self.peek()
        decoder = json.JSONDecoder()
        while True:
            try:
                value, end = decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self._more(len(self._buffer)):
                    continue
                raise self.fault(exc.msg) from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(self._buffer) and not self._eof and self._more():
                continue
            self._pos = end
            return value

    def members(self) -> Iterator[str]:
        """Walk an object: yield each key with the cursor on its value (the caller must consume the value)."""
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise self.fault("an object key must be a string")
            self.expect(":")
            yield key
            if self.peek() == ",":
                self._pos += 1
                continue
            self.expect("}")
            return

    def items(self) -> Iterator[Any]:
        """Walk an array, decoding one item at a time."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == ",":
                self._pos += 1
                continue
            self.expect("]")
            return


def top_level_items(source: BinaryIO) -> Iterator[tuple[str, Any]]:
    """(key, value) for each member of the top-level object, one decoded at a time."""
    reader = JsonReader(source)
    try:
        for key in reader.members():
            yield key, reader.value()
    finally:
        reader.release()


def array_under(source: BinaryIO, key: str) -> Iterator[Any]:
    """The items of the array at ``key`` of the top-level object (a bare top-level array works too), one at a time.

    Other members are decoded and dropped. Raises InvalidInput (field ``json``) on malformed text.
    """
    reader = JsonReader(source)
    try:
        if reader.peek() == "[":
            yield from reader.items()
            return
        for name in reader.members():
            if name == key and reader.peek() == "[":
                yield from reader.items()
            else:
                reader.value()
    finally:
        reader.release()
