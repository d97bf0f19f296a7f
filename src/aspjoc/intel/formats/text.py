"""Free text, HTML and PDF documents: identifiers are extracted with ``aspjoc.observables.extract``.

The text is read in blocks of lines (a paragraph never straddles two blocks unless it is longer
than a block), so a large document streams. HTML is reduced to its text and link targets with
``html.parser``; a PDF goes through Debian's ``pdftotext`` (poppler-utils). Records are numbered by
their order of appearance; extraction finds, it does not reject, so nothing here is Rejected.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import BinaryIO

from aspjoc.errors import InvalidInput
from aspjoc.intel.ingest.records import Record
from aspjoc.observables import extract

from .base import FormatOptions, Item, text_lines

BLOCK_CHARS = 1 << 16


def _blocks(lines: Iterable[str]) -> Iterator[str]:
    """Join lines into blocks of about ``BLOCK_CHARS``, cut at blank lines where possible."""
    block: list[str] = []
    size = 0
    for line in lines:
        block.append(line)
        size += len(line)
        if size >= BLOCK_CHARS and (not line.strip() or size >= 4 * BLOCK_CHARS):
            yield "".join(block)
            block, size = [], 0
    if block:
        yield "".join(block)


def _records(lines: Iterable[str], options: FormatOptions) -> Iterator[Item]:
    seen: set[tuple[str, str]] = set()
    position = 0
    for block in _blocks(lines):
        for canonical in extract(block, default_region=options.default_region):
            key = (canonical.type.value, canonical.value)
            if key in seen:
                continue
            seen.add(key)
            position += 1
            yield Record(position, canonical.value, canonical.type.value, crime_type=options.crime_type)


def read_text(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A Record per distinct identifier found in the text, in order of first appearance."""
    yield from _records(text_lines(source), options)


class _TextOfHtml(HTMLParser):
    """Collects an HTML document's visible text and its link targets, line by line."""

    SKIP = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        for name, value in attrs:
            if name in ("href", "src", "action") and value and not value.startswith(("#", "javascript:")):
                self.out.append(f"\n{value}\n")
        if tag in ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "pre", "td"):
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.out.append(data)


def _html_lines(source: BinaryIO) -> Iterator[str]:
    parser = _TextOfHtml()
    for line in text_lines(source):
        parser.feed(line)
        if parser.out:
            yield "".join(parser.out)
            parser.out.clear()
    parser.close()
    yield "".join(parser.out)


def read_html(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A Record per distinct identifier in the document's text and links."""
    yield from _records(_html_lines(source), options)


def read_pdf(source: BinaryIO, options: FormatOptions) -> Iterator[Item]:
    """A Record per distinct identifier in the PDF's text; InvalidInput (field ``file``) when it is not a PDF."""
    program = shutil.which("pdftotext")
    if program is None:
        raise InvalidInput("format", "pdftotext is not installed (Debian package poppler-utils)")
    process = subprocess.Popen([program, "-enc", "UTF-8", "-", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None

    def feed() -> None:
        assert process.stdin is not None
        try:
            shutil.copyfileobj(source, process.stdin)
        except BrokenPipeError:
            pass  # pdftotext stopped reading (not a PDF); its exit status says why
        finally:
            process.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        yield from _records(text_lines(process.stdout), options)  # type: ignore[arg-type]
    finally:
        writer.join()
        error = process.stderr.read().decode(errors="replace").strip()
        status = process.wait()
        process.stdout.close()
        process.stderr.close()
    if status != 0:
        raise InvalidInput("file", f"not a readable PDF: {error or f'pdftotext exit status {status}'}")
