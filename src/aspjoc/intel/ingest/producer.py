"""Prepared batches from a producer process, so that reading and canonicalising overlap with writing.

``Producer(make, workers)`` iterates ``make(None)`` (``Preparer.batches`` over the run's items) in
this process when ``workers`` is 0, and otherwise in a child forked for it: the child inherits the
items as they are (an open file, a generator, a stream), reads, checks, canonicalises and merges,
and sends each ``Prepared`` batch through a pipe while the parent writes the previous one. With
``workers`` > 1 the child forks ``workers - 1`` helpers of its own and passes them to ``make`` to
share the preparing: a batch a helper prepared arrives pickled and is passed on as it is. The child
and its helpers never touch the database: the connections they inherit are the parent's.

At most ``DEPTH`` batches wait in the child, so memory stays flat whatever the input size. An
error in the child (a malformed document, a dropped connection) reaches the parent as the same
exception; a parent that stops (an error, kill -9) closes the pipe, which ends the child.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.pool import Pool
from types import TracebackType
from typing import Any

from aspjoc.intel.ingest.phases import Phases
from aspjoc.intel.ingest.prepare import Prepared

DEPTH = 2  # prepared batches the child keeps ready beyond the one being sent
# The batches, given helper processes (or None): each a Prepared, or one pickled as ("batch", Prepared).
Make = Callable[[Pool | None], Iterator[Prepared | bytes]]


class ProducerFailed(RuntimeError):
    """The producer process ended without finishing or reporting an error (killed, out of memory)."""


class Producer:
    """A context manager giving an iterator of prepared batches; see the module's docstring.

    ``phases`` is where ``make``'s batches record their time; from a child, the times arrive with
    each batch and are added to it here.
    """

    def __init__(self, make: Make, workers: int, phases: Phases | None = None) -> None:
        self.make = make
        self.workers = workers
        self.phases = phases if phases is not None else Phases()
        self._pid = 0
        self._conn: Connection | None = None
        self._finished = False

    def __enter__(self) -> Iterator[Prepared]:
        if self.workers <= 0:
            return _unpickled(self.make(None))
        read_fd, write_fd = os.pipe()
        # Buffered output would otherwise be written twice: once by each process.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (AttributeError, ValueError, OSError):  # no stream, or a closed one: nothing buffered
                pass
        _give_back_free_memory()
        pid = os.fork()
        if pid == 0:  # the child: produce, then leave without running the parent's clean-ups
            code = 1
            try:
                os.close(read_fd)
                code = _produce(write_fd, self.make, self.workers - 1, self.phases)
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid = pid
        self._conn = Connection(read_fd, writable=False)
        return self._receive()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._pid == 0:
            return
        if self._conn is not None:
            self._conn.close()
        if not self._finished:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(self._pid, 0)
        self._pid = 0

    def _receive(self) -> Iterator[Prepared]:
        assert self._conn is not None
        wall, cpu = self.phases, self.phases.cpu
        while True:
            try:
                kind, body = pickle.loads(self._conn.recv_bytes())
            except EOFError:
                raise ProducerFailed("the ingest producer process ended unexpectedly") from None
            if kind == "batch":
                if body.phases is not None:
                    _add(wall, body.phases[0])
                    _add(cpu, body.phases[1])
                yield body
            elif kind == "end":  # with the time spent since the last batch that carried it
                _add(wall, body[0])
                _add(cpu, body[1])
                self._finished = True
                return
            else:
                self._finished = True
                raise _restored(body)


class _Sender(threading.Thread):
    """Sends queued messages down the pipe, so that the producer prepares the next batch meanwhile."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(daemon=True)
        self.conn = conn
        self.queue: queue.Queue[tuple[str, Any] | bytes | None] = queue.Queue(maxsize=DEPTH)
        self.broken = threading.Event()

    def run(self) -> None:
        while (message := self.queue.get()) is not None:
            try:
                self.conn.send_bytes(message if isinstance(message, bytes) else pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
            except OSError:  # the parent is gone (or stopped reading): nothing more to do
                self.broken.set()
                return
            except Exception as exc:  # a batch that would not pickle: the run fails, saying why
                self.broken.set()
                try:
                    self.conn.send_bytes(pickle.dumps(("error", _portable(exc))))
                except OSError:
                    pass
                return

    def put(self, message: tuple[str, Any] | bytes | None) -> None:
        while not self.broken.is_set():
            try:
                self.queue.put(message, timeout=0.5)
                return
            except queue.Full:
                continue
        raise BrokenPipeError("the ingest process stopped reading")


def _produce(write_fd: int, make: Make, helpers: int, phases: Phases) -> int:
    """The child's work: every batch, then "end" (or "error"); returns the exit code.

    ``phases`` is the one ``make``'s batches record their time in (the child's copy of it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it then ends this process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # The inherited heap is never garbage here; the collector need not walk it (see pipeline.fewer_collections).
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    phases.clear()
    phases.cpu.clear()
    # Helpers are forked before this process starts a thread of its own (a fork copies no threads
    # but every lock they hold). A helper whose parent dies reads the end of its task pipe and stops.
    pool = multiprocessing.get_context("fork").Pool(helpers, initializer=_quiet) if helpers > 0 else None
    sender = _Sender(Connection(write_fd, readable=False))
    sender.start()
    try:
        for batch in make(pool):
            if isinstance(batch, bytes):  # pickled by a helper, with its own times
                sender.put(batch)
                continue
            batch.phases = (dict(phases), dict(phases.cpu))
            phases.clear()
            phases.cpu.clear()
            sender.put(("batch", batch))
        sender.put(("end", (dict(phases), dict(phases.cpu))))
        sender.put(None)
    except BrokenPipeError:
        return 1
    except BaseException as exc:  # every failure must reach the parent, which records the run as failed
        try:
            sender.put(("error", _portable(exc)))
            sender.put(None)
        except BrokenPipeError:
            return 1
        sender.join()
        return 1
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    sender.join()
    return 0


def _give_back_free_memory() -> None:
    """Return the heap's free pages to the system, so the child does not start out holding them too.

    Between two runs, freed memory stays in the process (glibc keeps it for reuse); a fork would
    count it again in the child. Only glibc has ``malloc_trim``; elsewhere this does nothing.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass


def _quiet() -> None:
    """In a helper: as for the producer, the collector ignores the inherited heap and runs less often."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _unpickled(batches: Iterator[Prepared | bytes]) -> Iterator[Prepared]:
    for batch in batches:
        yield pickle.loads(batch)[1] if isinstance(batch, bytes) else batch


def _add(phases: dict[str, float], more: dict[str, float]) -> None:
    for name, seconds in more.items():
        phases[name] = phases.get(name, 0.0) + seconds


def _portable(exc: BaseException) -> tuple[type[BaseException], tuple[Any, ...], dict[str, Any]]:
    """``exc`` as (class, args, attributes), which ``_restored`` rebuilds without calling ``__init__``.

    Pickling an exception calls its class with ``args`` again, which fails for classes that take
    other arguments (every domain error takes a field and a reason). One whose parts do not pickle
    arrives as a RuntimeError naming it.
    """
    parts = (type(exc), exc.args, dict(getattr(exc, "__dict__", {})))
    try:
        pickle.dumps(parts)
    except Exception:  # what cannot be pickled still tells, by its class name and text, what happened
        return RuntimeError, (f"{type(exc).__name__}: {exc}",), {}
    return parts


def _restored(body: tuple[type[BaseException], tuple[Any, ...], dict[str, Any]]) -> BaseException:
    kind, args, attributes = body
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(attributes)
    return error
