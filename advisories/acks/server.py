"""The answer endpoint: the standard library's ThreadingHTTPServer, meant to sit behind the
operator's reverse proxy (which terminates TLS). Routes: GET/POST `.../ack/<token>` (any prefix
the proxy passes on) and GET `/healthz`.

Requests are bounded: the request line and headers by http.server (64 KiB, 100 headers), a
form body by MAX_BODY, each read by TIMEOUT_S. Tokens are capabilities, so the log line of a
request names its path without the token, and pages tell browsers to keep no copy or referrer.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from advisories.acks.pages import AckPages, Page
from advisories.config import Config
from advisories.errors import ConfigError
from advisories.store import now

MAX_BODY = 4096  # a reason of 500 characters, form-encoded, fits many times over
MAX_PATH = 4096
TIMEOUT_S = 10
_TOKEN = re.compile(r"/ack/([A-Za-z0-9_-]{1,2000}\.[A-Za-z0-9_-]{1,100})/?$")
_SECRET = re.compile(r"/ack/[A-Za-z0-9_.-]+")
HEADERS = (
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)

Log = Callable[[str], None]


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise ConfigError(f"--listen {text!r}: give an address and a port, e.g. 127.0.0.1:8080",
                          "listen on the loopback address the reverse proxy forwards to")
    return host.strip("[]"), int(port)


def make_server(config: Config, listen: str, *, log: Log, clock: Callable[[], datetime] = now) -> ThreadingHTTPServer:
    if config.web is None or not config.web.keys:
        raise ConfigError("no [web] in the configuration (or its key_env is not set): no links to answer",
                          "add [web] base_url and key_env (README, \"Acknowledgements\")")
    pages = AckPages(config, clock=clock)

    class Handler(_Handler):
        app, say = pages, staticmethod(log)

    server = ThreadingHTTPServer(parse_listen(listen), Handler)
    server.daemon_threads = True
    return server


def start_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """For `serve --web`: the endpoint beside the scheduler; `server.shutdown()` stops it."""
    thread = threading.Thread(target=server.serve_forever, name="advisories-web", daemon=True)
    thread.start()
    return thread


class _Handler(BaseHTTPRequestHandler):
    app: AckPages
    say: Log
    timeout = TIMEOUT_S
    server_version = "advisories"
    sys_version = ""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.rstrip("/").endswith("/healthz"):
            self._send(200, "ok\n", "text/plain; charset=utf-8")
            return
        token = self._token(path)
        if token:
            self._page(self.app.get(token))

    def do_POST(self) -> None:
        token = self._token(urlsplit(self.path).path)
        if not token:
            return
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            self._send(411, "a Content-Length is required\n", "text/plain; charset=utf-8")
            return
        if int(length) > MAX_BODY:
            self._send(413, "the form is too large\n", "text/plain; charset=utf-8")
            return
        body = self.rfile.read(int(length)).decode("utf-8", "replace")
        form = dict(parse_qsl(body, max_num_fields=10))
        self._page(self.app.post(token, form))

    def _token(self, path: str) -> str | None:
        match = _TOKEN.search(path) if len(path) <= MAX_PATH else None
        if match is None:
            self._send(404, "not found\n", "text/plain; charset=utf-8")
            return None
        return match.group(1)

    def _page(self, page: Page) -> None:
        self._send(page.status, page.html, "text/html; charset=utf-8")

    def _send(self, status: int, text: str, content_type: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in HEADERS:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        # The token is a capability: never in the log. Only the method, the route and the status.
        line = format % args
        self.say(_SECRET.sub("/ack/…", line))
