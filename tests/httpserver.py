"""A real HTTP server for tests: http.server on 127.0.0.1, port 0, in a background thread.

No mocking of HTTP: code under test opens real sockets to this server.

    with LocalServer() as server:
        server.route("/feed.xml", Reply(body=b"<rss/>", headers={"ETag": '"v1"'}))
        server.route("/flaky", Reply(status=500), Reply(body=b"ok"))  # in turn; last repeats
        server.route("/dyn", lambda request: Reply(status=304))       # or compute the reply
        fetch("feed", server.url("/feed.xml"))
        assert server.hits("/feed.xml")[0].headers["User-Agent"].startswith("advisories/")

    with LocalServer(tls=True) as server:   # https://, with a self-signed certificate
        session.verify = server.cafile       # that clients trust through this file

Every response carries `Connection: close`, so a body without Content-Length simply ends
when the connection does, and no keep-alive socket outlives a test.
"""

from __future__ import annotations

import socket
import ssl
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from certificates import write_server_certificate


@dataclass(frozen=True)
class Reply:
    """One canned response."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait this long before the status line (a slow server)
    dribble_s: float = 0.0  # send the body a byte at a time, waiting this long between bytes
    # Send the status line, then an endless header a byte at a time, waiting this long
    # between bytes: the headers never end, and no single wait is long.
    header_drip_s: float = 0.0
    content_length: bool = True  # False: no Content-Length; the body ends at connection close

    @classmethod
    def redirect(cls, status: int, location: str, delay_s: float = 0.0) -> Reply:
        return cls(status=status, headers={"Location": location}, delay_s=delay_s)


@dataclass(frozen=True)
class Request:
    """One request as the server saw it. `headers` looks names up case-insensitively."""

    method: str
    path: str  # with the query string, as sent
    headers: Message
    body: bytes


Responder = Reply | Callable[[Request], Reply]

DRIP_LIMIT_S = 20.0  # the longest a header_drip_s reply drips before hanging up


class LocalServer:
    """Routes map a path (without query string) to replies served in turn; the last repeats.

    Unrouted paths answer 404. `requests` lists every request received, in order.
    """

    __test__ = False  # not a test class, whatever pytest's collection thinks

    def __init__(self, *, tls: bool = False) -> None:
        self.requests: list[Request] = []
        self._routes: dict[str, list[Responder]] = {}
        self._prefixes: dict[str, Callable[[Request], Reply]] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # set on stop(): slow replies give up early
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._scheme = "https" if tls else "http"
        self._certs: tempfile.TemporaryDirectory[str] | None = None
        self.cafile = ""  # with tls: the certificate to trust (session.verify = server.cafile)
        if tls:
            # ssl loads certificates only from files.
            self._certs = tempfile.TemporaryDirectory(prefix="advisories-tls-")
            cert, key = write_server_certificate(Path(self._certs.name))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self._httpd.tls = context
            self.cafile = str(cert)
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()  # joins the handler threads
        self._thread.join()
        if self._certs is not None:
            self._certs.cleanup()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"{self._scheme}://127.0.0.1:{self.port}{path}"

    def route(self, path: str, *replies: Responder) -> None:
        if not replies:
            raise ValueError("route() needs at least one reply")
        with self._lock:
            self._routes[path] = list(replies)

    def route_prefix(self, prefix: str, responder: Callable[[Request], Reply]) -> None:
        """Every path starting with `prefix` (an API: /api/cve/{id}) not routed exactly."""
        with self._lock:
            self._prefixes[prefix] = responder

    def hits(self, path: str) -> list[Request]:
        """The requests received for `path` (query string ignored)."""
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    def _reply_for(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            path = urlsplit(request.path).path
            queue = self._routes.get(path)
            if not queue:
                prefixed = next((r for p, r in self._prefixes.items() if path.startswith(p)), None)
                return prefixed(request) if prefixed else Reply(status=404, body=b"no such route")
            responder = queue.pop(0) if len(queue) > 1 else queue[0]
        return responder(request) if callable(responder) else responder


def unused_url(path: str = "/") -> str:
    """A URL on a local port nobody listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, so server_close() waits for them and no socket is left
    # for the garbage collector (ResourceWarning is an error in this suite).
    daemon_threads = False
    block_on_close = True
    owner: LocalServer
    tls: ssl.SSLContext | None = None

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.tls is None:
            return sock, address
        # The handshake happens in the handler's thread (_Handler.setup), so a client that
        # stalls in it holds up only its own connection, not accept().
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-reply is what timeout and size-cap tests do on purpose;
        # over TLS that can surface as an SSL error (e.g. EOF in violation of the protocol).
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # a client that connects and never speaks cannot hold stop() up forever
    server: _Server

    def setup(self) -> None:
        super().setup()  # sets the timeout first, so a stalled handshake gives up too
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, self.path, self.headers, body)
        self.close_connection = True
        self._send(self.server.owner._reply_for(request))

    def _send(self, reply: Reply) -> None:
        stopping = self.server.owner.stopping
        if reply.delay_s and stopping.wait(reply.delay_s):
            return
        if reply.header_drip_s:
            self._drip_headers(reply)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.content_length and "Content-Length" not in reply.headers:
            self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if not reply.dribble_s:
            self.wfile.write(reply.body)
            return
        for i in range(len(reply.body)):
            self.wfile.write(reply.body[i : i + 1])
            if stopping.wait(reply.dribble_s):
                return

    def _drip_headers(self, reply: Reply) -> None:
        self.wfile.write(f"HTTP/1.1 {reply.status} OK\r\nX-Slow: ".encode())
        # Until the client hangs up (the write fails), the server stops, or DRIP_LIMIT_S
        # passed: a client that nothing stops then fails its test instead of hanging it.
        give_up = time.monotonic() + DRIP_LIMIT_S
        while not self.server.owner.stopping.wait(reply.header_drip_s) and time.monotonic() < give_up:
            self.wfile.write(b"a")
