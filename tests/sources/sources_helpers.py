"""A feed server on loopback for source tests: serves files from memory, honours ETag and Last-Modified, counts requests."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LAST_MODIFIED = "Mon, 01 Jun 2026 08:00:00 GMT"


@dataclass
class FeedServer:
    """``files`` maps a path to its body; ``status`` forces an error status for a path; ``log`` keeps (path, status, headers)."""

    files: dict[str, bytes] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    log: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FeedServer:
        feeds = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                feeds.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if path in self.status or path not in self.files:
            code = self.status.get(path, 404)
            self._send(handler, path, code, headers, b"")
            return
        body = self.files[path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if headers.get("if-none-match") == etag:
            self._send(handler, path, 304, headers, b"", etag)
            return
        self._send(handler, path, 200, headers, body, etag)

    def _send(self, handler: BaseHTTPRequestHandler, path: str, code: int, request_headers: dict[str, str], body: bytes,
              etag: str | None = None) -> None:
        self.log.append((path, code, request_headers))
        handler.send_response(code)
        if etag:
            handler.send_header("ETag", etag)
            handler.send_header("Last-Modified", LAST_MODIFIED)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)


URLHAUS_CSV = b"""################################################################
# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #
################################################################
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"3000001","2026-05-30 10:00:00","http://coral-bank-login.example/verify","online","2026-05-30 10:00:00","malware_download","None","https://urlhaus.abuse.ch/url/3000001/","tester"
"3000002","2026-05-30 11:00:00","http://198.51.100.44/bins/mozi.m","online","2026-05-30 11:00:00","malware_download","elf,Mozi","https://urlhaus.abuse.ch/url/3000002/","tester"
"3000003","2026-05-30 12:00:00","not a url at all","online","2026-05-30 12:00:00","malware_download","None","https://urlhaus.abuse.ch/url/3000003/","tester"
"""

PLAIN_LIST = b"""# a plain list feed
198.51.100.77
+679 999 0001
scam-shop.example
"""
