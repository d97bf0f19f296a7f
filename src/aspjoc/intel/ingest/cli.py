"""``aspjoc ingest PATH-or-URL --format F --org ORG --tlp LEVEL``: a file, a folder (MISP feed) or a URL, with a progress bar."""

from __future__ import annotations

import ctypes
import hashlib
import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from multiprocessing.sharedctypes import RawValue
from pathlib import Path
from typing import Annotated, BinaryIO

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn
from rich.table import Table

from aspjoc.accounts import service as accounts
from aspjoc.intel.formats import FORMATS, format_named
from aspjoc.intel.ingest import service
from aspjoc.intel.ingest.options import BULK_BATCH, bulk_workers
from aspjoc.intel.ingest.pipeline import IngestReport, ingest
from aspjoc.runtime import Runtime

console = Console(stderr=True)
TIMEOUT = httpx.Timeout(30.0, read=300.0)


class Counted(io.RawIOBase):
    """A readable byte stream that reports how many bytes have been read through it."""

    def __init__(self, inner: BinaryIO | Iterator[bytes], on_read: Callable[[int], object] = lambda n: None) -> None:
        self._inner = inner
        self._on_read = on_read
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if isinstance(self._inner, Iterator):
            while not self._pending:
                try:
                    self._pending = next(self._inner)
                except StopIteration:
                    return 0
            size = min(len(buffer), len(self._pending))
            buffer[:size] = self._pending[:size]
            self._pending = self._pending[size:]
        else:
            data = self._inner.read(len(buffer))
            size = len(data)
            buffer[:size] = data
        self._on_read(size)
        return size


def buffered(inner: BinaryIO | Iterator[bytes], on_read: Callable[[int], object] = lambda n: None) -> BinaryIO:
    """``inner`` as a buffered binary stream, counting bytes read through ``on_read``."""
    return io.BufferedReader(Counted(inner, on_read))  # type: ignore[arg-type, type-var, return-value]


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


@contextmanager
def _fetch(url: str) -> Iterator[tuple[Iterator[bytes], int | None]]:
    with httpx.stream("GET", url, timeout=TIMEOUT, follow_redirects=True) as reply:
        if reply.status_code != 200:
            raise typer.BadParameter(f"{url} answered HTTP {reply.status_code}")
        length = reply.headers.get("content-length")
        yield reply.iter_bytes(), int(length) if length and length.isdigit() else None


def _sibling_opener(base: str) -> service.Opener:
    def open_sibling(name: str) -> AbstractContextManager[BinaryIO]:
        if base.startswith(("http://", "https://")):
            @contextmanager
            def remote() -> Iterator[BinaryIO]:
                with _fetch(base.rstrip("/") + "/" + name) as (chunks, _):
                    yield buffered(chunks)
            return remote()
        return (Path(base) / name).open("rb")
    return open_sibling


def _summary(report: IngestReport) -> Table:
    table = Table(title=f"Ingest run {report.run_id}: {report.status}", show_header=False)
    for label, value in (("read", report.read), ("stored", report.stored), ("new", report.new),
                         ("updated", report.updated), ("rejected", report.rejected), ("flagged (known good)", report.flagged),
                         ("matches (held by others)", report.matches)):
        table.add_row(label, f"{value:,}")
    table.add_row("seconds", f"{report.seconds:.1f}")
    if report.resumed_from:
        table.add_row("resumed after", f"record {report.resumed_from:,}")
    for rejection in report.rejections[:10]:
        table.add_row(f"  line {rejection.index}", f"{rejection.field}: {rejection.reason}")
    if report.rejected > 10:
        table.add_row("", f"… {report.rejected - 10:,} more rejections stored with the run")
    return table


def ingest_command(
    location: Annotated[str, typer.Argument(help="A file, a MISP feed folder, or an http(s) URL")],
    format: Annotated[str, typer.Option("--format", "-f", help=f"One of {', '.join(FORMATS)}")],
    org: Annotated[str, typer.Option(help="Owner organisation (name or id)")],
    tlp: Annotated[str, typer.Option(help="clear, green, amber, amber+strict or red")],
    source: Annotated[str, typer.Option(help="Source name (default: the file or URL)")] = "",
    map: Annotated[str, typer.Option("--map", help="Generic CSV columns: value=col,type=col,crime_type=col,…")] = "",
    country: Annotated[str, typer.Option(help="Default country for phone numbers without +code")] = "",
    crime_type: Annotated[str, typer.Option(help="Crime type for records that carry none")] = "",
    workers: Annotated[int, typer.Option(help="Worker processes reading and canonicalising (default: two on a multi-core machine)")] = -1,
    batch_size: Annotated[int, typer.Option(help="Records per committed batch")] = BULK_BATCH,
) -> None:
    """Ingest a feed or document; prints a summary. Exit 0 even with rejected lines, non-zero when the run fails."""
    rt = Runtime.from_environment()
    fmt = format_named(format)
    remote = location.startswith(("http://", "https://"))
    path = Path(location)
    if not remote and not path.exists():
        raise typer.BadParameter(f"{location} does not exist")
    with rt.db.reader() as session:
        owner = accounts.find_organisation(session, org)
        owner_id, owner_country = owner.id, owner.country
    folder = fmt.name == "misp-feed"
    base = (location.rsplit("/", 1)[0] if location.endswith("manifest.json") else location) if remote else (
        str(path if path.is_dir() else path.parent))
    if folder and not remote and path.is_dir():
        path = path / "manifest.json"
    resume_key = None if remote else f"{fmt.name}:{_digest(path)}"
    if workers < 0:
        workers = bulk_workers()
    options = service.ingest_options(owner_id, tlp, source or location, fmt.name, default_region=country or owner_country,
                                     crime_type=crime_type, workers=workers, resume_key=resume_key, batch_size=batch_size)
    format_options = service.format_options(rt.db, options.default_region, options.crime_type, map,
                                            _sibling_opener(base) if folder else None)
    with ExitStack() as stack:
        progress = stack.enter_context(Progress(TextColumn("[bold]ingest[/]"), BarColumn(), DownloadColumn(),
                                                TransferSpeedColumn(), TextColumn("{task.fields[records]} records"),
                                                TimeElapsedColumn(), console=console))
        # Bytes are counted where the file is read, which is the producer process when workers > 0:
        # the count lives in shared memory, and the bar moves after each stored batch.
        read_bytes = RawValue(ctypes.c_longlong, 0)

        def count(n: int) -> None:
            read_bytes.value += n

        if remote:
            chunks, length = stack.enter_context(_fetch(location if not folder else base.rstrip("/") + "/manifest.json"))
            task = progress.add_task("ingest", total=length, records=0)
            raw = buffered(chunks, count)
        else:
            task = progress.add_task("ingest", total=path.stat().st_size, records=0)
            handle = stack.enter_context(path.open("rb"))
            raw = buffered(handle, count)
        items = fmt.read(raw, format_options)
        report = ingest(rt.db, items, options, rt.clock.now(), None,
                        lambda done: progress.update(task, completed=read_bytes.value, records=f"{done:,}"))
        progress.update(task, completed=read_bytes.value)
    console.print(_summary(report))


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
