"""Network pieces for the sharing tests: a link that breaks on cue, and the OASIS reference TAXII server (medallion)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REQUEST_LINE = re.compile(rb"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \S+ HTTP/1\.[01]\r\n")
MEDALLION_USER, MEDALLION_PASSWORD = "aspjoc", "medallion-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class FlakyLink:
    """A TCP proxy on loopback in front of ``target_port`` whose link can be cut after a number of requests.

    ``cut_after(n, lose="request")`` lets ``n`` more HTTP requests through, then drops the
    connection carrying the next one before the server sees it; ``lose="response"`` lets that
    request reach the server and drops its reply instead (the server acted, the client never
    hears). While cut, every connection is refused; ``restore()`` mends the link.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        self.budget: int | None = None
        self.lose = "request"
        self.cut = False
        self.requests = 0
        self.dropped = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after(self, requests: int, lose: str = "request") -> None:
        with self.lock:
            self.budget, self.lose, self.cut = self.requests + requests, lose, False

    def restore(self) -> None:
        with self.lock:
            self.budget, self.cut = None, False

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            state = {"silenced": False}
            threading.Thread(target=self._forward, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._backward, args=(upstream, client, state), daemon=True).start()

    def _admit(self, chunk: bytes) -> str:
        """'pass', 'drop' (lose the request) or 'silence' (deliver it, lose the reply)."""
        if not REQUEST_LINE.match(chunk):
            return "drop" if self.cut else "pass"
        with self.lock:
            if self.cut:
                return "drop"
            if self.budget is not None and self.requests >= self.budget:
                self.cut = True
                self.dropped += 1
                return "silence" if self.lose == "response" else "drop"
            self.requests += 1
            return "pass"

    def _forward(self, client: socket.socket, upstream: socket.socket, state: dict[str, bool]) -> None:
        try:
            while chunk := client.recv(65536):
                if not state["silenced"]:
                    verdict = self._admit(chunk)
                    if verdict == "drop":
                        break
                    # The rest of this request (its body) still goes through; only the reply is lost.
                    state["silenced"] = verdict == "silence"
                upstream.sendall(chunk)
        except OSError:
            pass
        if not state["silenced"]:
            _close(client, upstream)

    def _backward(self, upstream: socket.socket, client: socket.socket, state: dict[str, bool]) -> None:
        try:
            while chunk := upstream.recv(65536):
                if state["silenced"] or self.cut:
                    break
                client.sendall(chunk)
        except OSError:
            pass
        _close(client, upstream)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def medallion_data(base: str, collection_id: str, objects: list[dict[str, Any]], added: str) -> dict[str, Any]:
    """A memory-backend data file for medallion 3.0.0: one API root ("aspjoc-test"), one writable collection."""
    manifest = [{"id": o["id"], "date_added": added, "version": o.get("modified", o.get("created", added)),
                 "media_type": "application/stix+json;version=2.1"} for o in objects]
    return {
        "/discovery": {"title": "medallion test", "default": f"{base}/aspjoc-test/", "api_roots": [f"{base}/aspjoc-test/"]},
        "aspjoc-test": {
            "information": {"title": "aspjoc test root", "versions": ["application/taxii+json;version=2.1"],
                            "max_content_length": 10_000_000},
            "status": [],
            "collections": [{"id": collection_id, "title": "test feed", "can_read": True, "can_write": True,
                             "media_types": ["application/stix+json;version=2.1"], "objects": objects,
                             "manifest": manifest}],
        },
    }


@contextmanager
def medallion(folder: Path, collection_id: str, objects: list[dict[str, Any]], added: str) -> Iterator[str]:
    """medallion 3.0.0 in its own process on loopback; yields the API root URL. Keep ``objects`` few: it is slow."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.json").write_text(json.dumps(medallion_data(base, collection_id, objects, added)))
    config = {"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                          "filename": str(folder / "data.json")},
              "users": {MEDALLION_USER: MEDALLION_PASSWORD}, "taxii": {"max_page_size": 100}}
    (folder / "config.json").write_text(json.dumps(config))
    command = [str(Path(sys.executable).parent / "medallion"), "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "ERROR", str(folder / "config.json")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"medallion exited with {process.returncode}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("medallion did not start")
            time.sleep(0.05)
        yield f"{base}/aspjoc-test/"
    finally:
        process.terminate()
        process.wait(timeout=10)
